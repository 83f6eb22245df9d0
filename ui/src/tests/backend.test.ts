import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
// A stand-in for Tauri's Channel: what the Rust side sends arrives at `onmessage`.
const FakeChannel = vi.hoisted(
  () =>
    class {
      onmessage: (message: unknown) => void = () => {};
    },
);
vi.mock('@tauri-apps/api/core', () => ({ invoke, Channel: FakeChannel }));

import App from '../App.svelte';
import {
  CORE_UNAVAILABLE,
  defaultBackend,
  offlineBackend,
  tauriBackend,
  toCommandError,
} from '$lib/backend';

afterEach(() => {
  delete window.__TAURI_INTERNALS__;
  invoke.mockReset();
});

describe('the backend boundary', () => {
  it('calls the Rust commands by their contract names and argument shapes', async () => {
    invoke.mockResolvedValue({ language: 'en' });
    await tauriBackend.setLanguage('en');
    expect(invoke).toHaveBeenLastCalledWith('set_language', { language: 'en' });
    await tauriBackend.getSettings();
    expect(invoke).toHaveBeenLastCalledWith('get_settings', undefined);
    await tauriBackend.appInfo();
    expect(invoke).toHaveBeenLastCalledWith('app_info', undefined);
    await tauriBackend.validateId('plate', 'a123bc77');
    expect(invoke).toHaveBeenLastCalledWith('validate_id', { kind: 'plate', value: 'a123bc77' });
  });

  it('calls the portal commands with their channels and arguments', async () => {
    invoke.mockResolvedValue(undefined);
    const progress = vi.fn();
    await tauriBackend.portalSync(progress);
    const [name, args] = invoke.mock.lastCall as [string, { onProgress: InstanceType<typeof FakeChannel> }];
    expect(name).toBe('portal_sync');
    args.onProgress.onmessage({ phase: 'records', done: 1, total: 2 });
    expect(progress).toHaveBeenCalledWith({ phase: 'records', done: 1, total: 2 });

    const heard = vi.fn();
    await tauriBackend.portalWatchNotices(heard);
    const [watch, watchArgs] = invoke.mock.lastCall as [string, { onNotice: InstanceType<typeof FakeChannel> }];
    expect(watch).toBe('portal_watch_notices');
    watchArgs.onNotice.onmessage({ kind: 'refused', host: 'evil.example', code: 'navigation_refused', message: 'm' });
    expect(heard).toHaveBeenCalledWith({ kind: 'refused', host: 'evil.example', code: 'navigation_refused', message: 'm' });

    await tauriBackend.setPortalUrl(null);
    expect(invoke).toHaveBeenLastCalledWith('set_portal_url', { url: null });
    await tauriBackend.portalSyncCancel();
    expect(invoke).toHaveBeenLastCalledWith('portal_sync_cancel', undefined);
    await tauriBackend.portalOpenCabinet();
    expect(invoke).toHaveBeenLastCalledWith('portal_open_cabinet', undefined);
    await tauriBackend.portalStatus();
    expect(invoke).toHaveBeenLastCalledWith('portal_status', undefined);
  });

  it('passes a command error through as { code, message }', async () => {
    invoke.mockRejectedValue({ code: 'settings_write_failed', message: 'Диск недоступен', extra: 1 });
    await expect(tauriBackend.getSettings()).rejects.toEqual({ code: 'settings_write_failed', message: 'Диск недоступен' });
    invoke.mockRejectedValue('plain text error');
    await expect(tauriBackend.getSettings()).rejects.toEqual({ code: 'internal', message: 'plain text error' });
  });

  it('normalises anything thrown into a CommandError', () => {
    expect(toCommandError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toCommandError(42)).toEqual({ code: 'internal', message: '42' });
    expect(toCommandError({ code: 1 })).toEqual({ code: 'internal', message: '[object Object]' });
  });

  it('uses Tauri inside the shell and the offline stand-in elsewhere', () => {
    expect(defaultBackend()).toBe(offlineBackend);
    window.__TAURI_INTERNALS__ = {};
    expect(defaultBackend()).toBe(tauriBackend);
  });

  it('outside the shell every command fails honestly, nothing is faked', async () => {
    for (const attempt of [
      offlineBackend.validateId('vin', 'XTA21099043576182'),
      offlineBackend.getSettings(),
      offlineBackend.setLanguage('en'),
      offlineBackend.appInfo(),
    ]) {
      await expect(attempt).rejects.toMatchObject({ code: CORE_UNAVAILABLE });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('the app without a shell says there is no connection to the core', async () => {
    render(App);
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('Нет связи с ядром приложения');
    expect(screen.getByTestId('section-archive')).toBeTruthy();
  });
});
