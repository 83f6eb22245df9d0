//! Cyrillic → Latin, for file names the portals accept.
//!
//! Two schemes: ICAO Doc 9303 (as in Russian international passports since 2013; the
//! default, since a person's name then matches their passport) and ГОСТ 7.79-2000 system B.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    #[default]
    Icao,
    Gost779B,
}

fn icao(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "ie",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "iu",
        'я' => "ia",
        _ => return None,
    })
}

fn gost(c: char, next: Option<char>) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "j",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "x",
        // Ц is "c" before е, и, ы, й and "cz" elsewhere (ГОСТ 7.79-2000, Б.1 note).
        'ц' => {
            if matches!(next, Some('е' | 'и' | 'ы' | 'й')) {
                "c"
            } else {
                "cz"
            }
        }
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shh",
        'ъ' => "``",
        'ы' => "y'",
        'ь' => "`",
        'э' => "e`",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Transliterates `text`; other characters pass through, capitals stay capital.
pub fn transliterate(text: &str, scheme: Scheme) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let next = chars.get(i + 1).and_then(|n| n.to_lowercase().next());
        let latin = match scheme {
            Scheme::Icao => icao(lower),
            Scheme::Gost779B => gost(lower, next),
        };
        match latin {
            Some(l) if c != lower => {
                // Capital: the first letter upper, the rest as is (Ж → Zh, Щ → Shch).
                let mut it = l.chars();
                if let Some(first) = it.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(it.as_str());
                }
            }
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
    out
}

/// A file-name stem the portals accept: Latin letters, digits, `_` (words joined by `_`),
/// lower case, at most `max` characters; "document" when nothing is left.
pub fn portal_stem(text: &str, scheme: Scheme, max: usize) -> String {
    let latin = transliterate(text, scheme).to_lowercase();
    let mut out = String::new();
    for c in latin.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.is_empty()
            && !out.ends_with('_')
            && (c.is_whitespace() || c == '_' || c == '.')
        {
            out.push('_');
        }
    }
    let trimmed: String = out.trim_matches(['_', '-']).chars().take(max).collect();
    let trimmed = trimmed.trim_end_matches(['_', '-']).to_owned();
    if trimmed.is_empty() {
        "document".into()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_matches_russian_passports() {
        assert_eq!(
            transliterate("Щукина Юлия Андреевна", Scheme::Icao),
            "Shchukina Iuliia Andreevna"
        );
        assert_eq!(
            transliterate("Хабибуллин Ёжиков Подъячев", Scheme::Icao),
            "Khabibullin Ezhikov Podieiachev"
        );
        assert_eq!(transliterate("Цой Эльвира", Scheme::Icao), "Tsoi Elvira");
    }

    #[test]
    fn gost_system_b_follows_its_table() {
        assert_eq!(
            transliterate("Щукина Юлия", Scheme::Gost779B),
            "Shhukina Yuliya"
        );
        assert_eq!(
            transliterate("цирк цапля", Scheme::Gost779B),
            "cirk czaplya"
        );
        assert_eq!(transliterate("объём", Scheme::Gost779B), "ob``yom");
    }

    #[test]
    fn stems_are_safe_for_the_portal() {
        assert_eq!(
            portal_stem("Иванов Пётр — Выписка ЭПТС (копия)", Scheme::Icao, 80),
            "ivanov_petr_vypiska_epts_kopiia"
        );
        assert_eq!(portal_stem("объём", Scheme::Gost779B, 80), "obyom");
        assert_eq!(portal_stem("!!!", Scheme::Icao, 80), "document");
        assert_eq!(portal_stem(&"я".repeat(200), Scheme::Icao, 20).len(), 20);
    }
}
