// The archive as the UI sees it: whether it is set up, locked or open; the current
// search; the rows fetched so far (in pages, so 100 000 records never sit in memory at
// once); the chosen record's card. Everything comes from the Rust side.

import type { Backend } from '$lib/backend';
import type { ArchiveStatus } from '$lib/bindings/ArchiveStatus';
import type { Facets } from '$lib/bindings/Facets';
import type { Filter } from '$lib/bindings/Filter';
import type { RecordCard } from '$lib/bindings/RecordCard';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { Sort } from '$lib/bindings/Sort';
import type { AppState } from '$lib/state.svelte';

/** Rows per request: a screen or two of the list. */
export const PAGE = 100;
/** How long typing may pause before the search runs. */
export const SEARCH_DELAY_MS = 150;
/** At most one "still here" signal to the auto-lock per this many ms. */
const TOUCH_EVERY_MS = 30_000;
/** How often an open archive checks whether it was locked for idleness. */
const STATUS_EVERY_MS = 10_000;

export const NO_FILTER: Filter = { status: null, year: null, hasRestrictions: null };

export class ArchiveStore {
  status = $state<ArchiveStatus | null>(null);
  busy = $state(false);
  query = $state('');
  filter = $state<Filter>({ ...NO_FILTER });
  sort = $state<Sort>('updated');
  /** Rows in the current result, and whether the first page has arrived. */
  total = $state(0);
  loaded = $state(false);
  /** Fetched pages by index; replaced wholesale so that Svelte sees the change. */
  pages = $state<Record<number, RecordSummary[]>>({});
  facets = $state<Facets>({ statuses: [], years: [] });
  selected = $state<string | null>(null);
  card = $state<RecordCard | null>(null);
  /** A failure of the unlock or setup form, shown beside it (not in the banner). */
  formError = $state<string | null>(null);

  private readonly app: AppState;
  private readonly backend: Backend;
  /** Bumped by every new search, so answers to older ones are dropped. */
  private generation = 0;
  // Bookkeeping only (pages in flight), never shown: a plain Set on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private pending = new Set<number>();
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private statusTimer: ReturnType<typeof setInterval> | null = null;
  private lastTouch = 0;

  constructor(app: AppState) {
    this.app = app;
    this.backend = app.backend;
  }

  get state(): 'loading' | 'missing' | 'locked' | 'open' {
    return this.status?.state ?? 'loading';
  }

  /** Reads the status; a vault whose key is in the OS keyring opens without a prompt
   * unless the user (or the idle timer) locked it. */
  async start(): Promise<void> {
    await this.refreshStatus();
    const s = this.status;
    if (s?.state === 'locked' && s.inKeyring && !s.lockedByIdle && !s.lockedByUser) {
      await this.unlock(null, true);
    }
    this.statusTimer ??= setInterval(() => {
      if (this.status?.state === 'open') void this.refreshStatus();
    }, STATUS_EVERY_MS);
  }

  stop(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    if (this.searchTimer) clearTimeout(this.searchTimer);
  }

  async refreshStatus(): Promise<void> {
    try {
      const before = this.status?.state;
      this.status = await this.backend.archiveStatus();
      if (this.status.state === 'open' && before !== 'open') await this.opened();
      if (this.status.state !== 'open') this.closed();
    } catch (e) {
      this.app.report(e);
    }
  }

  async create(passphrase: string | null, useKeyring: boolean): Promise<void> {
    await this.guard(async () => {
      this.status = await this.backend.archiveCreate(passphrase, useKeyring);
      await this.opened();
    });
  }

  /** `quiet`: a failed automatic unlock leaves the lock screen without an error. */
  async unlock(passphrase: string | null, quiet = false): Promise<void> {
    await this.guard(async () => {
      this.status = await this.backend.archiveUnlock(passphrase);
      await this.opened();
    }, quiet);
  }

  async lock(): Promise<void> {
    try {
      this.status = await this.backend.archiveLock();
      this.closed();
    } catch (e) {
      this.app.report(e);
    }
  }

