// The state of the main window, shared with every component through a Svelte
// context. Anything that must persist (the language) lives on the Rust side:
// it is read from `get_settings` at start and changed with `set_language`.

import { getContext, setContext } from 'svelte';
import { toCommandError, type Backend, type CommandError } from './backend';
import type { AppInfo } from './bindings/AppInfo';
import type { Lang } from './bindings/Lang';
import type { View } from './bindings/View';
import { DEFAULT_LANG, dictionaries, isLang, type Dict } from './i18n';

export const SECTIONS = ['archive', 'prepare', 'upload', 'portal', 'validate', 'settings'] as const satisfies readonly View[];
export type Section = View;

function isSection(value: unknown): value is Section {
  return (SECTIONS as readonly unknown[]).includes(value);
}

export class AppState {
  readonly backend: Backend;
  lang = $state<Lang>(DEFAULT_LANG);
  section = $state<Section>('archive');
  info = $state<AppInfo | null>(null);
  error = $state<CommandError | null>(null);
  /** Minutes of idleness after which the archive locks itself (0: never). */
  autoLockMinutes = $state(15);
  /** The portal address the user chose; null: the sandbox (the default). */
  portalUrl = $state<string | null>(null);
  /** True while a language change is on its way to the Rust side. */
  savingLang = $state(false);

  t: Dict = $derived(dictionaries[this.lang]);

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Reads the persisted settings and the app info. Failures go to the banner. */
  async init(): Promise<void> {
    const [settings, info] = await Promise.allSettled([this.backend.getSettings(), this.backend.appInfo()]);
    if (settings.status === 'fulfilled') {
      if (isLang(settings.value.language)) this.lang = settings.value.language;
      // Reopen the section the user left (kept on the Rust side, like the language).
      if (isSection(settings.value.lastView)) this.section = settings.value.lastView;
      this.autoLockMinutes = settings.value.autoLockMinutes ?? this.autoLockMinutes;
      this.portalUrl = settings.value.portalUrl ?? null;
    } else {
      this.report(settings.reason);
    }
    if (info.status === 'fulfilled') {
      this.info = info.value;
    } else {
      this.report(info.reason);
    }
  }

  /** Asks the Rust side to persist the language; the UI follows its answer. */
  async setLanguage(language: Lang): Promise<void> {
    if (this.savingLang) return;
    this.savingLang = true;
    try {
      const settings = await this.backend.setLanguage(language);
      this.lang = isLang(settings.language) ? settings.language : language;
    } catch (e) {
      this.report(e);
    } finally {
      this.savingLang = false;
    }
  }

  async setAutoLock(minutes: number): Promise<void> {
    try {
      this.autoLockMinutes = (await this.backend.setAutoLock(minutes)).autoLockMinutes;
    } catch (e) {
      this.report(e);
    }
  }

  /** Shows a section at once and asks the Rust side to remember it for the next start. */
  navigate(section: Section): void {
    if (this.section === section) return;
    this.section = section;
    this.backend.setLastView(section).catch((e: unknown) => this.report(e));
  }

  /** Shows a failed command in the (non-blocking) error banner. */
  report(e: unknown): void {
    this.error = toCommandError(e);
  }

  dismissError(): void {
    this.error = null;
  }
}

const KEY = Symbol('epts-app-state');

export function provideApp(state: AppState): AppState {
  return setContext(KEY, state);
}

export function useApp(): AppState {
  const state = getContext<AppState | undefined>(KEY);
  if (!state) throw new Error('AppState is not provided: render inside <App>.');
  return state;
}
