import { describe, expect, it } from 'vitest';
import { dictionaries, isLang } from '$lib/i18n';
import { en } from '$lib/i18n/en';
import { ru } from '$lib/i18n/ru';

/** Every leaf path of a dictionary, e.g. `nav.archive` or `archive.points`. */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      for (const [path, leaf] of leaves(inner, prefix ? `${prefix}.${key}` : key)) out.set(path, leaf);
    }
  } else {
    out.set(prefix, value);
  }
  return out;
}

describe('i18n dictionaries', () => {
  const ruLeaves = leaves(ru);
  const enLeaves = leaves(en);

  it('the en dictionary has every ru key, and no other', () => {
    expect([...enLeaves.keys()].sort()).toEqual([...ruLeaves.keys()].sort());
  });

  it('every text is non-empty in both languages, lists have the same length', () => {
    for (const [path, ruValue] of ruLeaves) {
      const enValue = enLeaves.get(path);
      if (Array.isArray(ruValue)) {
        expect(Array.isArray(enValue), path).toBe(true);
        expect((enValue as unknown[]).length, path).toBe(ruValue.length);
        for (const item of [...ruValue, ...(enValue as unknown[])]) expect(String(item).trim(), path).not.toBe('');
      } else {
        expect(typeof ruValue, path).toBe('string');
        expect(typeof enValue, path).toBe('string');
        expect(String(ruValue).trim(), path).not.toBe('');
        expect(String(enValue).trim(), path).not.toBe('');
      }
    }
  });

  it('names every identifier kind in both languages', () => {
    const kinds = ['vin', 'epts', 'snils', 'inn', 'ogrn', 'ogrnip', 'passport', 'plate', 'phone', 'email', 'date'];
    for (const dict of Object.values(dictionaries)) {
      expect(Object.keys(dict.validate.kinds).sort()).toEqual([...kinds].sort());
      expect(Object.keys(dict.validate.formats).sort()).toEqual([...kinds].sort());
      expect(Object.keys(dict.validate.examples).sort()).toEqual([...kinds].sort());
    }
  });

  it('the English texts are English (no Cyrillic outside the language names and samples)', () => {
    for (const [path, value] of enLeaves) {
      if (path === 'language.ru' || path.startsWith('validate.examples.')) continue;
      expect(String(value), path).not.toMatch(/[а-яё]/i);
    }
  });

  it('knows the languages of the Rust settings', () => {
    expect(isLang('ru')).toBe(true);
    expect(isLang('en')).toBe(true);
    expect(isLang('de')).toBe(false);
    expect(isLang(undefined)).toBe(false);
  });
});
