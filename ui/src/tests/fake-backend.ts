import { vi } from 'vitest';
import type { Backend } from '$lib/backend';
import type { AppInfo } from '$lib/bindings/AppInfo';
import type { IdKind } from '$lib/bindings/IdKind';
import type { Lang } from '$lib/bindings/Lang';
import type { PortalUser } from '$lib/bindings/PortalUser';
import type { Report } from '$lib/bindings/Report';
import type { View } from '$lib/bindings/View';

export type FakeBackend = {
  [K in keyof Backend]: Backend[K] & ReturnType<typeof vi.fn>;
};

/** A synthetic account, as the sandbox portal returns it. */
export const OWNER: PortalUser = {
  displayName: 'Петров Иван Сергеевич',
  kind: 'person',
  accountStatus: 'активна',
  inn: '770123456703',
  ogrn: null,
};

export const INFO: AppInfo = { version: '0.1.0', sandbox: false, portalUrl: 'http://127.0.0.1:8700' };

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

/** A backend whose every command is a spy; by default it answers like a
 * healthy core with Russian settings and no sandbox. */
export function fakeBackend(overrides: Partial<Backend> = {}): FakeBackend {
  let language: Lang = 'ru';
  let lastView: View = 'archive';
  const backend = {
    validateId: vi.fn(async (kind: IdKind, value: string) => report(kind, value)),
    getSettings: vi.fn(async () => ({ language, lastView })),
    setLanguage: vi.fn(async (lang: Lang) => {
      language = lang;
      return { language, lastView };
    }),
    setLastView: vi.fn(async (view: View) => {
      lastView = view;
      return { language, lastView };
    }),
    appInfo: vi.fn(async () => ({ ...INFO })),
    portalStatus: vi.fn(async (): Promise<PortalUser | null> => null),
    portalLogin: vi.fn(async (): Promise<PortalUser> => ({ ...OWNER })),
    portalLogout: vi.fn(async () => undefined),
  };
  for (const [name, impl] of Object.entries(overrides)) {
    (backend as Record<string, ReturnType<typeof vi.fn>>)[name] = vi.fn(impl);
  }
  return backend as unknown as FakeBackend;
}
