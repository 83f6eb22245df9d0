//! The shape every identifier's table test shares: input → normalised value or error code.

use crate::lang::{Code, Localized};
use std::fmt::{Debug, Display};

/// One row: the input, and either its normalised display or the expected error code.
pub(crate) type Case<'a> = (&'a str, Result<&'a str, Code>);

/// Parses every input and checks it against its row, naming the input on failure.
pub(crate) fn check<T: Display + Debug, E: Localized + Debug>(
    cases: &[Case<'_>],
    parse: impl Fn(&str) -> Result<T, E>,
) {
    for (input, want) in cases {
        let got = parse(input);
        match (want, &got) {
            (Ok(normalized), Ok(value)) => assert_eq!(value.to_string(), *normalized, "{input:?}"),
            (Err(code), Err(e)) => assert_eq!(e.code(), *code, "{input:?}: {e:?}"),
            _ => panic!("{input:?}: wanted {want:?}, got {got:?}"),
        }
    }
}
