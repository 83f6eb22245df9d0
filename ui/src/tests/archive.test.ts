import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { archiveOf, archiveStatus, fakeBackend, record } from './fake-backend';

describe('archive', () => {
  it('first run offers the OS keyring and a passphrase, and checks the passphrase twice', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({ archiveStatus: async () => archiveStatus({ state: 'missing' }) });
    render(App, { backend });
    await screen.findByTestId('archive-setup');
    // With the keyring chosen the passphrase is optional; without it, required.
    await user.click(screen.getByTestId('setup-keyring'));
    await user.type(screen.getByTestId('setup-passphrase'), 'короткая');
    await user.type(screen.getByTestId('setup-repeat'), 'другая фраза');
    await user.click(screen.getByTestId('setup-create'));
    expect(screen.getByTestId('setup-problem').textContent).toContain('Фразы не совпадают');
    expect(backend.archiveCreate).not.toHaveBeenCalled();
    await user.clear(screen.getByTestId('setup-repeat'));
    await user.type(screen.getByTestId('setup-repeat'), 'короткая');
    await user.click(screen.getByTestId('setup-create'));
    expect(backend.archiveCreate).toHaveBeenCalledWith('короткая', false);
    await screen.findByTestId('archive-list');
  });

  it('without a keyring the setup says so and a passphrase is required', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      archiveStatus: async () => archiveStatus({ state: 'missing', keyringAvailable: false }),
    });
    render(App, { backend });
    expect((await screen.findByTestId('setup-no-keyring')).textContent).toContain('парольной фразой');
    await user.click(screen.getByTestId('setup-create'));
    expect(screen.getByTestId('setup-problem').textContent).toContain('не меньше 8');
    expect(backend.archiveCreate).not.toHaveBeenCalled();
  });

  it('the lock screen shows a wrong passphrase error from the core and clears the field', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      archiveStatus: async () => archiveStatus({ state: 'locked' }),
      archiveUnlock: vi.fn(async () => {
        throw { code: 'wrong_passphrase', message: 'Неверная парольная фраза. Проверьте раскладку и Caps Lock; архив не изменён.' };
      }),
    });
    render(App, { backend });
    await user.type(await screen.findByTestId('unlock-passphrase'), 'не та фраза');
    await user.click(screen.getByTestId('unlock-submit'));
    expect((await screen.findByTestId('unlock-error')).textContent).toContain('Caps Lock');
    expect((screen.getByTestId('unlock-passphrase') as HTMLInputElement).value).toBe('');
    expect(backend.archiveUnlock).toHaveBeenCalledWith('не та фраза');
  });

  it('a vault in the keyring opens by itself, but not after the user locked it', async () => {
    const opened = fakeBackend({ archiveStatus: async () => archiveStatus({ state: 'locked', inKeyring: true, hasPassphrase: false }) });
    const first = render(App, { backend: opened });
    await screen.findByTestId('archive-list');
    expect(opened.archiveUnlock).toHaveBeenCalledWith(null);
    first.unmount();

    const lockedByUser = fakeBackend({
      archiveStatus: async () => archiveStatus({ state: 'locked', inKeyring: true, lockedByUser: true }),
    });
    render(App, { backend: lockedByUser });
    await screen.findByTestId('unlock-keyring');
    expect(lockedByUser.archiveUnlock).not.toHaveBeenCalled();
  });

  it('renders only the rows on screen of a 100 000-record archive, and fetches pages as it scrolls', async () => {
    const big = archiveOf(100_000);
    const backend = fakeBackend({ archiveSearch: big.archiveSearch });
    render(App, { backend });
    const list = await screen.findByTestId('archive-list');
    // ru-RU groups digits with a no-break space.
    await waitFor(() => expect(screen.getByTestId('archive-count').textContent).toMatch(/100\s000/));
    const rows = within(list).getAllByTestId('archive-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.textContent).toContain(record(0).vin);
    const calls = backend.archiveSearch.mock.calls.length;
    list.scrollTop = 58 * 50_000;
    list.dispatchEvent(new Event('scroll'));
    await waitFor(() =>
      expect(within(list).getAllByTestId('archive-row').some((r) => r.dataset.epts === record(50_000).eptsNumber)).toBe(true),
    );
    expect(backend.archiveSearch.mock.calls.length).toBeGreaterThan(calls);
    // Only the pages around the new position, not the 500 pages before it.
    const offsets = backend.archiveSearch.mock.calls.map((c) => c[3]);
    expect(offsets).toContain(50_000);
    expect(offsets.length).toBeLessThan(10);
  });

  it('searches as the user types (after a pause) and filters by restrictions', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await screen.findByTestId('archive-list');
    await user.type(screen.getByTestId('archive-search'), 'haval');
    await waitFor(() => expect(backend.archiveSearch).toHaveBeenLastCalledWith('haval', expect.anything(), 'updated', 0, 100));
    // One search for the whole word, not one per letter.
    expect(backend.archiveSearch.mock.calls.filter((c) => c[0] === 'h').length).toBe(0);
    await waitFor(() => {
      const rows = screen.getAllByTestId('archive-row');
      expect(rows.every((r) => r.textContent?.includes('Haval'))).toBe(true);
    });
    await user.click(screen.getByTestId('archive-filter-restrictions'));
    expect(backend.archiveSearch).toHaveBeenLastCalledWith(
      'haval',
      { status: null, year: null, hasRestrictions: true },
      'updated',
      0,
      100,
    );
    await user.clear(screen.getByTestId('archive-search'));
    await user.type(screen.getByTestId('archive-search'), 'нет такого');
    expect((await screen.findByTestId('archive-empty')).textContent).toContain('Ничего не найдено');
  });

  it('the card groups the fields, shows the history and the documents', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    const rows = await screen.findAllByTestId('archive-row');
    await user.click(rows[1] as HTMLElement);
    const card = await screen.findByTestId('archive-card');
    const r = record(1);
    expect(within(card).getByTestId('card-vin').textContent).toBe(r.vin);
    expect(within(card).getByTestId('card-owner').textContent).toBe(r.owner);
    expect(card.textContent).toContain('Паспорт действует');
    expect(card.textContent).toContain('Транспортное средство');
    expect(card.textContent).toContain('белый');
    expect(within(card).getByTestId('card-history').textContent).toContain('Статус: Незавершенный → Действующий');
    const tiles = within(card).getAllByTestId('document-tile');
    expect(tiles.map((t) => t.dataset.kind)).toEqual(['pdf', 'jpeg']);
    expect((within(card).getByTestId('image-thumb') as HTMLImageElement).src).toBe('epts-doc://localhost/2');
    // Arrow keys move through the list.
    screen.getByTestId('archive-list').focus();
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(backend.archiveCard).toHaveBeenLastCalledWith(record(2).eptsNumber));
  });

  it('the document viewer reports a refused rename and saves through the native dialog', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({ archiveExportDocument: async () => '/home/user/Выписка.pdf' });
    render(App, { backend });
    await user.click((await screen.findAllByTestId('archive-row'))[0] as HTMLElement);
    const tiles = await screen.findAllByTestId('document-tile');
    await user.click(tiles[1] as HTMLElement);
    const viewer = await screen.findByTestId('document-viewer');
    await user.click(within(viewer).getByTestId('viewer-export'));
    expect(await within(viewer).findByRole('status')).toHaveProperty('textContent', 'Сохранено: /home/user/Выписка.pdf');
    await user.click(within(viewer).getByTestId('viewer-rename'));
    await user.clear(within(viewer).getByTestId('viewer-name-input'));
    await user.type(within(viewer).getByTestId('viewer-name-input'), 'a/b');
    await user.click(within(viewer).getByTestId('viewer-save'));
    expect((await screen.findByTestId('error-banner')).textContent).toContain('Неверные данные');
    await user.keyboard('{Escape}');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('document-viewer')).toBeNull());
  });

  it('locking returns to the lock screen; a locked archive seen by a search does too', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await screen.findByTestId('archive-list');
    await user.click(screen.getByTestId('archive-lock'));
    await screen.findByTestId('archive-lock-screen');
    expect(backend.archiveLock).toHaveBeenCalled();
  });

  it('the auto-lock time is a setting kept by the core', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await user.click(screen.getByTestId('nav-settings'));
    const select = (await screen.findByTestId('auto-lock')) as HTMLSelectElement;
    expect(select.value).toBe('15');
    await user.selectOptions(select, '0');
    expect(backend.setAutoLock).toHaveBeenCalledWith(0);
    expect(select.selectedOptions[0]?.textContent?.trim()).toBe('Никогда');
  });
});

