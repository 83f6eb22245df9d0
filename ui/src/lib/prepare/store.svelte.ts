// «Подготовка» as the UI sees it: the chosen files and folders, the check report for the
// chosen profile, the names the files would get, a fix run with its progress, and where the
// results go. Every file is read and judged by the Rust side; this only keeps the answers.

import { toCommandError, type Backend } from '$lib/backend';
import type { FileOutcome } from '$lib/bindings/FileOutcome';
import type { FixReport } from '$lib/bindings/FixReport';
import type { PrepareDestination } from '$lib/bindings/PrepareDestination';
import type { PrepareDrop } from '$lib/bindings/PrepareDrop';
import type { PrepareFileReport } from '$lib/bindings/PrepareFileReport';
import type { PrepareReport } from '$lib/bindings/PrepareReport';
import type { TranslitScheme } from '$lib/bindings/TranslitScheme';
import type { AppState } from '$lib/state.svelte';

export const PROFILES = ['elpts', 'gosuslugi'] as const;
export type ProfileName = (typeof PROFILES)[number];
export const SCHEMES: readonly TranslitScheme[] = ['icao', 'gost'];

/** Formats that can become pages of one PDF. */
export const PICTURES = ['jpeg', 'png', 'tiff'];

/** A size that may be absent (a file not written) as a number. */
export function num(value: number | null | undefined): number {
  return value ?? 0;
}

/** «2,4 МБ» / «120 КБ». */
export function formatSize(value: number | null | undefined, lang: string): string {
  const bytes = num(value);
  const mb = bytes / (1024 * 1024);
  const [mbUnit, kbUnit] = lang === 'ru' ? ['МБ', 'КБ'] : ['MB', 'KB'];
  if (mb >= 1) return `${mb.toLocaleString(lang, { maximumFractionDigits: 1 })} ${mbUnit}`;
  return `${Math.max(bytes > 0 ? 1 : 0, Math.round(bytes / 1024))} ${kbUnit}`;
}

