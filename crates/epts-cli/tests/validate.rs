//! The `epts validate` contract, checked against the built binary.

use std::process::{Command, Output};

fn epts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epts"))
        .args(args)
        .env_remove("EPTS_LANG")
        .output()
        .expect("the epts binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

#[test]
fn valid_vin_exits_0_with_exactly_the_contract_keys() {
    let out = epts(&["validate", "vin", " xta-21099843576182", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let mut keys: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["errors", "input", "kind", "normalized", "valid", "warnings"]
    );
    assert_eq!(v["kind"], "vin");
    assert_eq!(v["input"], " xta-21099843576182");
    assert_eq!(v["normalized"], "XTA21099843576182");
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn warning_keeps_exit_0_and_lists_the_code() {
    let out = epts(&["validate", "vin", "XTA21099043576182", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["warnings"][0]["code"], "vin_check_digit_mismatch");
    assert!(
        v["warnings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("LADA"))
    );
}

#[test]
fn invalid_value_exits_1_with_null_normalized_and_a_coded_error() {
    let out = epts(&["validate", "snils", "112-233-445 96", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["normalized"], serde_json::Value::Null);
    assert_eq!(v["errors"][0]["code"], "checksum_mismatch");
    assert!(
        out.stderr.is_empty(),
        "an invalid value is not a tool failure"
    );
}

#[test]
fn human_output_is_russian_by_default_and_english_on_request() {
    let ru = epts(&["validate", "inn", "7712345672"]);
    assert_eq!(ru.status.code(), Some(1));
    let text = String::from_utf8_lossy(&ru.stdout);
    assert!(
        text.contains("ИНН") && text.contains("Контрольные цифры"),
        "{text}"
    );

    let en = epts(&["--lang", "en", "validate", "epts", "164301027146619"]);
    assert_eq!(en.status.code(), Some(0));
    let text = String::from_utf8_lossy(&en.stdout);
    assert!(
        text.contains("valid") && text.contains("Russia (643)"),
        "{text}"
    );
}

#[test]
fn every_kind_is_accepted_on_the_command_line() {
    for kind in [
        "vin", "epts", "snils", "inn", "ogrn", "ogrnip", "passport", "plate", "phone", "email",
        "date",
    ] {
        let out = epts(&["validate", kind, "", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{kind}: empty is invalid");
        assert_eq!(json(&out)["errors"][0]["code"], "empty", "{kind}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(epts(&["validate", "vim", "X"]).status.code(), Some(2));
    assert_eq!(epts(&["validate", "vin"]).status.code(), Some(2));
    assert_eq!(
        epts(&["--lang", "de", "validate", "vin", "X"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(epts(&["frobnicate"]).status.code(), Some(2));
}
