import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import type { FixReport } from '$lib/bindings/FixReport';
import type { PrepareDrop } from '$lib/bindings/PrepareDrop';
import type { PrepareProgress } from '$lib/bindings/PrepareProgress';
import { fakeBackend, fixReport, prepareReport } from './fake-backend';

async function openPrepare(backend = fakeBackend()) {
  const user = userEvent.setup();
  render(App, { backend });
  await user.click(screen.getByTestId('nav-prepare'));
  return { user, backend };
}

function row(name: string): HTMLElement {
  const found = screen.getAllByTestId('prepare-row').find((r) => r.dataset.name === name);
  if (!found) throw new Error(`no row for ${name}`);
  return found;
}

describe('prepare', () => {
  it('starts empty and says what to do', async () => {
    await openPrepare();
    expect(screen.getByTestId('prepare-empty').textContent).toContain('Пока нет файлов');
    expect(screen.queryByTestId('prepare-table')).toBeNull();
  });

  it('shows each file with its verdict and its problems in plain words', async () => {
    const { user, backend } = await openPrepare();
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    expect(backend.prepareCheck).toHaveBeenCalledWith(
      ['/home/user/Сканы/Фото машины.jpg', '/home/user/Сканы/Договор.pdf', '/home/user/Сканы/vypiska.pdf'],
      'elpts',
    );
    expect(screen.getAllByTestId('prepare-row')).toHaveLength(3);
    const photo = row('Фото машины.jpg');
    expect(photo.dataset.verdict).toBe('fixable');
    expect(within(photo).getByTestId('prepare-verdict').textContent).toContain('можно исправить');
    expect(photo.textContent).toContain('меткой EXIF');
    expect(photo.textContent).toContain('2,3 МБ');
    const locked = row('Договор.pdf');
    expect(within(locked).getByTestId('prepare-verdict').textContent).toContain('не подходит');
    expect(locked.textContent).toContain('защищён паролем');
    // A refused file is not offered for the PDF; pictures are.
    expect(within(locked).queryByTestId('prepare-select')).toBeNull();
    expect(within(photo).getByTestId('prepare-select')).toBeTruthy();
    expect(within(row('vypiska.pdf')).getByTestId('prepare-verdict').textContent).toContain('подходит');
    // The live example of the name pattern comes from the core.
    await waitFor(() => expect(screen.getByTestId('prepare-example').textContent).toBe('foto_mashiny.jpg'));
  });

  it('checks again under another profile and renames under another pattern', async () => {
    const { user, backend } = await openPrepare();
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    await user.selectOptions(screen.getByTestId('prepare-profile'), 'gosuslugi');
    await waitFor(() => expect(backend.prepareCheck).toHaveBeenLastCalledWith(expect.any(Array), 'gosuslugi'));
    await user.selectOptions(screen.getByTestId('prepare-scheme'), 'gost');
    await waitFor(() => expect(backend.prepareNames).toHaveBeenLastCalledWith(expect.any(Array), 'gosuslugi', 'gost', '{name}'));
  });

  it('shows the set-level problems', async () => {
    const backend = fakeBackend({
      prepareCheck: async () =>
        prepareReport({
          set_problems: [{ code: 'total_too_large', message: 'Все файлы вместе весят 41,0 МБ, а в одно заявление помещается не больше 30,0 МБ.' }],
        }),
    });
    const { user } = await openPrepare(backend);
    await user.click(screen.getByTestId('prepare-pick-files'));
    expect((await screen.findByTestId('prepare-set-problems')).textContent).toContain('в одно заявление');
  });

  it('asks for a folder before fixing, then fixes with progress and shows what was done', async () => {
    let finish: (r: FixReport) => void = () => {};
    let report: (p: PrepareProgress) => void = () => {};
    const backend = fakeBackend({
      prepareFix: (_paths, _profile, _scheme, _pattern, _destination, onProgress) =>
        new Promise<FixReport>((resolve) => {
          report = onProgress;
          finish = resolve;
        }),
    });
    const { user } = await openPrepare(backend);
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    await user.click(screen.getByTestId('prepare-fix'));
    expect(screen.getByTestId('prepare-error').textContent).toContain('Выберите папку');
    expect(backend.prepareFix).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('dest-choose'));
    await waitFor(() => expect(screen.getByTestId('dest-path').textContent).toBe('/out'));
    await user.click(screen.getByTestId('prepare-fix'));
    expect(backend.prepareFix).toHaveBeenCalledWith(expect.any(Array), 'elpts', 'icao', '{name}', { kind: 'folder', path: '/out' }, expect.any(Function));
    report({ done: 1, total: 3, path: '/home/user/Сканы/vypiska.pdf' });
    await waitFor(() => expect(screen.getByTestId('prepare-progress').textContent).toContain('Обработано 1 из 3'));
    expect(screen.getByTestId('section-prepare').dataset.state).toBe('running');
    finish(fixReport());
    await waitFor(() => expect(screen.getByTestId('prepare-result').textContent).toContain('исправлено 1, без изменений 1, не принято 1'));
    const photo = row('Фото машины.jpg');
    expect(photo.dataset.status).toBe('fixed');
    expect(within(photo).getByTestId('prepare-output').textContent).toContain('foto_mashiny.jpg');
    expect(within(photo).getByTestId('prepare-after').textContent).toContain('869 КБ');
    expect(photo.textContent).toContain('Повёрнут так, как снимали');
    expect(row('Договор.pdf').dataset.status).toBe('refused');
  });

  it('stops a run and says what was left', async () => {
    let finish: (r: FixReport) => void = () => {};
    const backend = fakeBackend({
      prepareFix: () => new Promise<FixReport>((resolve) => (finish = resolve)),
    });
    const { user } = await openPrepare(backend);
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    await user.click(screen.getByTestId('dest-choose'));
    await user.click(screen.getByTestId('prepare-fix'));
    await user.click(await screen.findByTestId('prepare-stop'));
    expect(backend.prepareCancel).toHaveBeenCalled();
    expect(screen.getByTestId('prepare-stop').textContent).toContain('Останавливаем');
    const partial = fixReport();
    finish({
      ...partial,
      cancelled: true,
      files: partial.files.map((f, i) => (i === 0 ? f : { ...f, status: 'cancelled', output: null, after_bytes: null, applied: [], problems: [] })),
    });
    await waitFor(() => expect(screen.getByTestId('prepare-result').textContent).toContain('Остановлено: обработано 1 из 3'));
    expect(row('vypiska.pdf').dataset.status).toBe('cancelled');
  });

  it('shows the core’s error when the archive is locked', async () => {
    const backend = fakeBackend({
      prepareFix: async () => {
        throw { code: 'archive_locked', message: 'Архив заперт. Откройте раздел «Архив», отоприте его и повторите — или сохраните результаты в папку.' };
      },
    });
    const { user } = await openPrepare(backend);
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    await user.click(screen.getByTestId('dest-archive'));
    await user.type(screen.getByTestId('dest-vin'), 'XTA21099043576182');
    await user.click(screen.getByTestId('prepare-fix'));
    expect((await screen.findByTestId('prepare-error')).textContent).toContain('Откройте раздел «Архив»');
    expect(backend.prepareFix).toHaveBeenCalledWith(expect.any(Array), 'elpts', 'icao', '{name}', { kind: 'archive', vin: 'XTA21099043576182' }, expect.any(Function));
    expect(screen.getByTestId('prepare-fix')).toBeTruthy();
  });

  it('adds files dropped onto the window, from any section', async () => {
    let drop: (d: PrepareDrop) => void = () => {};
    const backend = fakeBackend({
      prepareWatchDrops: async (onDrop) => {
        drop = onDrop;
      },
      prepareCheck: async (paths) => prepareReport({ files: prepareReport().files.filter((f) => paths.includes(f.path)) }),
    });
    const { user } = await openPrepare(backend);
    await waitFor(() => expect(backend.prepareWatchDrops).toHaveBeenCalled());
    drop({ kind: 'enter' });
    await waitFor(() => expect(screen.getByTestId('prepare-dropzone').className).toContain('active'));
    await user.click(screen.getByTestId('nav-archive'));
    drop({ kind: 'drop', paths: ['/home/user/Сканы/vypiska.pdf'] });
    await screen.findByTestId('section-prepare');
    await screen.findByTestId('prepare-table');
    expect(screen.getAllByTestId('prepare-row')).toHaveLength(1);
    expect(screen.getByTestId('prepare-dropzone').className).not.toContain('active');
  });

  it('merges the ticked pictures into one PDF', async () => {
    const { user, backend } = await openPrepare();
    await user.click(screen.getByTestId('prepare-pick-files'));
    await screen.findByTestId('prepare-table');
    expect((screen.getByTestId('prepare-merge') as HTMLButtonElement).disabled).toBe(true);
    await user.click(within(row('Фото машины.jpg')).getByTestId('prepare-select'));
    await user.click(screen.getByTestId('prepare-merge'));
    expect(backend.prepareMerge).toHaveBeenCalledWith(['/home/user/Сканы/Фото машины.jpg'], 'документы', { kind: 'save' });
    expect((await screen.findByTestId('merge-done')).textContent).toContain('/out/dokumenty.pdf');
  });

  it('a refused pick shows the error in the section', async () => {
    const backend = fakeBackend({
      preparePickFiles: vi.fn(async () => {
        throw { code: 'core_unavailable', message: 'Нет связи с ядром приложения' };
      }),
    });
    const { user } = await openPrepare(backend);
    await user.click(screen.getByTestId('prepare-pick-files'));
    expect((await screen.findByTestId('prepare-error')).textContent).toContain('Нет связи');
  });
});
