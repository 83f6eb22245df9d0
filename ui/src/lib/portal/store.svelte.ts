// The portal as the UI sees it: who is logged in and where that login is kept, the sync of
// the user's ePTS into the archive with its progress and last report, and the notices about
// notices from the portal window (documents it stored, pages and windows it refused). The
// session itself never leaves the Rust side.

import { toCommandError, type Backend } from '$lib/backend';
import type { PortalNotice } from '$lib/bindings/PortalNotice';
import type { PortalStatus } from '$lib/bindings/PortalStatus';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import type { SyncReport } from '$lib/bindings/SyncReport';
import type { AppState } from '$lib/state.svelte';

/** How long a notice stays unless dismissed (a repeat starts it again). */
export const NOTICE_MS = 10_000;

const NOBODY: PortalStatus = {
  user: null,
  offline: false,
  sessionExpired: false,
  keptIn: null,
  lastSync: null,
  archiveOpen: false,
  syncing: false,
};

/** A notice on screen; `count` says how many alike came in a row (a flood is one notice). */
export type NoticeItem = PortalNotice & { id: number; count: number };

/** Notices that say the same thing again collapse into one: the same failure of downloads
 * (a page asking for a hundred files), the same refused host. A stored file is never
 * merged: each one is news. */
function sameKind(notice: PortalNotice): string | null {
  if (notice.kind === 'refused') return `refused:${notice.code}:${notice.host}`;
  return notice.error ? `download:${notice.error.code}` : null;
}

export class PortalStore {
  /** null until the first answer of portal_status (it may take a second after a restart). */
  status = $state<PortalStatus | null>(null);
  loggingIn = $state(false);
  /** A sync started from this window is running. */
  syncing = $state(false);
  stopping = $state(false);
  progress = $state<SyncProgress | null>(null);
  report = $state<SyncReport | null>(null);
  /** The last sync (or cabinet) could not write: the archive is locked. */
  needsArchive = $state(false);
  notices = $state<NoticeItem[]>([]);

  private readonly app: AppState;
  private readonly backend: Backend;
  /** Bumped by every status read and local change, so stale answers are dropped. */
  private generation = 0;
  private watching = false;
  private nextId = 0;
  // Timer handles are bookkeeping, not state the UI shows.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(app: AppState) {
    this.app = app;
    this.backend = app.backend;
  }

  get user() {
    return this.status?.user ?? null;
  }

  /** A sync runs: this window's, or one the core reports (started before a reload). */
  get running(): boolean {
    return this.syncing || (this.status?.syncing ?? false);
  }

  /** Reads the status. `quiet`: a failure is not reported (the archive only shows a date
   * from it). Only the newest answer counts: an older one may predate a sync or a logout. */
  async refresh(quiet = false): Promise<void> {
    const generation = ++this.generation;
    try {
      const status = await this.backend.portalStatus();
      if (generation === this.generation) this.status = status;
    } catch (e) {
      if (generation !== this.generation) return;
      if (!quiet) this.app.report(e);
      // Without an answer the section offers the login rather than waiting forever.
      this.status ??= { ...NOBODY };
    }
  }

  /** A change known here first (a login, a failed sync); it outdates answers on their way. */
  private patch(change: Partial<PortalStatus>): void {
    this.generation++;
    this.status = { ...(this.status ?? NOBODY), ...change };
  }

  async login(): Promise<void> {
    if (this.loggingIn) return;
    this.loggingIn = true;
    // A new try: the last failure's message no longer applies.
    this.app.dismissError();
    try {
      const user = await this.backend.portalLogin();
      this.patch({ user, offline: false, sessionExpired: false });
      void this.readKeptIn();
    } catch (e) {
      this.app.report(e);
    } finally {
      this.loggingIn = false;
    }
  }

  /** The login answers who; the status adds where the new session is kept. */
  private async readKeptIn(): Promise<void> {
    try {
      const status = await this.backend.portalStatus();
      if (this.status?.user) this.patch({ keptIn: status.keptIn, lastSync: status.lastSync });
    } catch {
      // The card shows the user anyway; the next visit reads the status again.
    }
  }

  async logout(): Promise<void> {
    try {
      await this.backend.portalLogout();
      this.patch({ user: null, keptIn: null, offline: false, sessionExpired: false });
    } catch (e) {
      this.app.report(e);
    }
  }

  async sync(): Promise<void> {
    if (this.running) return;
    this.syncing = true;
    this.stopping = false;
    this.needsArchive = false;
    this.report = null;
    this.progress = { phase: 'listing', done: 0, total: 0 };
    try {
      this.report = await this.backend.portalSync((p) => (this.progress = p));
      this.patch({ offline: false });
      // The core knows when the sync ended (the «last sync» date).
      await this.refresh(true);
    } catch (e) {
      this.failed(e);
    } finally {
      this.syncing = false;
      this.stopping = false;
      this.progress = null;
    }
  }

  async cancel(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    try {
      await this.backend.portalSyncCancel();
      // A run this window did not start never resolves here: forget it; the core stops it
      // between records and the next sync resumes it.
      if (!this.syncing) {
        this.patch({ syncing: false });
        this.stopping = false;
      }
    } catch (e) {
      this.stopping = false;
      this.app.report(e);
    }
  }

  async openCabinet(): Promise<void> {
    try {
      await this.backend.portalOpenCabinet();
    } catch (e) {
      this.failed(e);
    }
  }

  /** The failures the section explains in place; the rest go to the banner. */
  private failed(e: unknown): void {
    const error = toCommandError(e);
    switch (error.code) {
      case 'portal_offline':
      case 'portal_timeout':
        this.patch({ offline: true });
        break;
      case 'archive_locked':
        this.needsArchive = true;
        break;
      case 'session_expired':
        this.patch({ user: null, keptIn: null, offline: false, sessionExpired: true });
        break;
      case 'not_logged_in':
        // The core holds no session (e.g. a kept one it could not check): say so, and show
        // what it knows now.
        this.app.report(error);
        void this.refresh(true);
        break;
      default:
        this.app.report(error);
    }
  }

  /** Changes the portal address (null: the sandbox). The core logs out: the session
   * belonged to the old portal. Rejects with the core's error for the form to show. */
  async setAddress(url: string | null): Promise<void> {
    const info = await this.backend.setPortalUrl(url);
    this.app.info = info;
    this.app.portalUrl = url === null ? null : info.portalUrl;
    this.status = null;
    this.report = null;
    this.needsArchive = false;
  }

  /** Starts listening to the portal window (once a window). */
  async watchNotices(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      await this.backend.portalWatchNotices((n) => this.heard(n));
    } catch {
      // Outside the shell there is no portal window to hear from.
      this.watching = false;
    }
  }

  heard(notice: PortalNotice): void {
    const kind = sameKind(notice);
    const same = kind === null ? undefined : this.notices.find((n) => sameKind(n) === kind);
    if (same) {
      this.notices = this.notices.map((n) => (n.id === same.id ? { ...notice, id: n.id, count: n.count + 1 } : n));
      this.hideLater(same.id);
      return;
    }
    const id = ++this.nextId;
    this.notices = [...this.notices, { ...notice, id, count: 1 }];
    this.hideLater(id);
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  private hideLater(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => this.dismiss(id), NOTICE_MS),
    );
  }
}

// One store a window: a running sync and its progress survive moving to another section.
const stores = new WeakMap<AppState, PortalStore>();

export function portalStore(app: AppState): PortalStore {
  let store = stores.get(app);
  if (!store) {
    store = new PortalStore(app);
    stores.set(app, store);
  }
  return store;
}
