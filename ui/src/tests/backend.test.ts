import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

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

  it('passes a command error through as { code, message }', async () => {
    invoke.mockRejectedValue({ code: 'settings.io', message: 'Диск недоступен', extra: 1 });
    await expect(tauriBackend.getSettings()).rejects.toEqual({ code: 'settings.io', message: 'Диск недоступен' });
    invoke.mockRejectedValue('plain text error');
    await expect(tauriBackend.getSettings()).rejects.toEqual({ code: 'unknown', message: 'plain text error' });
  });

  it('normalises anything thrown into a CommandError', () => {
    expect(toCommandError(new Error('boom'))).toEqual({ code: 'unknown', message: 'boom' });
    expect(toCommandError(42)).toEqual({ code: 'unknown', message: '42' });
    expect(toCommandError({ code: 1 })).toEqual({ code: 'unknown', message: '[object Object]' });
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