/** The last part of a path, whatever the OS. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export { fill } from '$lib/i18n';

export class PrepareStore {
  /** What the user chose or dropped (files and folders), in order. */
  inputs = $state<string[]>([]);
  profile = $state<ProfileName>('elpts');
  scheme = $state<TranslitScheme>('icao');
  namePattern = $state('{name}');
  report = $state<PrepareReport | null>(null);
  /** Output names (no extension) by the check's order. */
  names = $state<string[]>([]);
  checking = $state(false);
  /** The last run's outcome by input path. */
  outcomes = $state<Record<string, FileOutcome>>({});
  lastRun = $state<FixReport | null>(null);
  running = $state(false);
  stopping = $state(false);
  done = $state(0);
  total = $state(0);
  destKind = $state<'folder' | 'archive'>('folder');
  folder = $state<string | null>(null);
  vin = $state('');
  /** Pictures ticked for «Собрать в один PDF». */
  selected = $state<string[]>([]);
  mergeName = $state('');
  merged = $state<string | null>(null);
  dragging = $state(false);
  /** A failure shown in the section (not only in the banner). */
  error = $state<string | null>(null);
  /** The file whose preview is open. */
  previewOf = $state<PrepareFileReport | null>(null);

  private readonly app: AppState;
  private readonly backend: Backend;
  /** Bumped by every check, so answers to older ones are dropped. */
  private generation = 0;
  private watching = false;

  constructor(app: AppState) {
    this.app = app;
    this.backend = app.backend;
  }

  get files(): PrepareFileReport[] {
    return this.report?.files ?? [];
  }

  /** Starts listening for files dropped onto the window (once). */
  async watchDrops(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      await this.backend.prepareWatchDrops((drop) => this.onDrop(drop));
    } catch {
      // Outside the shell there is nothing to drop onto; the buttons still say why.
      this.watching = false;
    }
  }

  onDrop(drop: PrepareDrop): void {
    if (drop.kind === 'enter') this.dragging = true;
    else if (drop.kind === 'leave') this.dragging = false;
    else {
      this.dragging = false;
      if (this.app.section !== 'prepare') this.app.navigate('prepare');
      void this.add(drop.paths);
    }
  }

  private fail(e: unknown): void {
    this.error = toCommandError(e).message;
  }

  async pickFiles(): Promise<void> {
    try {
      await this.add(await this.backend.preparePickFiles());
    } catch (e) {
      this.fail(e);
    }
  }

  async pickFolder(): Promise<void> {
    try {
      const folder = await this.backend.preparePickFolder();
      if (folder) await this.add([folder]);
    } catch (e) {
      this.fail(e);
    }
  }

  async add(paths: string[]): Promise<void> {
    const fresh = paths.filter((p) => !this.inputs.includes(p));
    if (fresh.length === 0) return;
    this.inputs = [...this.inputs, ...fresh];
    await this.check();
  }

  clear(): void {
    this.generation++;
    this.inputs = [];
    this.report = null;
    this.names = [];
    this.outcomes = {};
    this.lastRun = null;
    this.selected = [];
    this.merged = null;
    this.error = null;
  }

  setProfile(profile: ProfileName): void {
    this.profile = profile;
    void this.check();
  }

  setScheme(scheme: TranslitScheme): void {
    this.scheme = scheme;
    void this.refreshNames();
  }

  setPattern(pattern: string): void {
    this.namePattern = pattern;
    void this.refreshNames();
  }

  /** Checks the whole set again (a new profile, new files); a run's results are cleared. */
  async check(): Promise<void> {
    const generation = ++this.generation;
    this.error = null;
    this.outcomes = {};
    this.lastRun = null;
    this.merged = null;
    if (this.inputs.length === 0) {
      this.report = null;
      return;
    }
    this.checking = true;
    try {
      const report = await this.backend.prepareCheck(this.inputs, this.profile);
      if (generation !== this.generation) return;
      this.report = report;
      const present = report.files.map((f) => f.path);
      this.selected = this.selected.filter((p) => present.includes(p));
      await this.refreshNames();
    } catch (e) {
      if (generation === this.generation) this.fail(e);
    } finally {
      if (generation === this.generation) this.checking = false;
    }
  }

  async refreshNames(): Promise<void> {
    if (this.inputs.length === 0) {
      this.names = [];
      return;
    }
    const generation = this.generation;
    try {
      const names = await this.backend.prepareNames(this.inputs, this.profile, this.scheme, this.namePattern);
      if (generation === this.generation) this.names = names;
    } catch (e) {
      this.fail(e);
    }
  }

  /** The name file `index` would get, with its present extension. */
  newName(index: number): string | null {
    const stem = this.names[index];
    const file = this.files[index];
    if (stem === undefined || !file) return null;
    // The extension the core gives the format the file will have (a TIFF becomes a PDF).
    const format = file.fixes.includes('convert_to_pdf') ? 'pdf' : file.format;
    const ext: Record<string, string> = { pdf: 'pdf', jpeg: 'jpg', png: 'png', tiff: 'tif', docx: 'docx' };
    return ext[format] ? `${stem}.${ext[format]}` : `${stem}.bin`;
  }

  async chooseFolder(): Promise<void> {
    try {
      const folder = await this.backend.prepareChooseFolder();
      if (folder) {
        this.folder = folder;
        this.destKind = 'folder';
      }
    } catch (e) {
      this.fail(e);
    }
  }

  destination(): PrepareDestination | null {
    if (this.destKind === 'archive') return { kind: 'archive', vin: this.vin.trim() || null };
    return this.folder ? { kind: 'folder', path: this.folder } : null;
  }

  get canFix(): boolean {
    return !this.running && !this.checking && this.files.some((f) => f.verdict !== 'rejected');
  }

  async fixAll(): Promise<void> {
    if (this.running) return;
    const destination = this.destination();
    if (!destination) {
      this.error = this.app.t.prepare.needFolder;
      return;
    }
    this.error = null;
    this.running = true;
    this.stopping = false;
    this.done = 0;
    this.total = this.files.length;
    try {
      const report = await this.backend.prepareFix(this.inputs, this.profile, this.scheme, this.namePattern, destination, (p) => {
        this.done = Math.max(this.done, p.done);
        this.total = p.total;
      });
      this.lastRun = report;
      this.outcomes = Object.fromEntries(report.files.map((f) => [f.path, f]));
      this.done = report.files.filter((f) => f.status !== 'cancelled').length;
    } catch (e) {
      this.fail(e);
    } finally {
      this.running = false;
      this.stopping = false;
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    try {
      await this.backend.prepareCancel();
    } catch (e) {
      this.fail(e);
    }
  }

  toggle(path: string): void {
    this.selected = this.selected.includes(path) ? this.selected.filter((p) => p !== path) : [...this.selected, path];
  }

  async merge(): Promise<void> {
    // Pages in list order, whatever order they were ticked in.
    const pages = this.files.map((f) => f.path).filter((p) => this.selected.includes(p));
    if (pages.length === 0) return;
    this.error = null;
    this.merged = null;
    const destination = this.destKind === 'archive' ? { kind: 'archive' as const, vin: this.vin.trim() || null } : { kind: 'save' as const };
    try {
      const done = await this.backend.prepareMerge(pages, this.mergeName.trim() || this.app.t.prepare.mergeDefault, destination);
      if (done) this.merged = done.output;
    } catch (e) {
      this.fail(e);
    }
  }
}

// One store a window: the list survives moving to another section and back.
const stores = new WeakMap<AppState, PrepareStore>();

export function prepareStore(app: AppState): PrepareStore {
  let store = stores.get(app);
  if (!store) {
    store = new PrepareStore(app);
    stores.set(app, store);
  }
  return store;
}
