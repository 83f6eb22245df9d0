import { vi } from 'vitest';
import type { Backend } from '$lib/backend';
import type { AppInfo } from '$lib/bindings/AppInfo';
import type { IdKind } from '$lib/bindings/IdKind';
import type { Lang } from '$lib/bindings/Lang';
import type { PortalNotice } from '$lib/bindings/PortalNotice';
import type { PortalStatus } from '$lib/bindings/PortalStatus';
import type { Me } from '$lib/bindings/Me';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import type { SyncReport } from '$lib/bindings/SyncReport';
import type { Report } from '$lib/bindings/Report';
import type { View } from '$lib/bindings/View';
import type { ArchiveStatus } from '$lib/bindings/ArchiveStatus';
import type { Document } from '$lib/bindings/Document';
import type { EptsRecord } from '$lib/bindings/EptsRecord';
import type { Filter } from '$lib/bindings/Filter';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { Sort } from '$lib/bindings/Sort';
import type { FixReport } from '$lib/bindings/FixReport';
import type { PrepareReport } from '$lib/bindings/PrepareReport';

export type FakeBackend = {
  [K in keyof Backend]: Backend[K] & ReturnType<typeof vi.fn>;
};

/** A synthetic account, as the sandbox portal returns it. */
export const OWNER: Me = {
  displayName: 'Петров Иван Сергеевич',
  kind: 'person',
  accountStatus: 'активна',
  inn: '770123456703',
  ogrn: null,
};

export const INFO: AppInfo = { version: '0.1.0', sandbox: false, portalUrl: 'http://127.0.0.1:8700', portalRefused: null };

/** Where the sandbox portal answers when the settings name no portal. */
export const SANDBOX_URL = 'http://127.0.0.1:8787';

/** The portal status of nobody logged in, never synced; fields can be overridden. */
export function portalStatus(extra: Partial<PortalStatus> = {}): PortalStatus {
  return {
    user: null,
    offline: false,
    sessionExpired: false,
    keptIn: null,
    lastSync: null,
    archiveOpen: true,
    syncing: false,
    ...extra,
  };
}

/** What a first sync of the owner's three vehicles reports. */
export function syncReport(extra: Partial<SyncReport> = {}): SyncReport {
  return { to_fetch: 3, resumed: 0, inserted: 3, updated: 0, unchanged: 0, extracts: 3, failed: [], cancelled: false, ...extra };
}

/** A report as the Rust side would send it; fields can be overridden. */
export function report(kind: IdKind, input: string, extra: Partial<Report> = {}): Report {
  return {
    kind,
    input,
    normalized: null,
    valid: true,
    warnings: [],
    errors: [],
    details: [],
    ...extra,
  };
}

/** Synthetic record `n` (identifiers shaped like real ones, invented people). */
export function record(n: number): EptsRecord {
  const brands = ['LADA', 'Hyundai', 'Kia', 'Haval'];
  return {
    eptsNumber: `164301${String(n).padStart(9, '0')}`,
    vin: `XTA2109904${String(n).padStart(7, '0')}`,
    plate: n % 5 === 0 ? null : `А${String(100 + (n % 900))}ВС77`,
    status: n % 4 === 3 ? 'Погашенный' : 'Действующий',
    issueDate: '12.03.2021',
    brand: brands[n % brands.length] ?? 'LADA',
    model: 'Модель',
    year: 2015 + (n % 10),
    owner: `Владелец ${n}`,
    region: '77',
    hasRestrictions: n % 9 === 0,
    extra: { colour: 'белый' },
  };
}

function summary(r: EptsRecord): RecordSummary {
  return {
    eptsNumber: r.eptsNumber,
    vin: r.vin,
    plate: r.plate,
    status: r.status,
    brand: r.brand,
    model: r.model,
    year: r.year,
    owner: r.owner,
    hasRestrictions: r.hasRestrictions,
    updatedAt: '2026-11-01T10:00:00Z',
  };
}

export function archiveStatus(extra: Partial<ArchiveStatus> = {}): ArchiveStatus {
  return {
    state: 'open',
    keyringAvailable: true,
    inKeyring: false,
    hasPassphrase: true,
    lockedByIdle: false,
    lockedByUser: false,
    rekeyPending: false,
    ...extra,
  };
}

