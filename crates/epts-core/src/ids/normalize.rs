//! Shared normalisation: what people type around an identifier that is not part of it.

/// Characters people put between groups of an identifier.
pub(crate) fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—' | '_' | '.' | '/' | '(' | ')')
}

/// Drops separators and surrounding space.
pub(crate) fn strip_separators(input: &str) -> String {
    input.chars().filter(|c| !is_separator(*c)).collect()
}

/// Cyrillic letters that look like Latin ones (as on a keyboard in the wrong layout).
pub fn cyrillic_to_latin(c: char) -> char {
    match c {
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        other => other,
    }
}

/// Latin letters that look like the twelve Cyrillic letters Russian plates use.
pub fn latin_to_cyrillic(c: char) -> char {
    match c {
        'A' => 'А',
        'B' => 'В',
        'E' => 'Е',
        'K' => 'К',
        'M' => 'М',
        'H' => 'Н',
        'O' => 'О',
        'P' => 'Р',
        'C' => 'С',
        'T' => 'Т',
        'Y' => 'У',
        'X' => 'Х',
        other => other,
    }
}

/// Keeps only ASCII digits after dropping separators; `Err(c)` names the first other char.
pub(crate) fn digits_only(input: &str) -> Result<String, char> {
    let s = strip_separators(input);
    match s.chars().find(|c| !c.is_ascii_digit()) {
        Some(c) => Err(c),
        None => Ok(s),
    }
}

/// Digit values of an all-digit string.
pub(crate) fn digit_values(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Σ digit × weight, the shape of most Russian checksums.
pub(crate) fn weighted_sum(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum()
}

/// How a character is shown in a message: visible even when it is a space or control.
pub(crate) fn shown(c: char) -> String {
    if c.is_whitespace() || c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("«{c}»")
    }
}
