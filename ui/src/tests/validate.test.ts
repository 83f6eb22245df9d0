import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import type { Backend } from '$lib/backend';
import type { IdKind } from '$lib/bindings/IdKind';
import type { Lang } from '$lib/bindings/Lang';
import { fakeBackend, report } from './fake-backend';

async function openValidate(backend: Backend) {
  const user = userEvent.setup();
  render(App, { backend });
  await user.click(screen.getByTestId('nav-validate'));
  return user;
}

const BAD_VIN = 'XTA2109OO43576182';
const LADA_VIN = 'XTA21099043576182';

describe('identifier check', () => {
  it('shows a format hint with a sample for the chosen kind while the input is empty', async () => {
    const backend = fakeBackend();
    const user = await openValidate(backend);
    const section = screen.getByTestId('section-validate');
    expect(section.textContent).toContain('17 символов');
    expect(section.textContent).toContain('без I, O и Q');
    expect(screen.queryByTestId('id-result')).toBeNull();

    await user.selectOptions(screen.getByTestId('id-kind'), 'snils');
    expect(section.textContent).toContain('11 цифр');
    expect(backend.validateId).not.toHaveBeenCalled();
  });

  it('offers every identifier kind, with the IdKind strings as option values', async () => {
    await openValidate(fakeBackend());
    const select = screen.getByTestId('id-kind') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual([
      'vin', 'epts', 'snils', 'inn', 'ogrn', 'ogrnip', 'passport', 'plate', 'phone', 'email', 'date',
    ]);
    expect(select.value).toBe('vin');
    // The label is tied to the control.
    expect(screen.getByLabelText('Что проверяем')).toBe(select);
    expect(screen.getByLabelText('Значение')).toBe(screen.getByTestId('id-input'));
  });

  it('shows the invalid state and the error message from the backend for an invalid VIN', async () => {
    const backend = fakeBackend({
      validateId: async (kind: IdKind, value: string) =>
        report(kind, value, {
          valid: false,
          errors: [{ code: 'forbidden_letter', message: 'VIN не может содержать буквы I, O и Q (позиция 8)' }],
        }),
    });
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), BAD_VIN);

    const result = await screen.findByTestId('id-result');
    expect(result.getAttribute('data-valid')).toBe('false');
    expect(result.textContent).toContain('Ошибка');
    const errors = within(screen.getByTestId('id-errors')).getAllByRole('listitem');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.getAttribute('data-code')).toBe('forbidden_letter');
    expect(errors[0]?.textContent).toContain('VIN не может содержать буквы I, O и Q (позиция 8)');
    expect(errors[0]?.classList.contains('error')).toBe(true);
    expect(screen.getByTestId('id-input').getAttribute('aria-invalid')).toBe('true');
    // Debounced: one call for the whole typed value, not one per keystroke.
    expect(backend.validateId).toHaveBeenCalledTimes(1);
    expect(backend.validateId).toHaveBeenCalledWith('vin', BAD_VIN);
  });

  it('shows a warning in amber with the valid state, plus the normalised value and details', async () => {
    const backend = fakeBackend({
      validateId: async (kind: IdKind, value: string) =>
        report(kind, value, {
          valid: true,
          normalized: LADA_VIN,
          warnings: [{ code: 'vin_check_digit_mismatch', message: 'Контрольная цифра не совпадает: ожидалась 4, указана 9' }],
          details: [{ label: 'Производитель (WMI)', value: 'XTA' }],
        }),
    });
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), 'xta 2109 9043576182');

    const result = await screen.findByTestId('id-result');
    expect(result.getAttribute('data-valid')).toBe('true');
    expect(result.textContent).toContain('Реквизит верен');
    const warnings = within(screen.getByTestId('id-warnings')).getAllByRole('listitem');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.getAttribute('data-code')).toBe('vin_check_digit_mismatch');
    expect(warnings[0]?.classList.contains('warning')).toBe(true);
    expect(warnings[0]?.textContent).toContain('Контрольная цифра не совпадает');
    expect(screen.getByTestId('id-errors').hidden).toBe(true);
    expect(screen.getByTestId('id-normalized').textContent).toBe(LADA_VIN);
    const details = screen.getByTestId('id-details');
    expect(details.hidden).toBe(false);
    expect(within(details).getByText('Производитель (WMI)')).toBeTruthy();
    expect(within(details).getByText('XTA')).toBeTruthy();
  });

  it('copies the normalised value', async () => {
    const backend = fakeBackend({
      validateId: async (kind: IdKind, value: string) => report(kind, value, { normalized: '164301000012345' }),
    });
    const user = await openValidate(backend);
    await user.selectOptions(screen.getByTestId('id-kind'), 'epts');
    await user.type(screen.getByTestId('id-input'), '1643 0100 0012 345');
    await screen.findByTestId('id-normalized');
    await user.click(screen.getByTestId('id-copy'));
    expect(await navigator.clipboard.readText()).toBe('164301000012345');
    expect(screen.getByTestId('id-copy').textContent).toContain('Скопировано');
  });

  it('checks at once on Enter and re-checks when the kind changes', async () => {
    const backend = fakeBackend();
    const user = await openValidate(backend);
    const input = screen.getByTestId('id-input');
    await fireEvent.input(input, { target: { value: '7707083893' } });
    await fireEvent.submit(input.closest('form')!);
    // The Enter check does not wait for the debounce.
    expect(backend.validateId).toHaveBeenCalledWith('vin', '7707083893');
    await user.selectOptions(screen.getByTestId('id-kind'), 'inn');
    await waitFor(() => expect(backend.validateId).toHaveBeenLastCalledWith('inn', '7707083893'));
    expect((await screen.findByTestId('id-result')).getAttribute('data-kind')).toBe('inn');
  });

  it('presses Enter in the field to check', async () => {
    const backend = fakeBackend();
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), 'a@b.ru{Enter}');
    await screen.findByTestId('id-result');
    expect(backend.validateId).toHaveBeenCalledWith('vin', 'a@b.ru');
  });

  it('shows only the answer to the latest value when answers arrive out of order', async () => {
    const resolvers: Array<() => void> = [];
    const backend = fakeBackend({
      validateId: (kind: IdKind, value: string) =>
        new Promise((resolve) => {
          resolvers.push(() => resolve(report(kind, value, { normalized: value })));
        }),
    });
    await openValidate(backend);
    const input = screen.getByTestId('id-input');
    const form = input.closest('form')!;
    await fireEvent.input(input, { target: { value: 'FIRST' } });
    await fireEvent.submit(form);
    await fireEvent.input(input, { target: { value: 'SECOND' } });
    await fireEvent.submit(form);
    expect(resolvers).toHaveLength(2);
    resolvers[1]!();
    await waitFor(() => expect(screen.getByTestId('id-normalized').textContent).toBe('SECOND'));
    resolvers[0]!();
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('id-normalized').textContent).toBe('SECOND');
  });

  it('clears the result when the input is emptied', async () => {
    const user = await openValidate(fakeBackend());
    const input = screen.getByTestId('id-input');
    await user.type(input, 'ABC');
    await screen.findByTestId('id-result');
    await user.clear(input);
    await waitFor(() => expect(screen.queryByTestId('id-result')).toBeNull());
    expect(screen.getByTestId('section-validate').textContent).toContain('XTA21099043576182');
  });

  it('shows a failed command in the error banner, not as a result', async () => {
    const backend = fakeBackend({
      validateId: () => Promise.reject({ code: 'internal', message: 'Внутренняя ошибка проверки' }),
    });
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), 'X{Enter}');
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('Внутренняя ошибка проверки');
    expect(screen.queryByTestId('id-result')).toBeNull();
    // Non-blocking: the field is still usable, and the banner can be dismissed.
    expect((screen.getByTestId('id-input') as HTMLInputElement).disabled).toBe(false);
    await user.click(within(banner).getByRole('button'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('re-runs the check after a language switch so messages come in the new language', async () => {
    const messages: Record<Lang, string> = { ru: 'Неверная длина', en: 'Wrong length' };
    let lang: Lang = 'ru';
    const backend = fakeBackend({
      setLanguage: async (language: Lang) => {
        lang = language;
        return { language, lastView: 'validate' as const, autoLockMinutes: 15, portalUrl: null };
      },
      validateId: async (kind: IdKind, value: string) =>
        report(kind, value, { valid: false, errors: [{ code: 'wrong_length', message: messages[lang] }] }),
    });
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), 'XTA{Enter}');
    await waitFor(() => expect(screen.getByTestId('id-errors').textContent).toContain('Неверная длина'));

    await user.click(screen.getByTestId('sidebar-lang-en'));
    await waitFor(() => expect(screen.getByTestId('id-errors').textContent).toContain('Wrong length'));
    expect(screen.getByTestId('id-result').textContent).toContain('Invalid');
    expect(vi.mocked(backend.setLanguage)).toHaveBeenCalledWith('en');
  });
});

describe('identifier check, accessibility', () => {
  it('announces the verdict and the messages in a polite live region', async () => {
    const backend = fakeBackend({
      validateId: async (kind: IdKind, value: string) =>
        report(kind, value, { valid: false, errors: [{ code: 'wrong_length', message: 'VIN короче 17 символов' }] }),
    });
    const user = await openValidate(backend);
    await user.type(screen.getByTestId('id-input'), 'XTA{Enter}');
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    await waitFor(() => expect(status.textContent).toBe('Ошибка. VIN короче 17 символов'));
  });
});
