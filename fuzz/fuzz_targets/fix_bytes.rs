//! (file name, bytes) → `prepare::fix_bytes` with the built-in profiles: a prepared file or
//! a `FixError`, never a panic; what it returns is what it says and passes the check.
//!
//! Input as in `check_bytes`: one control byte (bit 0 profile elpts/gosuslugi, bit 1
//! Russian/English, bit 2 GOST transliteration), the name's length, the name, the bytes.
#![no_main]

use epts_core::Lang;
use epts_core::prepare::{FixOptions, Profile, Scheme, Verdict, check_bytes, detect, fix_bytes};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::AtomicBool;

fuzz_target!(|data: &[u8]| {
    let [control, name_len, rest @ ..] = data else {
        return;
    };
    let (name, bytes) = rest.split_at(usize::from(*name_len).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    let profile = Profile::load(if control & 1 == 0 { "elpts" } else { "gosuslugi" })
        .expect("built-in profile");
    let lang = if control & 2 == 0 { Lang::Ru } else { Lang::En };
    let mut options = FixOptions::new(profile, lang);
    if control & 4 != 0 {
        options.scheme = Scheme::Gost779B;
    }
    let stem = name.rsplit_once('.').map_or(&*name, |(s, _)| s);
    let cancel = AtomicBool::new(false);
    let Ok(prepared) = fix_bytes(&name, stem, bytes, &options, &cancel) else {
        return;
    };
    let d = detect(&prepared.bytes);
    assert_eq!(d.format, prepared.format, "{:?}", prepared.applied);
    assert_eq!(d.corrupt, None, "a fix wrote a file that reads as corrupt");
    let report = check_bytes(&prepared.name, &prepared.bytes, &options.profile, lang);
    assert_eq!(
        report.verdict,
        Verdict::Ok,
        "a fixed file still has problems: {report:?} after {:?}",
        prepared.applied
    );
});
