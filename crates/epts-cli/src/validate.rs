//! `epts validate <kind> <value> [--json]`.
//!
//! The JSON object is a contract for other tools: exactly the keys
//! `kind, input, normalized, valid, warnings, errors`; codes are stable snake_case.

use epts_core::Lang;
use epts_core::ids::{self, Finding, IdKind, Report};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the value is.
    #[arg(value_parser = parse_kind)]
    kind: IdKind,
    /// The value as typed (quote it when it has spaces).
    value: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_kind(s: &str) -> Result<IdKind, String> {
    s.parse::<IdKind>().map_err(|e| e.to_string())
}

/// The JSON view of a report: the details are for people, not part of the contract.
#[derive(Serialize)]
struct JsonReport<'a> {
    kind: IdKind,
    input: &'a str,
    normalized: Option<&'a str>,
    valid: bool,
    warnings: &'a [Finding],
    errors: &'a [Finding],
}

pub fn run(args: Args, lang: Lang) -> ExitCode {
    let report = ids::check_today(args.kind, &args.value, lang);
    if args.json {
        let view = JsonReport {
            kind: report.kind,
            input: &report.input,
            normalized: report.normalized.as_deref(),
            valid: report.valid,
            warnings: &report.warnings,
            errors: &report.errors,
        };
        match serde_json::to_string(&view) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("epts: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", human(&report, lang));
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn human(report: &Report, lang: Lang) -> String {
    let label = report.kind.label(lang);
    let mut out = match (&report.normalized, report.valid) {
        (Some(value), true) => format!(
            "✓ {label}: {value} — {}\n",
            lang.pick("реквизит верен", "valid")
        ),
        _ => format!(
            "✗ {label}: «{}» — {}\n",
            report.input,
            lang.pick("ошибка", "invalid")
        ),
    };
    for e in &report.errors {
        out.push_str(&format!(
            "  {} {}\n",
            lang.pick("ошибка:", "error:"),
            e.message
        ));
    }
    for w in &report.warnings {
        out.push_str(&format!(
            "  {} {}\n",
            lang.pick("предупреждение:", "warning:"),
            w.message
        ));
    }
    for d in &report.details {
        out.push_str(&format!("  {}: {}\n", d.label, d.value));
    }
    out
}
