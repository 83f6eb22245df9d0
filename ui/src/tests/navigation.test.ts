import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../App.svelte';
import { fakeBackend } from './fake-backend';

const SECTIONS = ['archive', 'prepare', 'upload', 'portal', 'validate', 'settings'] as const;

function visibleSections(): string[] {
  return SECTIONS.filter((s) => screen.queryByTestId(`section-${s}`) !== null);
}

describe('navigation', () => {
  it('starts on the archive, the home section', () => {
    render(App, { backend: fakeBackend() });
    expect(visibleSections()).toEqual(['archive']);
    expect(screen.getByTestId('nav-archive').getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Архив');
  });

  it('switches sections from the sidebar and marks the active button', async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });
    for (const section of SECTIONS) {
      await user.click(screen.getByTestId(`nav-${section}`));
      expect(visibleSections()).toEqual([section]);
      for (const other of SECTIONS) {
        const current = screen.getByTestId(`nav-${other}`).getAttribute('aria-current');
        expect(current).toBe(other === section ? 'page' : null);
      }
    }
  });

  it('moves the focus to the heading of the section opened', async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });
    await user.click(screen.getByTestId('nav-portal'));
    await waitFor(() => {
      expect(document.activeElement?.tagName).toBe('H1');
      expect(document.activeElement?.textContent).toBe('Портал');
    });
  });

  it('shows honest empty states that say what each section will do', async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });
    for (const section of ['upload'] as const) {
      await user.click(screen.getByTestId(`nav-${section}`));
      const root = screen.getByTestId(`section-${section}`);
      expect(root.textContent).toContain('Раздел в разработке');
      // An empty state offers nothing to click that would pretend to work.
      expect(root.querySelectorAll('button, input, select, a').length).toBe(0);
    }
  });

  it('asks the core to remember each section opened', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    render(App, { backend });
    await user.click(screen.getByTestId('nav-validate'));
    expect(backend.setLastView).toHaveBeenLastCalledWith('validate');
    await user.click(screen.getByTestId('nav-validate'));
    expect(backend.setLastView).toHaveBeenCalledTimes(1);
  });

  it('reopens the section the user left', async () => {
    const backend = fakeBackend({
      getSettings: async () => ({ language: 'ru' as const, lastView: 'settings' as const, autoLockMinutes: 15, portalUrl: null }),
    });
    render(App, { backend });
    await waitFor(() => expect(visibleSections()).toEqual(['settings']));
    expect(screen.getByTestId('nav-settings').getAttribute('aria-current')).toBe('page');
  });

  it('keeps the section when the core cannot remember it, and says so', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      setLastView: async () => {
        throw { code: 'settings_write_failed', message: 'Не удалось сохранить настройки' };
      },
    });
    render(App, { backend });
    await user.click(screen.getByTestId('nav-upload'));
    expect(visibleSections()).toEqual(['upload']);
    await waitFor(() =>
      expect(screen.getByTestId('error-banner').textContent).toContain('Не удалось сохранить настройки'),
    );
  });
});
