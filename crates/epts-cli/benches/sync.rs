//! Sync of the 500-vehicle dealership from portal-sim into a new encrypted vault, as the
//! `epts vault sync` process does it: wall time and peak memory (max RSS by GNU time) for
//! the first full sync, an incremental one with nothing new, and one after 25 records
//! changed. The sim runs in this process on loopback, rendering each extract on request.
//!
//! The peer is curl fetching the same list pages, record details and extracts with the
//! same session into plain files (no parsing, no encryption, no database): the ratio says
//! what the archive's work costs over the bare transfer.
//!
//! Needs GNU time and curl (`apt-get install time curl`). Prints a Markdown table.

use epts_core::vault::{KdfParams, Vault};
use std::process::Command;
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const EPTS: &str = env!("CARGO_BIN_EXE_epts");
const PASS: &str = "benchmark passphrase";

/// One `epts vault sync` run: seconds, max RSS in MiB, and the JSON report.
fn run(vault: &std::path::Path, url: &str, session: &str) -> Result<(f64, f64, serde_json::Value)> {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", EPTS, "vault", "--json", "--vault"])
        .arg(vault)
        .args(["sync", "--portal", url])
        .env("EPTS_PASSPHRASE", PASS)
        .env("EPTS_PORTAL_SESSION", session)
        .env("EPTS_KEYRING", "never")
        .output()?;
    let secs = start.elapsed().as_secs_f64();
    let mib = max_rss_mib(&out.stderr)?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))?;
    Ok((secs, mib, report))
}

#[tokio::main]
async fn main() -> Result {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let sim = portal_sim::start(0).await?;
    let session = sim
        .sim()
        .open_session("dealer@example.ru")
        .ok_or("dealer session")?;
    let url = sim.url();
    let dir = tempfile::tempdir()?;
    let vault = dir.path().join("vault");
    // The production key derivation: opening the vault is part of every run.
    Vault::create(&vault, PASS, KdfParams::default())?;
    println!("| sync of the 500-vehicle dealership | time | peak memory | fetched |");
    println!("|---|---|---|---|");
    let rows = [
        ("first sync, empty vault", 0usize),
        ("again, nothing changed", 0),
        ("after 25 records changed", 25),
    ];
    for (label, touch) in rows {
        if touch > 0 {
            sim.sim().touch("dealer@example.ru", touch).ok_or("touch")?;
        }
        let (v, u, s) = (vault.clone(), url.clone(), session.clone());
        let (secs, mib, report) = tokio::task::spawn_blocking(move || run(&v, &u, &s)).await??;
        println!(
            "| {label} | {secs:.2} s | {mib:.0} MiB | {} records, {} extracts |",
            report["to_fetch"], report["extracts"]
        );
    }
    let (u, s) = (url.clone(), session.clone());
    let curl = tokio::task::spawn_blocking(move || curl_peer(&u, &s)).await??;
    println!(
        "| peer: curl, the same 1 005 requests into plain files | {:.2} s | {:.0} MiB | 500 details, 500 extracts |",
        curl.0, curl.1
    );
    let size: u64 = walk(&vault)?;
    println!(
        "\nVault on disk after the runs: {:.1} MB.",
        size as f64 / 1e6
    );
    Ok(())
}

/// The max RSS GNU time printed last on stderr (`-f %M`, KiB), in MiB.
fn max_rss_mib(stderr: &[u8]) -> Result<f64> {
    let kib: f64 = String::from_utf8_lossy(stderr)
        .lines()
        .last()
        .ok_or("no output from time")?
        .trim()
        .parse()?;
    Ok(kib / 1024.0)
}

/// curl, one process, one connection reused, requests one after another as the sync makes
/// them: seconds and max RSS in MiB.
fn curl_peer(url: &str, session: &str) -> Result<(f64, f64)> {
    let url = url.trim_end_matches('/');
    let out_dir = tempfile::tempdir()?;
    let mut config = String::new();
    for page in 0..5 {
        config.push_str(&format!(
            "url = \"{url}/api/v1/epts?page={page}&size=100\"\noutput = \"{}/list{page}.json\"\n",
            out_dir.path().display()
        ));
    }
    for n in 0..500u64 {
        let number = 164_301_027_000_100 + n;
        for (path, file) in [("", "json"), ("/extract", "pdf")] {
            config.push_str(&format!(
                "url = \"{url}/api/v1/epts/{number}{path}\"\noutput = \"{}/{number}.{file}\"\n",
                out_dir.path().display()
            ));
        }
    }
    let config_path = out_dir.path().join("curl.cfg");
    std::fs::write(&config_path, config)?;
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args([
            "-f",
            "%M",
            "curl",
            "--silent",
            "--write-out",
            "%{http_code} %{url}\\n",
            "--cookie",
        ])
        .arg(format!("JSESSIONID={session}"))
        .arg("--config")
        .arg(&config_path)
        .output()?;
    let secs = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let refused: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("200 ")).collect();
    if !out.status.success() || !refused.is_empty() {
        return Err(format!(
            "curl: {:?} {}",
            refused.first(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let mib = max_rss_mib(&out.stderr)?;
    let pdfs = std::fs::read_dir(out_dir.path())?
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        })
        .count();
    if pdfs != 500 {
        return Err(format!("curl fetched {pdfs} extracts").into());
    }
    Ok((secs, mib))
}

fn walk(dir: &std::path::Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        total += if e.file_type()?.is_dir() {
            walk(&e.path())?
        } else {
            e.metadata()?.len()
        };
    }
    Ok(total)
}
