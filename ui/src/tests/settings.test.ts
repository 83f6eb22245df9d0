import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../App.svelte';
import type { Lang } from '$lib/bindings/Lang';
import { fakeBackend, SANDBOX_URL } from './fake-backend';

describe('language', () => {
  it('reads the language persisted on the Rust side at start', async () => {
    const backend = fakeBackend({ getSettings: async () => ({ language: 'en' as Lang, lastView: 'archive' as const, autoLockMinutes: 15, portalUrl: null }) });
    render(App, { backend });
    await waitFor(() => expect(screen.getByTestId('nav-archive').textContent).toContain('Archive'));
    expect(backend.getSettings).toHaveBeenCalledTimes(1);
    expect(document.documentElement.lang).toBe('en');
  });

  it('switches the UI labels and persists the choice through set_language', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await user.click(screen.getByTestId('nav-settings'));
    expect(screen.getByTestId('nav-validate').textContent).toContain('Проверка реквизитов');
    expect(screen.getByTestId('lang-ru').getAttribute('aria-pressed')).toBe('true');

    await user.click(screen.getByTestId('lang-en'));
    expect(backend.setLanguage).toHaveBeenCalledWith('en');
    await waitFor(() => expect(screen.getByTestId('nav-validate').textContent).toContain('Identifier check'));
    expect(screen.getByTestId('nav-settings').textContent).toContain('Settings');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settings');
    expect(screen.getByTestId('lang-en').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('lang-ru').getAttribute('aria-pressed')).toBe('false');
    expect(document.documentElement.lang).toBe('en');

    await user.click(screen.getByTestId('lang-ru'));
    expect(backend.setLanguage).toHaveBeenLastCalledWith('ru');
    await waitFor(() => expect(screen.getByTestId('nav-settings').textContent).toContain('Настройки'));
  });

  it('the compact sidebar toggle switches the language too', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await user.click(screen.getByTestId('sidebar-lang-en'));
    expect(backend.setLanguage).toHaveBeenCalledWith('en');
    await waitFor(() => expect(screen.getByTestId('nav-archive').textContent).toContain('Archive'));
    expect(screen.getByTestId('sidebar-lang-en').getAttribute('aria-pressed')).toBe('true');
  });

  it('keeps the language and shows the error when the Rust side cannot save it', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      setLanguage: () => Promise.reject({ code: 'settings.io', message: 'Не удалось сохранить настройки' }),
    });
    render(App, { backend });
    await user.click(screen.getByTestId('nav-settings'));
    await user.click(screen.getByTestId('lang-en'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('Не удалось сохранить настройки');
    expect(banner.getAttribute('data-code')).toBe('settings.io');
    expect(screen.getByTestId('nav-settings').textContent).toContain('Настройки');
  });

  it('shows the version, mode and portal address from app_info', async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });
    await user.click(screen.getByTestId('nav-settings'));
    const section = screen.getByTestId('section-settings');
    await waitFor(() => expect(section.textContent).toContain('0.1.0'));
    expect(section.textContent).toContain('http://127.0.0.1:8700');
    expect(section.textContent).toContain('Настоящий портал');
  });
});

describe('sandbox badge', () => {
  it('shows when the backend reports the sandbox portal, with an explanation', async () => {
    const backend = fakeBackend({
      appInfo: async () => ({ version: '0.1.0', sandbox: true, portalUrl: 'http://127.0.0.1:8700', portalRefused: null }),
    });
    render(App, { backend });
    const badge = await screen.findByTestId('sandbox-badge');
    expect(badge.textContent).toContain('Песочница');
    const tip = document.getElementById(badge.getAttribute('aria-describedby') ?? '');
    expect(tip?.textContent).toContain('локальной копией портала');
  });

  it('is absent when the real portal is in use', async () => {
    const backend = fakeBackend();
    render(App, { backend });
    await waitFor(() => expect(backend.appInfo).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.queryByTestId('sandbox-badge')).toBeNull();
  });

  it('is absent when the core cannot be reached', async () => {
    const backend = fakeBackend({ appInfo: () => Promise.reject({ code: 'x', message: 'нет ответа' }) });
    render(App, { backend });
    await screen.findByTestId('error-banner');
    expect(screen.queryByTestId('sandbox-badge')).toBeNull();
  });

  it('follows the language', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      appInfo: async () => ({ version: '0.1.0', sandbox: true, portalUrl: 'http://127.0.0.1:8700', portalRefused: null }),
    });
    render(App, { backend });
    await screen.findByTestId('sandbox-badge');
    await user.click(screen.getByTestId('sidebar-lang-en'));
    await waitFor(() => expect(screen.getByTestId('sandbox-badge').textContent).toContain('Sandbox'));
  });
});

