// The one boundary between the web UI and the Rust core.
//
// Every call to the Rust side goes through this module: components never call
// `invoke` themselves (ESLint forbids importing @tauri-apps/api/core elsewhere).
// The command names and argument shapes below are the contract with
// src-tauri; the types come from Rust through ts-rs (src/lib/bindings/).

import { Channel, convertFileSrc, invoke } from '@tauri-apps/api/core';
import type { AppInfo } from './bindings/AppInfo';
import type { ArchiveStatus } from './bindings/ArchiveStatus';
import type { BackupDone } from './bindings/BackupDone';
import type { Document } from './bindings/Document';
import type { Facets } from './bindings/Facets';
import type { Filter } from './bindings/Filter';
import type { RecordCard } from './bindings/RecordCard';
import type { SearchPage } from './bindings/SearchPage';
import type { Sort } from './bindings/Sort';
import type { Code } from './bindings/Code';
import type { CommandError } from './bindings/CommandError';
import type { IdKind } from './bindings/IdKind';
import type { Lang } from './bindings/Lang';
import type { PortalStatus } from './bindings/PortalStatus';
import type { Me } from './bindings/Me';
import type { PortalNotice } from './bindings/PortalNotice';
import type { Report } from './bindings/Report';
import type { Settings } from './bindings/Settings';
import type { SyncProgress } from './bindings/SyncProgress';
import type { SyncReport } from './bindings/SyncReport';
import type { View } from './bindings/View';
import type { FixReport } from './bindings/FixReport';
import type { MergeDestination } from './bindings/MergeDestination';
import type { MergeDone } from './bindings/MergeDone';
import type { PrepareDestination } from './bindings/PrepareDestination';
import type { PrepareDrop } from './bindings/PrepareDrop';
import type { PrepareProgress } from './bindings/PrepareProgress';
import type { PrepareReport } from './bindings/PrepareReport';
import type { TranslitScheme } from './bindings/TranslitScheme';

/** What a failed command rejects with: a stable code and a message already
 * localised by the Rust side in the user's language (src-tauri/src/error.rs). */
export type { CommandError };

/** The code of the error the UI reports when it runs outside the Tauri shell
 * (a plain browser, `vite preview`): there is no core to talk to. */
export const CORE_UNAVAILABLE: Code = 'core_unavailable';

export interface Backend {
  validateId(kind: IdKind, value: string): Promise<Report>;
  getSettings(): Promise<Settings>;
  setLanguage(language: Lang): Promise<Settings>;
  setLastView(view: View): Promise<Settings>;
  appInfo(): Promise<AppInfo>;
  /** Opens the portal window; resolves once the user is in the cabinet. */
  portalLogin(): Promise<Me>;
  /** Who is logged in, where the session is kept, the last sync. May take a second after a
   * restart: a kept session is checked with the portal. */
  portalStatus(): Promise<PortalStatus>;
  portalLogout(): Promise<void>;
  /** Brings the user's ePTS into the open archive; resumes an interrupted run. */
  portalSync(onProgress: (progress: SyncProgress) => void): Promise<SyncReport>;
  /** Stops the running sync between records; it resolves with `cancelled: true`. */
  portalSyncCancel(): Promise<void>;
  /** Opens the portal window at the cabinet; files downloaded there go into the archive. */
  portalOpenCabinet(): Promise<void>;
  /** Every file downloaded in the portal window is reported to `onDownload`. */
  /** What the portal window reports: a document it stored, a page or window it refused. */
  portalWatchNotices(onNotice: (notice: PortalNotice) => void): Promise<void>;
  /** Changes the portal address (null: the sandbox) and logs out; the new AppInfo. */
  setPortalUrl(url: string | null): Promise<AppInfo>;
  setAutoLock(minutes: number): Promise<Settings>;
  archiveStatus(): Promise<ArchiveStatus>;
  /** First-run setup: the key in the OS keyring, under a passphrase, or both. */
  archiveCreate(passphrase: string | null, useKeyring: boolean): Promise<ArchiveStatus>;
  /** Opens the archive: with the OS keyring when `passphrase` is null. */
  archiveUnlock(passphrase: string | null): Promise<ArchiveStatus>;
  archiveLock(): Promise<ArchiveStatus>;
  /** The user is at work: restarts the idle timer of the auto-lock. */
  archiveTouch(): Promise<void>;
  archiveSearch(query: string, filter: Filter, sort: Sort, offset: number, limit: number): Promise<SearchPage>;
  archiveFacets(): Promise<Facets>;
  archiveCard(eptsNumber: string): Promise<RecordCard>;
  archiveRenameDocument(id: number, name: string): Promise<Document>;
  archiveTagDocument(id: number, tags: string[]): Promise<Document>;
  archiveTrashDocument(id: number): Promise<void>;
  /** The documents in the trash, newest first. */
  archiveTrash(): Promise<Document[]>;
  archiveRestoreDocument(id: number): Promise<void>;
  /** Deletes the trash for good; resolves to how many documents were deleted. */
  archiveEmptyTrash(): Promise<number>;
  /** Asks where to save (native dialog); resolves to the path, or null if cancelled. */
  archiveExportDocument(id: number): Promise<string | null>;
  /** Asks for files (native dialog) and imports them, attached to `vin` when given. */
  archiveImportDocuments(vin: string | null): Promise<Document[]>;
  /** Sets the archive passphrase, or replaces it (`current`: the old one). */
  archiveSetPassphrase(current: string | null, next: string): Promise<ArchiveStatus>;
  /** Asks where to save (native dialog) and writes an encrypted backup; null if cancelled. */
  archiveBackup(passphrase: string): Promise<BackupDone | null>;
  /** Rotates the archive key, re-encrypting everything. */
  archiveRekey(passphrase: string | null): Promise<ArchiveStatus>;
  /** Where the webview reads a document's decrypted bytes (from memory, main window only). */
  documentUrl(id: number): string;
  /** «Подготовка»: asks for files (native dialog); empty if cancelled. Only paths chosen
   * here, in the folder dialog or dropped onto the window can be read by the commands below. */
  preparePickFiles(): Promise<string[]>;
  preparePickFolder(): Promise<string | null>;
  /** Asks for the folder fixed files go into; null if cancelled. */
  prepareChooseFolder(): Promise<string | null>;
  /** Drops onto the window (seen by the shell, with real paths) are reported to `onDrop`. */
  prepareWatchDrops(onDrop: (drop: PrepareDrop) => void): Promise<void>;
  prepareCheck(paths: string[], profile: string): Promise<PrepareReport>;
  /** The names (without extension) the files would get, in the check's order. */
  prepareNames(paths: string[], profile: string, scheme: TranslitScheme, namePattern: string): Promise<string[]>;
  prepareFix(
    paths: string[],
    profile: string,
    scheme: TranslitScheme,
    namePattern: string,
    destination: PrepareDestination,
    onProgress: (progress: PrepareProgress) => void,
  ): Promise<FixReport>;
  /** Stops the running fix between steps. */
  prepareCancel(): Promise<void>;
  /** A small JPEG of a chosen or produced picture. */
  preparePreview(path: string, maxSide: number): Promise<ArrayBuffer>;
  /** The bytes of a chosen or produced file of at most 20 MB (a PDF's first page). */
  prepareFileBytes(path: string): Promise<ArrayBuffer>;
  /** Pictures → one PDF, saved (dialog) or into the archive; null if the dialog was cancelled. */
  prepareMerge(paths: string[], name: string, destination: MergeDestination): Promise<MergeDone | null>;
}