/** An archive of `total` synthetic records, searched by substring like the core does by prefix. */
export function archiveOf(total: number) {
  const matches = (query: string, filter: Filter) => (n: number) => {
    const r = record(n);
    const q = query.trim().toLowerCase();
    const text = `${r.eptsNumber} ${r.vin} ${r.plate ?? ''} ${r.brand} ${r.owner}`.toLowerCase();
    return (
      (q === '' || text.includes(q)) &&
      (filter.status === null || r.status === filter.status) &&
      (filter.hasRestrictions === null || r.hasRestrictions === filter.hasRestrictions)
    );
  };
  return {
    archiveSearch: async (query: string, filter: Filter, _sort: Sort, offset: number, limit: number) => {
      // Large archives are not filtered in full: a query narrows to the first 1000 numbers.
      const pool = query.trim() === '' && filter.status === null ? null : Array.from({ length: Math.min(total, 1000) }, (_, i) => i).filter(matches(query, filter));
      const count = pool ? pool.length : total;
      const rows = Array.from({ length: Math.max(0, Math.min(limit, count - offset)) }, (_, i) => {
        const n = pool ? (pool[offset + i] ?? 0) : offset + i;
        return summary(record(n));
      });
      return { total: count, offset, rows };
    },
    archiveCard: async (eptsNumber: string) => {
      const n = Number(eptsNumber.slice(6));
      const current = record(n);
      const documents: Document[] = [
        { id: 1, name: 'Выписка.pdf', kind: 'pdf', bytes: 120_000, vin: current.vin, tags: ['выписка'], importedAt: '2026-11-01T10:00:00Z', trashed: false },
        { id: 2, name: 'Фото.jpg', kind: 'jpeg', bytes: 2_400_000, vin: current.vin, tags: [], importedAt: '2026-11-01T10:00:00Z', trashed: false },
      ];
      return {
        record: current,
        history: [{ version: 1, replacedAt: '2026-10-01T10:00:00Z', record: { ...current, status: 'Незавершенный' } }],
        documents,
      };
    },
  };
}

/** A size in bytes, as the core reports it. */
export const bytes = (n: number): number => n;

/** A check report of three files as the core gives it for the ePTS portal. */
export function prepareReport(extra: Partial<PrepareReport> = {}): PrepareReport {
  return {
    profile: 'elpts',
    files: [
      {
        path: '/home/user/Сканы/Фото машины.jpg',
        format: 'jpeg',
        bytes: bytes(2_400_000),
        verdict: 'fixable',
        problems: [{ code: 'exif_rotated', message: 'Фото повёрнуто только меткой EXIF — на портале оно может оказаться боком.' }],
        fixes: ['auto_rotate'],
      },
      {
        path: '/home/user/Сканы/Договор.pdf',
        format: 'pdf',
        bytes: bytes(5_000),
        verdict: 'rejected',
        problems: [{ code: 'encrypted', message: 'Файл защищён паролем — портал такие не принимает.' }],
        fixes: [],
      },
      { path: '/home/user/Сканы/vypiska.pdf', format: 'pdf', bytes: bytes(4_000), verdict: 'ok', problems: [], fixes: [] },
    ],
    total_bytes: bytes(2_409_000),
    set_problems: [],
    ...extra,
  };
}

/** What a finished run into /out reports for `prepareReport()`. */
export function fixReport(extra: Partial<FixReport> = {}): FixReport {
  return {
    profile: 'elpts',
    cancelled: false,
    total_bytes: bytes(900_000),
    set_problems: [],
    files: [
      {
        path: '/home/user/Сканы/Фото машины.jpg',
        status: 'fixed',
        format: 'jpeg',
        before_bytes: bytes(2_400_000),
        output: '/out/foto_mashiny.jpg',
        output_format: 'jpeg',
        after_bytes: bytes(890_000),
        applied: [{ code: 'auto_rotate', message: 'Повёрнут так, как снимали (по метке EXIF)' }],
        problems: [],
      },
      {
        path: '/home/user/Сканы/Договор.pdf',
        status: 'refused',
        format: 'pdf',
        before_bytes: bytes(5_000),
        output: null,
        output_format: null,
        after_bytes: null,
        applied: [],
        problems: [{ code: 'encrypted', message: 'Файл защищён паролем — портал такие не принимает.' }],
      },
      {
        path: '/home/user/Сканы/vypiska.pdf',
        status: 'ok',
        format: 'pdf',
        before_bytes: bytes(4_000),
        output: '/out/vypiska.pdf',
        output_format: 'pdf',
        after_bytes: bytes(4_000),
        applied: [],
        problems: [],
      },
    ],
    ...extra,
  };
}

/** A backend whose every command is a spy; by default it answers like a
 * healthy core with Russian settings and no sandbox. */
