// One typed dictionary per language. Russian is the reference: `Dict` is its
// shape with every literal widened to `string`, so `en` must carry exactly the
// same keys (a missing or an extra key fails `npm run check`).

import type { Lang } from '../bindings/Lang';
import { en } from './en';
import { ru } from './ru';

type Widen<T> = T extends string
  ? string
  : T extends readonly string[]
    ? readonly string[]
    : { readonly [K in keyof T]: Widen<T[K]> };

export type Dict = Widen<typeof ru>;

export const dictionaries: Record<Lang, Dict> = { ru, en };

export const LANGS: readonly Lang[] = ['ru', 'en'];

export const DEFAULT_LANG: Lang = 'ru';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** Fills `{key}` placeholders of a dictionary string. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, key: string) => (key in values ? String(values[key]) : m));
}
