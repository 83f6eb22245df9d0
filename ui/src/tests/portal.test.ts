import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import type { PortalDownload } from '$lib/bindings/PortalDownload';
import type { PortalNotice } from '$lib/bindings/PortalNotice';
import type { PortalStatus } from '$lib/bindings/PortalStatus';
import type { SyncProgress } from '$lib/bindings/SyncProgress';
import type { SyncReport } from '$lib/bindings/SyncReport';
import { NOTICE_MS, PortalStore } from '$lib/portal/store.svelte';
import { AppState } from '$lib/state.svelte';
import { fakeBackend, OWNER, portalStatus, syncReport } from './fake-backend';

async function openPortal(backend = fakeBackend()) {
  const user = userEvent.setup();
  render(App, { backend });
  await user.click(screen.getByTestId('nav-portal'));
  return { user, backend };
}

/** A logged-in owner, the session in the keyring, synced before at `lastSync`. */
function loggedIn(extra: Partial<PortalStatus> = {}) {
  return async () => portalStatus({ user: { ...OWNER }, keptIn: 'keyring', ...extra });
}

/** The local time of an RFC 3339 moment as the user reads it: dd.MM.yyyy HH:mm. */
function local(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A sync that the test drives: progress by hand, then the report. */
function heldSync() {
  const held = {
    progress: (_p: SyncProgress) => {},
    finish: (_r: SyncReport) => {},
    fail: (_e: unknown) => {},
  };
  const portalSync = (onProgress: (p: SyncProgress) => void) =>
    new Promise<SyncReport>((resolve, reject) => {
      held.progress = onProgress;
      held.finish = resolve;
      held.fail = reject;
    });
  return { held, portalSync };
}

describe('portal section: login', () => {
  it('offers the Gosuslugi login when nobody is logged in', async () => {
    await openPortal();
    expect((await screen.findByTestId('portal-login')).textContent).toContain('Войти через Госуслуги');
    expect(screen.queryByTestId('portal-user')).toBeNull();
    expect(screen.queryByTestId('portal-sync-card')).toBeNull();
  });

  it('says it is checking the saved login until the status arrives, then shows where it is kept', async () => {
    let answer: (s: PortalStatus) => void = () => {};
    const backend = fakeBackend({ portalStatus: () => new Promise((resolve) => (answer = resolve)) });
    await openPortal(backend);
    expect(screen.getByTestId('portal-checking').textContent).toBe('Проверяем сохранённый вход…');
    expect(screen.queryByTestId('portal-login')).toBeNull();
    answer(portalStatus({ user: { ...OWNER }, keptIn: 'archive' }));
    expect((await screen.findByTestId('portal-user-name')).textContent).toBe('Петров Иван Сергеевич');
    expect(screen.queryByTestId('portal-checking')).toBeNull();
    expect(screen.getByTestId('portal-kept-in').textContent).toContain('Вход сохранён в зашифрованном архиве');
  });

  it('says so when the login is saved in the keyring, or not saved at all', async () => {
    const first = render(App, { backend: fakeBackend({ portalStatus: loggedIn() }) });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('nav-portal'));
    expect((await screen.findByTestId('portal-kept-in')).textContent).toContain('Вход сохранён в связке ключей системы');
    first.unmount();
    await openPortal(fakeBackend({ portalStatus: loggedIn({ keptIn: null }) }));
    expect((await screen.findByTestId('portal-kept-in')).textContent).toContain('Вход не сохранён: после перезапуска войдите снова');
  });

  it('waits while the portal window is open, then shows who logged in and where the login is kept', async () => {
    let finish: (u: typeof OWNER) => void = () => {};
    const backend = fakeBackend({ portalLogin: () => new Promise((resolve) => (finish = resolve)) });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-login'));
    expect(screen.getByTestId('portal-waiting').textContent).toContain('Окно портала открыто');
    expect((screen.getByTestId('portal-login') as HTMLButtonElement).disabled).toBe(true);
    backend.portalStatus.mockImplementation(loggedIn());
    finish(OWNER);
    await waitFor(() => expect(screen.getByTestId('portal-user-name').textContent).toBe('Петров Иван Сергеевич'));
    expect(screen.getByTestId('portal-user').textContent).toContain('770123456703');
    await waitFor(() => expect(screen.getByTestId('portal-kept-in').textContent).toContain('связке ключей'));
    expect(screen.getByTestId('portal-sync').textContent).toContain('Загрузить мои ЭПТС');
  });

  it('shows the reason when the login fails and lets the user try again', async () => {
    const backend = fakeBackend({
      portalLogin: async () => {
        throw { code: 'clock_skewed', message: 'Часы компьютера отстают на 10 мин.' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-login'));
    await waitFor(() => expect(screen.getByTestId('error-banner').textContent).toContain('Часы компьютера'));
    expect((screen.getByTestId('portal-login') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows an existing session and logs out', async () => {
    const backend = fakeBackend({ portalStatus: loggedIn() });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-logout'));
    expect(backend.portalLogout).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId('portal-login')).toBeTruthy());
    expect(screen.queryByTestId('portal-sync-card')).toBeNull();
  });

  it('a saved session the portal refused: says the session ended and offers the login', async () => {
    await openPortal(fakeBackend({ portalStatus: async () => portalStatus({ sessionExpired: true }) }));
    expect((await screen.findByTestId('portal-session-expired')).textContent).toContain('Сеанс на портале закончился — войдите снова');
    expect(screen.getByTestId('portal-login')).toBeTruthy();
  });

  it('without the portal: the saved user, and the archive of the last sync in local time', async () => {
    const lastSync = '2026-11-26T15:40:00Z';
    await openPortal(fakeBackend({ portalStatus: loggedIn({ offline: true, lastSync }) }));
    const notice = await screen.findByTestId('portal-offline');
    expect(notice.textContent?.trim()).toBe(`Нет связи с порталом — показан архив от ${local(lastSync)}`);
    expect(screen.getByTestId('portal-user-name').textContent).toBe('Петров Иван Сергеевич');
    expect(screen.getByTestId('portal-last-sync').textContent).toBe(`Последняя загрузка: ${local(lastSync)}`);
    expect(screen.getByTestId('portal-sync').textContent).toContain('Обновить');
    // There is no cabinet to open without the portal.
    expect((screen.getByTestId('portal-open-cabinet') as HTMLButtonElement).disabled).toBe(true);
  });

  it('without the portal and never synced: says to check the connection and refresh', async () => {
    await openPortal(fakeBackend({ portalStatus: loggedIn({ offline: true }) }));
    expect((await screen.findByTestId('portal-offline')).textContent).toContain(
      'Нет связи с порталом. Данные ещё не загружались — проверьте подключение и нажмите «Обновить»',
    );
  });

  it('without the portal and with the archive locked: says the saved data is in the archive', async () => {
    await openPortal(fakeBackend({ portalStatus: loggedIn({ offline: true, archiveOpen: false }) }));
    expect((await screen.findByTestId('portal-offline')).textContent).toContain(
      'Сохранённые данные — в архиве: откройте его',
    );
  });

  it('opens the portal cabinet, saying that downloads there go into the archive', async () => {
    const backend = fakeBackend({ portalStatus: loggedIn() });
    const { user } = await openPortal(backend);
    const button = await screen.findByTestId('portal-open-cabinet');
    expect(button.textContent).toContain('Открыть кабинет портала');
    expect(screen.getByTestId('portal-user').textContent).toContain('сохранятся в архив');
    await user.click(button);
    expect(backend.portalOpenCabinet).toHaveBeenCalledTimes(1);
  });
});

describe('portal section: sync', () => {
  it('shows the phase, then the records counted, and stops on request', async () => {
    const { held, portalSync } = heldSync();
    const backend = fakeBackend({ portalStatus: loggedIn(), portalSync });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));

    const progress = await screen.findByTestId('portal-sync-progress');
    expect(progress.textContent).toContain('Получаем список…');
    held.progress({ phase: 'listing', done: 0, total: 0 });
    held.progress({ phase: 'records', done: 12, total: 500 });
    await waitFor(() => expect(screen.getByTestId('portal-sync-progress').textContent).toContain('ЭПТС 12 из 500'));
    expect(screen.getByTestId('portal-sync-progress').getAttribute('data-done')).toBe('12');
    expect(screen.getByTestId('portal-sync-progress').getAttribute('data-total')).toBe('500');
    expect(screen.queryByTestId('portal-sync')).toBeNull();

    const cancel = screen.getByTestId('portal-sync-cancel');
    expect(cancel.textContent).toContain('Остановить');
    await user.click(cancel);
    expect(backend.portalSyncCancel).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('portal-sync-cancel').textContent).toContain('Останавливаем…');

    held.finish(syncReport({ to_fetch: 500, inserted: 12, extracts: 12, cancelled: true }));
    const result = await screen.findByTestId('portal-sync-result');
    expect(result.textContent).toContain('Остановлено — следующая загрузка продолжит с того же места');
    expect(result.textContent).toContain('Новых: 12, обновлено: 0, без изменений: 0, выписок: 12');
    expect(screen.queryByTestId('portal-sync-progress')).toBeNull();
    expect(screen.getByTestId('portal-sync').textContent).toContain('Обновить');
  });

  it('after a sync: what arrived, the date of the last sync, and «Обновить»', async () => {
    const backend = fakeBackend();
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-login'));
    const sync = await screen.findByTestId('portal-sync');
    expect(sync.textContent).toContain('Загрузить мои ЭПТС');
    expect(screen.queryByTestId('portal-last-sync')).toBeNull();
    await user.click(sync);
    expect((await screen.findByTestId('portal-sync-result')).textContent?.trim()).toBe('Новых: 3, обновлено: 0, без изменений: 0, выписок: 3');
    await waitFor(() =>
      expect(screen.getByTestId('portal-last-sync').textContent).toBe(`Последняя загрузка: ${local('2026-11-26T15:40:00Z')}`),
    );
    expect(screen.getByTestId('portal-sync').textContent).toContain('Обновить');
    expect(backend.portalSync).toHaveBeenCalledTimes(1);
  });

  it('lists the records the portal would not give', async () => {
    const backend = fakeBackend({
      portalStatus: loggedIn(),
      portalSync: async () =>
        syncReport({ inserted: 2, extracts: 2, failed: [{ epts_number: '164301000000007', code: 'portal_server_error', message: 'Портал ответил ошибкой 502.' }] }),
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));
    const failed = await screen.findByTestId('portal-sync-failed');
    expect(failed.textContent).toContain('164301000000007');
    expect(failed.textContent).toContain('Портал ответил ошибкой 502.');
    expect(screen.getByTestId('portal-sync-result').textContent).toContain('Новых: 2');
  });

  it('a locked archive: asks to open it and takes the user there', async () => {
    const backend = fakeBackend({
      portalStatus: loggedIn(),
      portalSync: async () => {
        throw { code: 'archive_locked', message: 'Архив заперт' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));
    const notice = await screen.findByTestId('portal-sync-needs-archive');
    expect(notice.textContent).toContain('Откройте архив, чтобы загрузить в него данные');
    expect(screen.queryByTestId('error-banner')).toBeNull();
    await user.click(within(notice).getByRole('button'));
    expect(await screen.findByTestId('section-archive')).toBeTruthy();
  });

  it('an ended session: back to the login, with the reason', async () => {
    const backend = fakeBackend({
      portalStatus: loggedIn(),
      portalSync: async () => {
        throw { code: 'session_expired', message: 'Сеанс закончился' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));
    expect((await screen.findByTestId('portal-session-expired')).textContent).toContain('Сеанс на портале закончился — войдите снова');
    expect(screen.getByTestId('portal-login')).toBeTruthy();
    expect(screen.queryByTestId('portal-user')).toBeNull();
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it.each(['portal_offline', 'portal_timeout'])('no connection during a sync (%s): the offline notice, not an error', async (code) => {
    const lastSync = '2026-11-20T08:05:00Z';
    const backend = fakeBackend({
      portalStatus: loggedIn({ lastSync }),
      portalSync: async () => {
        throw { code, message: 'Портал не отвечает' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));
    expect((await screen.findByTestId('portal-offline')).textContent).toContain(`показан архив от ${local(lastSync)}`);
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('other failures go to the error banner', async () => {
    const backend = fakeBackend({
      portalStatus: loggedIn(),
      portalSync: async () => {
        throw { code: 'portal_maintenance', message: 'На портале технические работы до 18:00.' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(await screen.findByTestId('portal-sync'));
    expect((await screen.findByTestId('error-banner')).textContent).toContain('технические работы');
  });

  it('«Открыть архив» goes to the archive', async () => {
    const { user } = await openPortal(fakeBackend({ portalStatus: loggedIn() }));
    await user.click(await screen.findByTestId('portal-open-archive'));
    expect(await screen.findByTestId('section-archive')).toBeTruthy();
  });

  it('the archive says how fresh the portal data is', async () => {
    const lastSync = '2026-11-26T15:40:00Z';
    render(App, { backend: fakeBackend({ portalStatus: loggedIn({ lastSync }) }) });
    expect((await screen.findByTestId('archive-last-sync')).textContent).toBe(`Данные с портала от ${local(lastSync)}`);
  });
});

describe('portal window notices', () => {
  async function started() {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await waitFor(() => expect(backend.portalWatchNotices).toHaveBeenCalledTimes(1));
    const hear = backend.portalWatchNotices.mock.calls[0]?.[0] as (n: PortalNotice) => void;
    const announce = (d: PortalDownload) => hear({ kind: 'download', ...d });
    return { user, hear, announce };
  }
  const download = (extra: Partial<PortalDownload> = {}): PortalDownload => ({
    fileName: 'epts_164301027000001.pdf',
    vin: 'XTA21099043576182',
    eptsNumber: '164301027000001',
    documentId: 41,
    error: null,
    ...extra,
  });
  const throttled = (fileName: string): PortalDownload =>
    download({
      fileName,
      vin: null,
      documentId: null,
      error: { code: 'downloads_throttled', message: 'Портал просит слишком много файлов сразу — следующий можно будет скачать через 50 с.' },
    });

  it('says where a downloaded file went, in any section, until dismissed', async () => {
    const { user, announce } = await started();
    await user.click(screen.getByTestId('nav-validate'));
    announce(download());
    const notice = await screen.findByTestId('portal-download-notice');
    expect(notice.textContent).toContain('Файл «epts_164301027000001.pdf» сохранён в архив и прикреплён к VIN XTA21099043576182');
    await user.click(within(notice).getByRole('button'));
    await waitFor(() => expect(screen.queryByTestId('portal-download-notice')).toBeNull());
  });

  it('a notice hides by itself after a while, and a repeat keeps it up', () => {
    vi.useFakeTimers();
    try {
      const store = new PortalStore(new AppState(fakeBackend()));
      store.heard({ kind: 'download', ...throttled('a.pdf') });
      expect(store.notices).toHaveLength(1);
      vi.advanceTimersByTime(NOTICE_MS - 1);
      store.heard({ kind: 'download', ...throttled('b.pdf') });
      expect(store.notices).toHaveLength(1);
      vi.advanceTimersByTime(NOTICE_MS - 1);
      expect(store.notices).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(store.notices).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a file with no vehicle to attach to, and a file that failed', async () => {
    const { announce } = await started();
    announce(download({ vin: null, eptsNumber: null }));
    announce(download({ fileName: 'scan.exe', vin: null, documentId: null, error: { code: 'download_not_document', message: 'Этот файл не документ — он не сохранён.' } }));
    await waitFor(() => expect(screen.getAllByTestId('portal-download-notice')).toHaveLength(2));
    const [saved, failed] = screen.getAllByTestId('portal-download-notice');
    expect(saved?.textContent).toContain('Файл «epts_164301027000001.pdf» сохранён в архив');
    expect(saved?.textContent).not.toContain('VIN');
    expect(failed?.textContent).toContain('Этот файл не документ — он не сохранён.');
    expect(failed?.textContent).toContain('scan.exe');
    expect(failed?.dataset.code).toBe('download_not_document');
  });

  it('a flood of refused downloads is one notice with a count, stored files stay apart', async () => {
    const { announce } = await started();
    announce(download());
    for (let i = 0; i < 95; i++) announce(throttled(`flood-${i}.pdf`));
    announce(download({ fileName: 'epts_2.pdf' }));
    await waitFor(() => expect(screen.getAllByTestId('portal-download-notice')).toHaveLength(3));
    const flood = screen.getAllByTestId('portal-download-notice').find((n) => n.dataset.code === 'downloads_throttled');
    expect(flood?.dataset.count).toBe('95');
    expect(flood?.textContent).toContain('Повторилось: 95');
    expect(flood?.textContent).toContain('через 50 с');
  });

  it('a page the window refused is named with its host', async () => {
    const { user, hear } = await started();
    await user.click(screen.getByTestId('nav-archive'));
    const refused: PortalNotice = {
      kind: 'refused',
      host: '127.0.0.1:9',
      code: 'navigation_refused',
      message: 'Портал попытался открыть страницу другого сайта — окно её не показало.',
    };
    hear(refused);
    hear(refused);
    const notice = await screen.findByTestId('portal-refused-notice');
    expect(notice.textContent).toContain('окно её не показало');
    expect(notice.textContent).toContain('127.0.0.1:9');
    expect(notice.dataset.code).toBe('navigation_refused');
    expect(notice.dataset.count).toBe('2');
    hear({ ...refused, code: 'window_refused', message: 'Портал попытался открыть новое окно — оно не открыто.' });
    await waitFor(() => expect(screen.getAllByTestId('portal-refused-notice')).toHaveLength(2));
  });
});
