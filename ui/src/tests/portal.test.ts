import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../App.svelte';
import { fakeBackend, OWNER } from './fake-backend';

async function openPortal(backend = fakeBackend()) {
  const user = userEvent.setup();
  render(App, { backend });
  await user.click(screen.getByTestId('nav-portal'));
  return { user, backend };
}

describe('portal section', () => {
  it('offers the Gosuslugi login when nobody is logged in', async () => {
    await openPortal();
    expect(screen.getByTestId('portal-login').textContent).toContain('Войти через Госуслуги');
    expect(screen.queryByTestId('portal-user')).toBeNull();
  });

  it('waits while the portal window is open, then shows who logged in', async () => {
    let finish: (u: typeof OWNER) => void = () => {};
    const backend = fakeBackend({ portalLogin: () => new Promise((resolve) => (finish = resolve)) });
    const { user } = await openPortal(backend);
    await user.click(screen.getByTestId('portal-login'));
    expect(screen.getByTestId('portal-waiting').textContent).toContain('Окно портала открыто');
    expect((screen.getByTestId('portal-login') as HTMLButtonElement).disabled).toBe(true);
    finish(OWNER);
    await waitFor(() => expect(screen.getByTestId('portal-user-name').textContent).toBe('Петров Иван Сергеевич'));
    expect(screen.getByTestId('portal-user').textContent).toContain('770123456703');
  });

  it('shows the reason when the login fails and lets the user try again', async () => {
    const backend = fakeBackend({
      portalLogin: async () => {
        throw { code: 'clock_skewed', message: 'Часы компьютера отстают на 10 мин.' };
      },
    });
    const { user } = await openPortal(backend);
    await user.click(screen.getByTestId('portal-login'));
    await waitFor(() => expect(screen.getByTestId('error-banner').textContent).toContain('Часы компьютера'));
    expect((screen.getByTestId('portal-login') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows an existing session and logs out', async () => {
    const backend = fakeBackend({ portalStatus: async () => ({ ...OWNER }) });
    const { user } = await openPortal(backend);
    await waitFor(() => expect(screen.getByTestId('portal-user')).toBeTruthy());
    await user.click(screen.getByTestId('portal-logout'));
    expect(backend.portalLogout).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId('portal-login')).toBeTruthy());
  });
});
