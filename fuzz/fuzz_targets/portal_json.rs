//! Any bytes → `serde_json::from_slice` into every portal model type; an accepted value
//! survives a round trip through JSON.
#![no_main]

use epts_core::portal::{EptsPage, EptsSummary, Me};
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let json = serde_json::to_vec(&v).expect("a parsed value serialises");
        let back: T = serde_json::from_slice(&json).expect("serialised JSON parses");
        assert_eq!(back, v);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Me>(data);
    round_trip::<EptsSummary>(data);
    round_trip::<EptsPage>(data);
    round_trip::<Vec<EptsSummary>>(data);
});
