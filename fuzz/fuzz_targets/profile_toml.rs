//! Any text → `Profile::from_toml_str`: a profile or a `ProfileError`, never a panic; an
//! accepted profile keeps the rules the parser promises and survives a round trip.
#![no_main]

use epts_core::Localized;
use epts_core::prepare::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Profile::from_toml_str(text) {
        Ok(p) => {
            assert!(!p.formats.is_empty() && p.max_file_bytes > 0 && p.max_pixels > 0);
            // Values TOML cannot hold (u64 above i64::MAX) may fail to serialise; that is
            // the writer's limit, not the parser's.
            if let Ok(again) = toml::to_string(&p) {
                let back = Profile::from_toml_str(&again).expect("a written profile reads back");
                assert_eq!(back, p);
            }
        }
        Err(e) => {
            assert_eq!(e.code(), "bad_profile", "{e}");
            assert!(!e.message(epts_core::Lang::Ru).is_empty());
        }
    }
});
