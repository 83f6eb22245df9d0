//! E-mail address: the practical subset that mail services and Gosuslugi accept — a local
//! part of printable characters, `@`, a domain of dot-separated labels (Cyrillic domains
//! such as `почта.рф` included). The domain is lower-cased; the local part is kept.

use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("empty e-mail")]
    Empty,
    #[error("no single @")]
    MissingAt,
    #[error("bad local part")]
    BadLocalPart,
    #[error("bad domain")]
    BadDomain,
    #[error("too long")]
    TooLong,
}

fn local_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c)
}

fn label_ok(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::MissingAt);
        };
        if local.is_empty()
            || local.len() > MAX_LOCAL
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local.chars().all(local_char_ok)
        {
            return Err(EmailError::BadLocalPart);
        }
        let domain = domain.to_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
            return Err(EmailError::BadDomain);
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for EmailError {
    fn code(&self) -> Code {
        match self {
            EmailError::Empty => Code::Empty,
            EmailError::MissingAt => Code::MissingAt,
            EmailError::BadLocalPart => Code::BadLocalPart,
            EmailError::BadDomain => Code::BadDomain,
            EmailError::TooLong => Code::TooLong,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (EmailError::Empty, Lang::Ru) => "Введите адрес электронной почты, например ivanov@example.ru.".into(),
            (EmailError::Empty, Lang::En) => "Enter an e-mail address, e.g. ivanov@example.ru.".into(),
            (EmailError::MissingAt, Lang::Ru) => "В адресе почты должен быть ровно один знак @ между именем и доменом.".into(),
            (EmailError::MissingAt, Lang::En) => "An e-mail address has exactly one @ between the name and the domain.".into(),
            (EmailError::BadLocalPart, Lang::Ru) => "Имя до @ может содержать латинские буквы, цифры и знаки . _ - +, без пробелов и двух точек подряд.".into(),
            (EmailError::BadLocalPart, Lang::En) => "The name before @ may have Latin letters, digits and . _ - +, without spaces or two dots in a row.".into(),
            (EmailError::BadDomain, Lang::Ru) => "Домен после @ записывается как example.ru: буквы, цифры и дефисы, разделённые точками.".into(),
            (EmailError::BadDomain, Lang::En) => "The domain after @ looks like example.ru: letters, digits and hyphens separated by dots.".into(),
            (EmailError::TooLong, Lang::Ru) => "Адрес почты длиннее 254 символов — такого не бывает. Проверьте, не вставилось ли лишнее.".into(),
            (EmailError::TooLong, Lang::En) => "The address is longer than 254 characters, which no address is. Check for pasted extra text.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::table::{Case, check};
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[Case<'_>] = &[
            (
                " Ivan.Petrov+epts@Example.RU ",
                Ok("Ivan.Petrov+epts@example.ru"),
            ),
            ("dealer@почта.рф", Ok("dealer@почта.рф")),
            ("", Err(Code::Empty)),
            ("ivan.example.ru", Err(Code::MissingAt)),
            ("a@b@c.ru", Err(Code::MissingAt)),
            ("ivan..petrov@example.ru", Err(Code::BadLocalPart)),
            ("иван@example.ru", Err(Code::BadLocalPart)),
            ("ivan@example", Err(Code::BadDomain)),
            ("ivan@-example.ru", Err(Code::BadDomain)),
        ];
        check(cases, Email::parse);
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,60}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e));
            }
        }

        #[test]
        fn generated_addresses_are_accepted(local in "[a-z0-9]{1,20}", domain in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            let s = format!("{local}@{domain}.{tld}");
            prop_assert_eq!(Email::parse(&s).map(|e| e.to_string()), Ok(s));
        }
    }
}