describe('portal address', () => {
  async function openSettings(backend = fakeBackend()) {
    const user = userEvent.setup();
    render(App, { backend });
    await user.click(screen.getByTestId('nav-settings'));
    return { user, backend };
  }

  it('shows the chosen address and saves a new one; the portal login is reset', async () => {
    const { user, backend } = await openSettings();
    const field = screen.getByTestId('settings-portal-url') as HTMLInputElement;
    await waitFor(() => expect(field.value).toBe('http://127.0.0.1:8700'));
    await user.clear(field);
    await user.type(field, '  https://epts.example.ru  ');
    await user.click(screen.getByTestId('settings-portal-save'));
    expect(backend.setPortalUrl).toHaveBeenCalledWith('https://epts.example.ru');
    expect((await screen.findByTestId('settings-portal-saved')).textContent).toContain('Войдите на портал заново');
    expect(screen.getByTestId('section-settings').textContent).toContain('https://epts.example.ru');
    expect(screen.queryByTestId('settings-portal-error')).toBeNull();
  });

  it('an empty field means the sandbox', async () => {
    const { user, backend } = await openSettings();
    const field = screen.getByTestId('settings-portal-url') as HTMLInputElement;
    await waitFor(() => expect(field.value).not.toBe(''));
    await user.clear(field);
    await user.click(screen.getByTestId('settings-portal-save'));
    expect(backend.setPortalUrl).toHaveBeenCalledWith(null);
  });

  it('says so when the saved address was refused at start and the sandbox runs', async () => {
    const backend = fakeBackend({
      appInfo: async () => ({
        version: '0.1.0',
        sandbox: true,
        portalUrl: 'http://127.0.0.1:8787',
        portalRefused: { code: 'bad_portal_url', message: 'Адрес портала должен начинаться с https://' },
      }),
    });
    await openSettings(backend);
    const refused = await screen.findByTestId('portal-url-refused');
    expect(refused.textContent).toContain('не принят, работает песочница');
    expect(refused.textContent).toContain('должен начинаться с https://');
    expect(refused.dataset.code).toBe('bad_portal_url');
  });

  it('shows what is wrong with an address, in place', async () => {
    const backend = fakeBackend({
      setPortalUrl: async () => {
        throw { code: 'bad_portal_url', message: 'Адрес портала должен начинаться с https://' };
      },
    });
    const { user } = await openSettings(backend);
    const field = screen.getByTestId('settings-portal-url');
    await user.clear(field);
    await user.type(field, 'epts.example.ru');
    await user.click(screen.getByTestId('settings-portal-save'));
    expect((await screen.findByTestId('settings-portal-error')).textContent).toContain('должен начинаться с https://');
    expect(screen.queryByTestId('error-banner')).toBeNull();
    // Typing again clears the complaint.
    await user.type(field, '/');
    expect(screen.queryByTestId('settings-portal-error')).toBeNull();
  });

  it('goes back to the sandbox: the badge appears and the field shows the sandbox address as a hint', async () => {
    const { user, backend } = await openSettings();
    expect(screen.queryByTestId('sandbox-badge')).toBeNull();
    const back = screen.getByTestId('settings-portal-sandbox') as HTMLButtonElement;
    await waitFor(() => expect(back.disabled).toBe(false));
    await user.click(back);
    expect(backend.setPortalUrl).toHaveBeenCalledWith(null);
    expect((await screen.findByTestId('sandbox-badge')).textContent).toContain('Песочница');
    const field = screen.getByTestId('settings-portal-url') as HTMLInputElement;
    expect(field.value).toBe('');
    expect(field.placeholder).toBe(SANDBOX_URL);
    expect(screen.getByTestId('settings-portal-saved').textContent).toContain('Снова используется песочница');
    expect(back.disabled).toBe(true);
  });

  it('after a change the portal section checks the login again', async () => {
    const { user, backend } = await openSettings(fakeBackend());
    await user.click(screen.getByTestId('nav-portal'));
    await user.click(await screen.findByTestId('portal-login'));
    await screen.findByTestId('portal-user');
    await user.click(screen.getByTestId('nav-settings'));
    await user.click(screen.getByTestId('settings-portal-sandbox'));
    await screen.findByTestId('settings-portal-saved');
    await user.click(screen.getByTestId('nav-portal'));
    expect(await screen.findByTestId('portal-login')).toBeTruthy();
    expect(screen.queryByTestId('portal-user')).toBeNull();
    expect(backend.portalStatus).toHaveBeenCalled();
  });
});