export function fakeBackend(overrides: Partial<Backend> = {}): FakeBackend {
  let language: Lang = 'ru';
  let lastView: View = 'archive';
  let autoLockMinutes = 15;
  let portalUrl: string | null = INFO.portalUrl;
  // The portal keeps who logged in, like the core does, so a status read after a login agrees.
  let portalUser: Me | null = null;
  let lastSync: string | null = null;
  const settings = () => ({ language, lastView, autoLockMinutes, portalUrl });
  const info = (): AppInfo => (portalUrl === null ? { ...INFO, sandbox: true, portalUrl: SANDBOX_URL } : { ...INFO, portalUrl });
  const archive = archiveOf(300);
  const backend = {
    validateId: vi.fn(async (kind: IdKind, value: string) => report(kind, value)),
    getSettings: vi.fn(async () => settings()),
    setLanguage: vi.fn(async (lang: Lang) => {
      language = lang;
      return settings();
    }),
    setLastView: vi.fn(async (view: View) => {
      lastView = view;
      return settings();
    }),
    setAutoLock: vi.fn(async (minutes: number) => {
      autoLockMinutes = minutes;
      return settings();
    }),
    appInfo: vi.fn(async () => info()),
    portalStatus: vi.fn(async () => portalStatus({ user: portalUser, keptIn: portalUser ? 'keyring' : null, lastSync })),
    portalLogin: vi.fn(async (): Promise<Me> => {
      portalUser = { ...OWNER };
      return { ...OWNER };
    }),
    portalLogout: vi.fn(async () => {
      portalUser = null;
    }),
    portalSync: vi.fn(async (onProgress: (p: SyncProgress) => void) => {
      onProgress({ phase: 'listing', done: 0, total: 0 });
      for (let done = 1; done <= 3; done++) onProgress({ phase: 'records', done, total: 3 });
      lastSync = '2026-11-26T15:40:00Z';
      return syncReport();
    }),
    portalSyncCancel: vi.fn(async () => undefined),
    portalOpenCabinet: vi.fn(async () => undefined),
    portalWatchNotices: vi.fn(async (_onNotice: (n: PortalNotice) => void) => undefined),
    setPortalUrl: vi.fn(async (url: string | null) => {
      portalUrl = url;
      portalUser = null;
      return info();
    }),
    archiveStatus: vi.fn(async () => archiveStatus()),
    archiveCreate: vi.fn(async () => archiveStatus()),
    archiveUnlock: vi.fn(async () => archiveStatus()),
    archiveLock: vi.fn(async () => archiveStatus({ state: 'locked', lockedByUser: true })),
    archiveTouch: vi.fn(async () => undefined),
    archiveSearch: vi.fn(archive.archiveSearch),
    archiveFacets: vi.fn(async () => ({ statuses: ['Действующий', 'Погашенный'], years: [2024, 2023] })),
    archiveCard: vi.fn(archive.archiveCard),
    archiveRenameDocument: vi.fn(async () => {
      throw { code: 'invalid_input', message: 'Неверные данные' };
    }),
    archiveTagDocument: vi.fn(async () => {
      throw { code: 'invalid_input', message: 'Неверные данные' };
    }),
    archiveTrashDocument: vi.fn(async () => undefined),
    archiveTrash: vi.fn(async (): Promise<Document[]> => [
      { id: 7, name: 'Старый скан.jpg', kind: 'jpeg', bytes: 90_000, vin: null, tags: [], importedAt: '2026-10-01T10:00:00Z', trashed: true },
    ]),
    archiveRestoreDocument: vi.fn(async () => undefined),
    archiveEmptyTrash: vi.fn(async () => 1),
    archiveExportDocument: vi.fn(async () => null),
    archiveImportDocuments: vi.fn(async () => []),
    archiveSetPassphrase: vi.fn(async () => archiveStatus()),
    archiveBackup: vi.fn(async () => ({ path: '/media/usb/epts-archive.eptsbak', records: 300, documents: 2, bytes: 4_200_000 })),
    archiveRekey: vi.fn(async () => archiveStatus()),
    documentUrl: vi.fn((id: number) => `epts-doc://localhost/${id}`),
    preparePickFiles: vi.fn(async () => ['/home/user/Сканы/Фото машины.jpg', '/home/user/Сканы/Договор.pdf', '/home/user/Сканы/vypiska.pdf']),
    preparePickFolder: vi.fn(async () => '/home/user/Сканы'),
    prepareChooseFolder: vi.fn(async () => '/out'),
    prepareWatchDrops: vi.fn(async () => undefined),
    prepareCheck: vi.fn(async () => prepareReport()),
    prepareNames: vi.fn(async () => ['foto_mashiny', 'dogovor', 'vypiska']),
    prepareFix: vi.fn(async () => fixReport()),
    prepareCancel: vi.fn(async () => undefined),
    preparePreview: vi.fn(async () => new ArrayBuffer(8)),
    prepareFileBytes: vi.fn(async () => new ArrayBuffer(8)),
    prepareMerge: vi.fn(async () => ({ output: '/out/dokumenty.pdf', bytes: 1000 })),
  };
  for (const [name, impl] of Object.entries(overrides)) {
    (backend as Record<string, ReturnType<typeof vi.fn>>)[name] = vi.fn(impl);
  }
  return backend as unknown as FakeBackend;
}