function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Record<string, unknown>).code === 'string' &&
    typeof (e as Record<string, unknown>).message === 'string'
  );
}

/** Turns whatever a rejected command carries into a CommandError. */
export function toCommandError(e: unknown): CommandError {
  if (isCommandError(e)) return { code: e.code, message: e.message };
  if (typeof e === 'string') return { code: 'internal', message: e };
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/** The real backend: Tauri commands of the desktop shell. */
export const tauriBackend: Backend = {
  validateId: (kind, value) => call<Report>('validate_id', { kind, value }),
  getSettings: () => call<Settings>('get_settings'),
  setLanguage: (language) => call<Settings>('set_language', { language }),
  setLastView: (view) => call<Settings>('set_last_view', { view }),
  appInfo: () => call<AppInfo>('app_info'),
  portalLogin: () => call<Me>('portal_login'),
  portalStatus: () => call<PortalStatus>('portal_status'),
  portalLogout: () => call<void>('portal_logout'),
  portalSync: (onProgress) => {
    const channel = new Channel<SyncProgress>();
    channel.onmessage = onProgress;
    return call<SyncReport>('portal_sync', { onProgress: channel });
  },
  portalSyncCancel: () => call<void>('portal_sync_cancel'),
  portalOpenCabinet: () => call<void>('portal_open_cabinet'),
  portalWatchNotices: (onNotice) => {
    const channel = new Channel<PortalNotice>();
    channel.onmessage = onNotice;
    return call<void>('portal_watch_notices', { onNotice: channel });
  },
  setPortalUrl: (url) => call<AppInfo>('set_portal_url', { url }),
  setAutoLock: (minutes) => call<Settings>('set_auto_lock', { minutes }),
  archiveStatus: () => call<ArchiveStatus>('archive_status'),
  archiveCreate: (passphrase, useKeyring) => call<ArchiveStatus>('archive_create', { passphrase, useKeyring }),
  archiveUnlock: (passphrase) => call<ArchiveStatus>('archive_unlock', { passphrase }),
  archiveLock: () => call<ArchiveStatus>('archive_lock'),
  archiveTouch: () => call<void>('archive_touch'),
  archiveSearch: (query, filter, sort, offset, limit) =>
    call<SearchPage>('archive_search', { query, filter, sort, offset, limit }),
  archiveFacets: () => call<Facets>('archive_facets'),
  archiveCard: (eptsNumber) => call<RecordCard>('archive_card', { eptsNumber }),
  archiveRenameDocument: (id, name) => call<Document>('archive_rename_document', { id, name }),
  archiveTagDocument: (id, tags) => call<Document>('archive_tag_document', { id, tags }),
  archiveTrashDocument: (id) => call<void>('archive_trash_document', { id }),
  archiveTrash: () => call<Document[]>('archive_trash'),
  archiveRestoreDocument: (id) => call<void>('archive_restore_document', { id }),
  archiveEmptyTrash: () => call<number>('archive_empty_trash'),
  archiveExportDocument: (id) => call<string | null>('archive_export_document', { id }),
  archiveImportDocuments: (vin) => call<Document[]>('archive_import_documents', { vin }),
  archiveSetPassphrase: (current, next) => call<ArchiveStatus>('archive_set_passphrase', { current, new: next }),
  archiveBackup: (passphrase) => call<BackupDone | null>('archive_backup', { passphrase }),
  archiveRekey: (passphrase) => call<ArchiveStatus>('archive_rekey', { passphrase }),
  documentUrl: (id) => convertFileSrc(String(id), 'epts-doc'),
  preparePickFiles: () => call<string[]>('prepare_pick_files'),
  preparePickFolder: () => call<string | null>('prepare_pick_folder'),
  prepareChooseFolder: () => call<string | null>('prepare_choose_folder'),
  prepareWatchDrops: (onDrop) => {
    const channel = new Channel<PrepareDrop>();
    channel.onmessage = onDrop;
    return call<void>('prepare_watch_drops', { onDrop: channel });
  },
  prepareCheck: (paths, profile) => call<PrepareReport>('prepare_check', { paths, profileName: profile }),
  prepareNames: (paths, profile, scheme, namePattern) =>
    call<string[]>('prepare_names', { paths, profileName: profile, scheme, namePattern }),
  prepareFix: (paths, profile, scheme, namePattern, destination, onProgress) => {
    const channel = new Channel<PrepareProgress>();
    channel.onmessage = onProgress;
    return call<FixReport>('prepare_fix', { paths, profileName: profile, scheme, namePattern, destination, onProgress: channel });
  },
  prepareCancel: () => call<void>('prepare_cancel'),
  preparePreview: (path, maxSide) => call<ArrayBuffer>('prepare_preview', { path, maxSide }),
  prepareFileBytes: (path) => call<ArrayBuffer>('prepare_file_bytes', { path }),
  prepareMerge: (paths, name, destination) => call<MergeDone | null>('prepare_merge', { paths, name, destination }),
};

/** Outside the shell there is no core: every command fails honestly with
 * CORE_UNAVAILABLE (the UI shows it in the error banner). Nothing is faked. */
export const offlineBackend: Backend = {
  validateId: () => unavailable(),
  getSettings: () => unavailable(),
  setLanguage: () => unavailable(),
  setLastView: () => unavailable(),
  appInfo: () => unavailable(),
  portalLogin: () => unavailable(),
  portalStatus: () => unavailable(),
  portalLogout: () => unavailable(),
  portalSync: () => unavailable(),
  portalSyncCancel: () => unavailable(),
  portalOpenCabinet: () => unavailable(),
  portalWatchNotices: () => unavailable(),
  setPortalUrl: () => unavailable(),
  setAutoLock: () => unavailable(),
  archiveStatus: () => unavailable(),
  archiveCreate: () => unavailable(),
  archiveUnlock: () => unavailable(),
  archiveLock: () => unavailable(),
  archiveTouch: () => unavailable(),
  archiveSearch: () => unavailable(),
  archiveFacets: () => unavailable(),
  archiveCard: () => unavailable(),
  archiveRenameDocument: () => unavailable(),
  archiveTagDocument: () => unavailable(),
  archiveTrashDocument: () => unavailable(),
  archiveTrash: () => unavailable(),
  archiveRestoreDocument: () => unavailable(),
  archiveEmptyTrash: () => unavailable(),
  archiveExportDocument: () => unavailable(),
  archiveImportDocuments: () => unavailable(),
  archiveSetPassphrase: () => unavailable(),
  archiveBackup: () => unavailable(),
  archiveRekey: () => unavailable(),
  documentUrl: () => '',
  preparePickFiles: () => unavailable(),
  preparePickFolder: () => unavailable(),
  prepareChooseFolder: () => unavailable(),
  prepareWatchDrops: () => unavailable(),
  prepareCheck: () => unavailable(),
  prepareNames: () => unavailable(),
  prepareFix: () => unavailable(),
  prepareCancel: () => unavailable(),
  preparePreview: () => unavailable(),
  prepareFileBytes: () => unavailable(),
  prepareMerge: () => unavailable(),
};

function unavailable<T>(): Promise<T> {
  const error: CommandError = {
    code: CORE_UNAVAILABLE,
    message: 'Нет связи с ядром приложения',
  };
  return Promise.reject(error);
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

/** The backend for this window: the Tauri shell when present, else offline. */
export function defaultBackend(): Backend {
  return typeof window !== 'undefined' && window.__TAURI_INTERNALS__ ? tauriBackend : offlineBackend;
}