  private async guard(work: () => Promise<void>, quiet = false): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.formError = null;
    try {
      await work();
    } catch (e) {
      if (!quiet) this.formError = toMessage(e);
    } finally {
      this.busy = false;
    }
  }

  private async opened(): Promise<void> {
    this.lastTouch = Date.now();
    await Promise.all([this.search(), this.loadFacets()]);
  }

  private closed(): void {
    this.generation++;
    this.pages = {};
    this.total = 0;
    this.loaded = false;
    this.card = null;
    this.selected = null;
  }

  /** A failed archive command: a locked archive shows the lock screen, the rest the banner. */
  private failed(e: unknown): void {
    if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'archive_locked') {
      void this.refreshStatus();
    } else {
      this.app.report(e);
    }
  }

  private async loadFacets(): Promise<void> {
    try {
      this.facets = await this.backend.archiveFacets();
    } catch (e) {
      this.failed(e);
    }
  }

  /** Runs the search after a short pause in typing. */
  setQuery(text: string): void {
    this.query = text;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(), SEARCH_DELAY_MS);
  }

  setFilter(change: Partial<Filter>): void {
    this.filter = { ...this.filter, ...change };
    void this.search();
  }

  setSort(sort: Sort): void {
    this.sort = sort;
    void this.search();
  }

  /** Starts the current search afresh: the first page and the total. */
  async search(): Promise<void> {
    const generation = ++this.generation;
    this.pending.clear();
    try {
      const page = await this.backend.archiveSearch(this.query, this.filter, this.sort, 0, PAGE);
      if (generation !== this.generation) return;
      this.total = page.total;
      this.pages = { 0: page.rows };
      this.loaded = true;
    } catch (e) {
      if (generation === this.generation) this.failed(e);
    }
  }

  rowAt(index: number): RecordSummary | undefined {
    return this.pages[Math.floor(index / PAGE)]?.[index % PAGE];
  }

  /** Makes sure rows `from..to` are fetched (the list asks for what it shows). */
  ensureRows(from: number, to: number): void {
    const first = Math.floor(Math.max(0, from) / PAGE);
    const last = Math.floor(Math.max(0, Math.min(to, this.total - 1)) / PAGE);
    for (let p = first; p <= last; p++) {
      if (this.pages[p] || this.pending.has(p)) continue;
      this.pending.add(p);
      void this.fetchPage(p, this.generation);
    }
  }

  private async fetchPage(index: number, generation: number): Promise<void> {
    try {
      const page = await this.backend.archiveSearch(this.query, this.filter, this.sort, index * PAGE, PAGE);
      if (generation !== this.generation) return;
      this.pages = { ...this.pages, [index]: page.rows };
      this.total = page.total;
    } catch (e) {
      if (generation === this.generation) this.failed(e);
    } finally {
      this.pending.delete(index);
    }
  }

  async select(eptsNumber: string): Promise<void> {
    this.selected = eptsNumber;
    try {
      const card = await this.backend.archiveCard(eptsNumber);
      if (this.selected === eptsNumber) this.card = card;
    } catch (e) {
      this.failed(e);
    }
  }

  /** Reloads the open card (after a document changed). */
  async reloadCard(): Promise<void> {
    if (this.selected) await this.select(this.selected);
  }

  /** Runs a document action, then reloads the card; failures go to the banner. */
  async documentAction<T>(action: (backend: Backend) => Promise<T>): Promise<T | undefined> {
    try {
      const result = await action(this.backend);
      await this.reloadCard();
      return result;
    } catch (e) {
      this.failed(e);
      return undefined;
    }
  }

  /** The user is at work: tell the auto-lock, at most every 30 s. */
  touch(): void {
    const now = Date.now();
    if (this.status?.state !== 'open' || now - this.lastTouch < TOUCH_EVERY_MS) return;
    this.lastTouch = now;
    this.backend.archiveTouch().catch(() => undefined);
  }

  documentUrl(id: number): string {
    return this.backend.documentUrl(id);
  }
}

function toMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}