describe('archive protection in settings', () => {
  it('sets a passphrase, saves a backup and rotates the key through the core', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({ archiveStatus: async () => archiveStatus({ inKeyring: true, hasPassphrase: false }) });
    render(App, { backend });
    await user.click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('archive-protection');
    await waitFor(() => expect(card.textContent).toContain('Парольная фраза не задана'));
    await user.type(within(card).getByTestId('protection-new'), 'новая длинная фраза');
    await user.click(within(card).getByTestId('protection-set'));
    expect(backend.archiveSetPassphrase).toHaveBeenCalledWith(null, 'новая длинная фраза');
    await user.type(within(card).getByTestId('backup-passphrase'), 'фраза для копии');
    await user.click(within(card).getByTestId('backup-save'));
    expect(backend.archiveBackup).toHaveBeenCalledWith('фраза для копии');
    expect((await within(card).findByTestId('protection-done')).textContent).toContain('/media/usb/epts-archive.eptsbak');
  });

  it('a locked archive says where to open it', async () => {
    const backend = fakeBackend({ archiveStatus: async () => archiveStatus({ state: 'locked' }) });
    render(App, { backend });
    await userEvent.setup().click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('archive-protection');
    await waitFor(() => expect(card.textContent).toContain('Откройте архив'));
    expect(within(card).queryByTestId('backup-save')).toBeNull();
  });
});

describe('archive trash', () => {
  it('brings a document back, and empties the trash only after a second confirmation', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await screen.findByTestId('archive-list');
    await user.click(screen.getByTestId('archive-trash'));
    const dialog = await screen.findByTestId('trash-dialog');
    expect((await within(dialog).findByTestId('trash-item')).textContent).toContain('Старый скан.jpg');
    await user.click(within(dialog).getByTestId('trash-restore'));
    expect(backend.archiveRestoreDocument).toHaveBeenCalledWith(7);
    await user.click(within(dialog).getByTestId('trash-empty-all'));
    expect(backend.archiveEmptyTrash).not.toHaveBeenCalled();
    expect(dialog.textContent).toContain('без возможности восстановления');
    await user.click(within(dialog).getByTestId('trash-confirm'));
    expect(backend.archiveEmptyTrash).toHaveBeenCalledTimes(1);
    expect((await within(dialog).findByRole('status')).textContent).toContain('Удалено навсегда: 1');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('trash-dialog')).toBeNull());
  });
});
