//! Benchmarks of the encrypted archive (`epts_core::vault`), printed as a Markdown report.
//!
//! `cargo bench -p epts-core --bench archive` (release profile). Sizes from the environment:
//! `EPTS_BENCH_RECORDS` (default 100 000), `EPTS_BENCH_PDFS` (default 1 000),
//! `EPTS_BENCH_PDF_KB` (default 120), `EPTS_BENCH_REPEATS` (default 20, per search query),
//! `EPTS_BENCH_IMPORT_ROUNDS` (default 3: copy, `import_file`, `import_files` each round),
//! `EPTS_BENCH_MEMSEC_ROUNDS` (default 5: pairs of processes opening and searching the vault
//! with SQLCipher's `cipher_memory_security` off and on; 0 skips them).
//! Progress goes to stderr, the report to stdout. Goals: search p95 < 20 ms at 100 000
//! records, import ≥ 0.8 × a plain copy's throughput, open < 200 ms besides Argon2id.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use epts_core::vault::{Filter, KdfParams, Sort, Vault};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "bench passphrase long";
const GOAL_SEARCH_P95_MS: f64 = 20.0;
const GOAL_IMPORT_RATIO: f64 = 0.8;
const GOAL_OPEN_MS: f64 = 200.0;
/// Files per `import_files` call (a selection in the import dialog).
const IMPORT_BATCH: usize = 20;
/// Set in a child process of this bench: `on` or `off`, with the vault in `MEMSEC_DIR`.
const MEMSEC_CHILD: &str = "EPTS_BENCH_MEMSEC_CHILD";
const MEMSEC_DIR: &str = "EPTS_BENCH_MEMSEC_DIR";

fn env_u64(name: &str, default: u64) -> Res<u64> {
    match std::env::var(name) {
        Ok(v) => Ok(v.trim().parse()?),
        Err(std::env::VarError::NotPresent) => Ok(default),
        Err(e) => Err(e.into()),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// p50 / p95 / max of some timings.
#[derive(Debug, Default, Clone)]
struct Samples(Vec<Duration>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn extend(&mut self, other: &Samples) {
        self.0.extend_from_slice(&other.0);
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut s = self.0.clone();
        s.sort();
        s
    }

    fn p50(&self) -> f64 {
        ms(percentile(&self.sorted(), 50.0))
    }

    fn p95(&self) -> f64 {
        ms(percentile(&self.sorted(), 95.0))
    }

    fn max(&self) -> f64 {
        self.0.iter().max().map_or(0.0, |d| ms(*d))
    }

    fn median(&self) -> Duration {
        percentile(&self.sorted(), 50.0)
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// A plate as typed on a Latin keyboard: the Cyrillic letters plates use have Latin twins.
fn plate_in_latin(plate: &str) -> String {
    plate
        .chars()
        .map(epts_core::ids::cyrillic_to_latin_vin)
        .collect()
}

fn prefix(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

/// Total size of the files under `dir`.
fn disk_usage(dir: &Path) -> Res<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            disk_usage(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// Peak resident set size, in MiB (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The queries a person types into the archive's search box, built from records that are
/// in the archive (`n` records: 0..n).
fn queries(n: u64) -> Vec<(String, &'static str)> {
    let at = |k: u64| epts_synth::record(k.wrapping_mul(7919).wrapping_add(k) % n.max(1));
    let with_plate = |k: u64| {
        (k..k + 50)
            .map(at)
            .find(|r| r.plate.is_some())
            .unwrap_or_else(|| at(k))
    };
    let (a, b, c, d) = (at(1), at(2), at(3), at(4));
    let (p1, p2, p3, p4) = (
        with_plate(10),
        with_plate(20),
        with_plate(30),
        with_plate(40),
    );
    let plate = |r: &epts_core::vault::EptsRecord| r.plate.clone().unwrap_or_default();
    vec![
        (prefix(&a.vin, 5), "VIN, first 5"),
        (prefix(&b.vin, 5), "VIN, first 5"),
        (prefix(&c.vin, 11), "VIN, first 11"),
        (a.vin.clone(), "VIN, full"),
        (b.vin.clone(), "VIN, full"),
        (c.vin.to_lowercase(), "VIN, full, lower case"),
        (
            format!("{}-{}", prefix(&d.vin, 3), &d.vin.get(3..9).unwrap_or("")),
            "VIN in groups",
        ),
        (a.epts_number.clone(), "ePTS number, full"),
        (d.epts_number.clone(), "ePTS number, full"),
        (prefix(&b.epts_number, 12), "ePTS number, first 12"),
        (plate_in_latin(&plate(&p1)), "plate, Latin look-alikes"),
        (plate_in_latin(&plate(&p2)), "plate, Latin look-alikes"),
        (
            plate_in_latin(&prefix(&plate(&p3), 4)).to_lowercase(),
            "plate, first 4, Latin lower case",
        ),
        (plate(&p4), "plate, Cyrillic"),
        ("lada".into(), "brand"),
        ("geely".into(), "brand"),
        ("hyundai solaris".into(), "brand + model"),
        ("kia rio".into(), "brand + model"),
        ("bmw x5".into(), "brand + model"),
        ("haval jolion".into(), "brand + model"),
        ("volkswagen polo 78".into(), "brand + model + region"),
        ("Иванов".into(), "owner surname"),
        ("Смирнова".into(), "owner surname"),
        ("иванов александр".into(), "owner surname + name"),
        ("Иванов 77".into(), "owner + region"),
        ("ООО".into(), "company form"),
        ("Каршеринг".into(), "company name"),
        ("Ки".into(), "2-letter prefix"),
        ("Ив".into(), "2-letter prefix"),
        ("К".into(), "1 letter (first keystroke)"),
        ("77".into(), "region"),
        ("12.03".into(), "issue date, day.month"),
        ("12.03.2021".into(), "issue date, full"),
        ("2021".into(), "issue year"),
        ("zzzz".into(), "no match"),
    ]
}

/// The search box's work: every query of `queries`, `repeats` times, through `search_page`
/// and `search` (as the archive list and the quick search call them).
fn search_workload(vault: &Vault, qs: &[(String, &str)], repeats: u64) -> Res<()> {
    let none = Filter::default();
    for (text, _) in qs {
        for _ in 0..repeats {
            vault.search_page(text, &none, Sort::Updated, 0, 100)?;
            vault.search(text, &none, 50)?;
        }
    }
    Ok(())
}

/// Whether SQLCipher's memory security is on in this process (it is process-wide).
fn memory_security_on() -> Res<bool> {
    let conn = rusqlite::Connection::open_in_memory()?;
    let state: String = conn.query_row("PRAGMA cipher_memory_security", [], |r| r.get(0))?;
    Ok(state == "1")
}

/// A child process: opens the vault and runs the search workload, with memory security
/// as asked; prints `open_ms workload_ms on` for the parent. A process of its own, because
/// SQLCipher cannot turn memory security off again once it is on.
fn memsec_child(mode: &str) -> Res<()> {
    let dir = PathBuf::from(std::env::var(MEMSEC_DIR)?);
    let n_records = env_u64("EPTS_BENCH_RECORDS", 100_000)?;
    let repeats = env_u64("EPTS_BENCH_REPEATS", 20)?.max(1);
    if mode == "on" {
        rusqlite::Connection::open_in_memory()?
            .execute_batch("PRAGMA cipher_memory_security = ON;")?;
    }
    let qs = queries(n_records);
    let t = Instant::now();
    let vault = Vault::open(&dir, PASSPHRASE)?;
    let open = t.elapsed();
    let t = Instant::now();
    search_workload(&vault, &qs, repeats)?;
    let workload = t.elapsed();
    println!(
        "{:.3} {:.3} {}",
        ms(open),
        ms(workload),
        u8::from(memory_security_on()?)
    );
    Ok(())
}

/// One child run: (open, workload, whether memory security was on).
fn memsec_run(dir: &Path, mode: &str) -> Res<(Duration, Duration, bool)> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .env(MEMSEC_CHILD, mode)
        .env(MEMSEC_DIR, dir)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("memory-security child ({mode}) failed: {}", out.status).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let mut fields = text.split_whitespace();
    let mut next_ms = || -> Res<Duration> {
        let v: f64 = fields.next().ok_or("short child output")?.parse()?;
        Ok(Duration::from_secs_f64(v / 1000.0))
    };
    let (open, workload) = (next_ms()?, next_ms()?);
    Ok((open, workload, fields.next() == Some("1")))
}

fn main() -> Res<()> {
    if let Ok(mode) = std::env::var(MEMSEC_CHILD) {
        return memsec_child(&mode);
    }
    let started = Instant::now();
    let n_records = env_u64("EPTS_BENCH_RECORDS", 100_000)?;
    let n_pdfs = env_u64("EPTS_BENCH_PDFS", 1_000)?;
    let pdf_bytes = usize::try_from(env_u64("EPTS_BENCH_PDF_KB", 120)? * 1024)?;
    let repeats = env_u64("EPTS_BENCH_REPEATS", 20)?.max(1);
    let import_rounds_wanted = env_u64("EPTS_BENCH_IMPORT_ROUNDS", 3)?.max(1);
    let memsec_rounds = env_u64("EPTS_BENCH_MEMSEC_ROUNDS", 5)?;
    let root = tempfile::tempdir()?;
    let dir = root.path().join("vault");
    // Raw data: the records as JSON, and the PDFs as many times as they are imported.
    let mut json_bytes: u64 = 0;
    let mut pdf_imported: u64 = 0;

    // Create.
    eprintln!("creating the vault in {}", dir.display());
    let t = Instant::now();
    let mut vault = Vault::create(&dir, PASSPHRASE, KdfParams::default())?;
    let create_time = t.elapsed();

    // Sync of records: one upsert (one transaction, synchronous=FULL) per record, as the app
    // does. Records are generated in batches outside the timed part.
    let mut upsert_time = Duration::ZERO;
    let mut upserts = Samples::default();
    let batch = 1_000;
    let mut next = 0;
    while next < n_records {
        let end = (next + batch).min(n_records);
        let records: Vec<_> = (next..end).map(epts_synth::record).collect();
        for r in records {
            json_bytes += serde_json::to_string(&r)?.len() as u64;
            let t = Instant::now();
            vault.upsert_record(r)?;
            let d = t.elapsed();
            upsert_time += d;
            upserts.push(d);
        }
        next = end;
        if next % 10_000 == 0 || next == n_records {
            eprintln!(
                "  {next} records, {:.0} records/s so far",
                next as f64 / upsert_time.as_secs_f64()
            );
        }
    }
    let records_per_s = n_records as f64 / upsert_time.as_secs_f64();

    // Search.
    eprintln!("searching");
    let qs = queries(n_records);
    let none = Filter::default();
    let mut page_all = Samples::default();
    let mut search_all = Samples::default();
    let mut per_query = Vec::new();
    for (text, what) in &qs {
        let mut page = Samples::default();
        let mut search = Samples::default();
        let mut total = 0;
        for _ in 0..repeats {
            let t = Instant::now();
            let p = vault.search_page(text, &none, Sort::Updated, 0, 100)?;
            page.push(t.elapsed());
            total = p.total;
        }
        let mut found = 0;
        for _ in 0..repeats {
            let t = Instant::now();
            found = vault.search(text, &none, 50)?.len();
            search.push(t.elapsed());
        }
        page_all.extend(&page);
        search_all.extend(&search);
        per_query.push((text.clone(), *what, total, found, page, search));
    }
    let mut other = Vec::new();
    let restricted = Filter {
        has_restrictions: Some(true),
        ..Filter::default()
    };
    for (name, text, filter, sort, offset) in [
        (
            "filter has_restrictions, Sort::Updated, offset 0",
            "",
            &restricted,
            Sort::Updated,
            0,
        ),
        (
            "\"lada\" + has_restrictions, Sort::Updated, offset 0",
            "lada",
            &restricted,
            Sort::Updated,
            0,
        ),
        (
            "no text, Sort::Updated, offset 0 (the list on opening)",
            "",
            &none,
            Sort::Updated,
            0,
        ),
        (
            "no text, Sort::Year, offset 50 000",
            "",
            &none,
            Sort::Year,
            50_000,
        ),
        ("no text, Sort::Owner, offset 0", "", &none, Sort::Owner, 0),
    ] {
        let mut s = Samples::default();
        let mut total = 0;
        let mut rows = 0;
        for _ in 0..repeats {
            let t = Instant::now();
            let p = vault.search_page(text, filter, sort, offset, 100)?;
            s.push(t.elapsed());
            total = p.total;
            rows = p.rows.len();
        }
        other.push((name, total, rows, s));
    }

    // Import: the PDFs written to a plain folder, then copied (with fsync), then imported.
    eprintln!("writing {n_pdfs} PDFs");
    let plain = root.path().join("pdfs");
    std::fs::create_dir_all(&plain)?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut pdf_total: u64 = 0;
    for i in 0..n_pdfs {
        let record = epts_synth::record(i % n_records.max(1));
        let bytes = epts_synth::extract_pdf(&record, pdf_bytes);
        pdf_total += bytes.len() as u64;
        let path = plain.join(format!("extract-{i:05}.pdf"));
        std::fs::write(&path, &bytes)?;
        files.push((path, record.vin));
    }
    // The sources on disk before any timing: their writeback must not slow what follows.
    for (path, _) in &files {
        File::open(path)?.sync_all()?;
    }
    File::open(&plain)?.sync_all()?;
    // Rounds of: a plain copy (fsync each file: the vault fsyncs too), `import_file` one by
    // one, and `import_files` in batches, as the desktop's import dialog and `epts vault
    // import` call it (a selection for one vehicle: one commit and one folder sync). The
    // disk's speed wanders; each figure is the median of the rounds.
    let mut copy_rounds = Samples::default();
    let mut import_rounds = Samples::default();
    let mut batch_rounds = Samples::default();
    let mut imports = Samples::default();
    for round in 0..import_rounds_wanted {
        eprintln!("round {round}: copying, importing one by one, importing in batches");
        let copies = root.path().join(format!("copies-{round}"));
        std::fs::create_dir_all(&copies)?;
        let t = Instant::now();
        for (path, _) in &files {
            let to = copies.join(path.file_name().ok_or("no file name")?);
            std::fs::copy(path, &to)?;
            File::open(&to)?.sync_all()?;
        }
        copy_rounds.push(t.elapsed());
        let t = Instant::now();
        for (path, vin) in &files {
            let one = Instant::now();
            vault.import_file(path, Some(vin))?;
            imports.push(one.elapsed());
        }
        import_rounds.push(t.elapsed());
        let t = Instant::now();
        for chunk in files.chunks(IMPORT_BATCH) {
            let paths: Vec<&Path> = chunk.iter().map(|(p, _)| p.as_path()).collect();
            let vin = chunk.first().map(|(_, v)| v.as_str());
            vault.import_files(&paths, vin)?;
        }
        batch_rounds.push(t.elapsed());
        pdf_imported += 2 * pdf_total;
    }
    let (copy_time, import_time, batch_time) = (
        copy_rounds.median(),
        import_rounds.median(),
        batch_rounds.median(),
    );
    // Where an import's time goes, measured apart: a copy that also fsyncs the folder after
    // each file (as `write_atomic` does), and reading + sealing the bytes in memory.
    let copies_synced = root.path().join("copies-dir-synced");
    std::fs::create_dir_all(&copies_synced)?;
    let t = Instant::now();
    for (path, _) in &files {
        let to = copies_synced.join(path.file_name().ok_or("no file name")?);
        std::fs::copy(path, &to)?;
        File::open(&to)?.sync_all()?;
        File::open(&copies_synced)?.sync_all()?;
    }
    let copy_dir_time = t.elapsed();
    let cipher = XChaCha20Poly1305::new(&[7u8; 32].into());
    let t = Instant::now();
    let mut sealed_bytes = 0;
    for (i, (path, _)) in files.iter().enumerate() {
        let bytes = std::fs::read(path)?;
        let mut nonce = [0u8; 24];
        nonce[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), bytes.as_slice())
            .map_err(|_| "encryption failed")?;
        sealed_bytes += sealed.len();
    }
    let seal_time = t.elapsed();
    let copy_mbs = mb(pdf_total) / copy_time.as_secs_f64();
    let import_mbs = mb(pdf_total) / import_time.as_secs_f64();
    let ratio = import_mbs / copy_mbs;
    let batch_mbs = mb(pdf_total) / batch_time.as_secs_f64();
    let batch_ratio = batch_mbs / copy_mbs;
    let per_round: Vec<String> = copy_rounds
        .0
        .iter()
        .zip(&import_rounds.0)
        .zip(&batch_rounds.0)
        .map(|((c, i), b)| {
            format!(
                "{:.2} s / {:.2} s / {:.2} s",
                c.as_secs_f64(),
                i.as_secs_f64(),
                b.as_secs_f64()
            )
        })
        .collect();
    let documents = vault.documents(false)?.len();

    eprintln!("verifying");
    let t = Instant::now();
    let report = vault.verify()?;
    let verify_time = t.elapsed();

    // Open: the big vault, and an empty one with the same KDF (its open is Argon2id and
    // little else), three times each.
    eprintln!("opening");
    drop(vault);
    let empty_dir = root.path().join("empty");
    drop(Vault::create(&empty_dir, PASSPHRASE, KdfParams::default())?);
    let mut open_big = Samples::default();
    let mut open_empty = Samples::default();
    for _ in 0..3 {
        let t = Instant::now();
        let v = Vault::open(&dir, PASSPHRASE)?;
        open_big.push(t.elapsed());
        drop(v);
        let t = Instant::now();
        let v = Vault::open(&empty_dir, PASSPHRASE)?;
        open_empty.push(t.elapsed());
        drop(v);
    }
    let open_excl = ms(open_big.median()) - ms(open_empty.median());

    // SQLCipher's memory security (wipe and mlock every allocation of SQLite), off vs on:
    // the open and the search workload, in alternating child processes after a warm-up.
    let mut memsec: [Samples; 4] = Default::default(); // open off, open on, search off, on
    let mut memsec_off_was_on = false;
    if memsec_rounds > 0 {
        eprintln!("memory security: {memsec_rounds} rounds of off / on");
        memsec_run(&dir, "off")?;
        for round in 0..memsec_rounds {
            let order = if round % 2 == 0 {
                ["off", "on"]
            } else {
                ["on", "off"]
            };
            for mode in order {
                let (open, workload, on) = memsec_run(&dir, mode)?;
                let i = usize::from(mode == "on");
                memsec[i].push(open);
                memsec[2 + i].push(workload);
                memsec_off_was_on |= mode == "off" && on;
            }
        }
    }
    let vault_bytes = disk_usage(&dir)?;
    let db_bytes = std::fs::metadata(dir.join("vault.db"))?.len();
    let peak = peak_rss_mb();
    let elapsed = started.elapsed();

    // The report.
    let search_ok = page_all.p95() < GOAL_SEARCH_P95_MS && search_all.p95() < GOAL_SEARCH_P95_MS;
    println!("## Results\n");
    println!(
        "{n_records} records, {n_pdfs} PDFs of {} KiB, {repeats} runs per query; bench took {:.0} s.\n",
        pdf_bytes / 1024,
        elapsed.as_secs_f64()
    );
    println!("| Figure | Value | Goal | |");
    println!("|---|---|---|---|");
    println!(
        "| Create vault (Argon2id 64 MiB, t=3) | {:.0} ms | | |",
        ms(create_time)
    );
    println!(
        "| Sync of {n_records} records (one upsert = one transaction, synchronous=FULL) | {records_per_s:.0} records/s ({:.0} s; upsert p50 {:.2} ms, p95 {:.2} ms, max {:.0} ms) | | |",
        upsert_time.as_secs_f64(),
        upserts.p50(),
        upserts.p95(),
        upserts.max()
    );
    println!(
        "| Search, `search_page` (count + first 100, Sort::Updated), {} queries | p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms | p95 < {GOAL_SEARCH_P95_MS:.0} ms | {} |",
        qs.len(),
        page_all.p50(),
        page_all.p95(),
        page_all.max(),
        met(page_all.p95() < GOAL_SEARCH_P95_MS)
    );
    println!(
        "| Search, `search` (limit 50), {} queries | p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms | p95 < {GOAL_SEARCH_P95_MS:.0} ms | {} |",
        qs.len(),
        search_all.p50(),
        search_all.p95(),
        search_all.max(),
        met(search_all.p95() < GOAL_SEARCH_P95_MS)
    );
    for (name, _, _, s) in &other {
        println!(
            "| `search_page`: {name} | p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms | p95 < {GOAL_SEARCH_P95_MS:.0} ms | {} |",
            s.p50(),
            s.p95(),
            s.max(),
            met(s.p95() < GOAL_SEARCH_P95_MS)
        );
    }
    println!(
        "| Copy {n_pdfs} PDFs ({:.1} MiB), `fs::copy` + fsync each (median of {import_rounds_wanted} rounds) | {copy_mbs:.1} MiB/s ({:.2} s) | | |",
        mb(pdf_total),
        copy_time.as_secs_f64()
    );
    println!(
        "| Import the same PDFs, `import_file` one by one (median of rounds) | {import_mbs:.1} MiB/s ({:.2} s; per file p50 {:.1} ms, p95 {:.1} ms) | | |",
        import_time.as_secs_f64(),
        imports.p50(),
        imports.p95()
    );
    println!(
        "| Import the same PDFs, `import_files` in batches of {IMPORT_BATCH} (median of rounds) | {batch_mbs:.1} MiB/s ({:.2} s) | | |",
        batch_time.as_secs_f64()
    );
    println!(
        "| (where import time goes) copy + fsync file + fsync folder, as `write_atomic` does | {:.1} MiB/s ({:.2} s) | | |",
        mb(pdf_total) / copy_dir_time.as_secs_f64(),
        copy_dir_time.as_secs_f64()
    );
    println!(
        "| (where import time goes) read + XChaCha20-Poly1305 in memory, no write | {:.1} MiB/s ({:.2} s, {:.1} MiB sealed) | | |",
        mb(pdf_total) / seal_time.as_secs_f64(),
        seal_time.as_secs_f64(),
        mb(sealed_bytes as u64)
    );
    println!(
        "| Import / copy throughput, `import_file` one by one | {ratio:.2} | ≥ {GOAL_IMPORT_RATIO} | {} |",
        met(ratio >= GOAL_IMPORT_RATIO)
    );
    println!(
        "| Import / copy throughput, `import_files` in batches of {IMPORT_BATCH} | {batch_ratio:.2} | ≥ {GOAL_IMPORT_RATIO} | {} |",
        met(batch_ratio >= GOAL_IMPORT_RATIO)
    );
    println!(
        "| Rounds: copy / `import_file` / `import_files` | {} | | |",
        per_round.join("; ")
    );
    println!(
        "| `verify` ({documents} documents, every page) | {:.2} s ({} checked) | | |",
        verify_time.as_secs_f64(),
        report.documents_checked
    );
    println!(
        "| Open with passphrase, total (median of 3) | {:.0} ms | | |",
        ms(open_big.median())
    );
    println!(
        "| Open of an empty vault (≈ Argon2id alone, median of 3) | {:.0} ms | | |",
        ms(open_empty.median())
    );
    println!(
        "| Open minus Argon2id | {open_excl:.1} ms | < {GOAL_OPEN_MS:.0} ms | {} |",
        met(open_excl < GOAL_OPEN_MS)
    );
    if memsec_rounds > 0 {
        let ratio =
            |off: &Samples, on: &Samples| ms(on.median()) / ms(off.median()).max(f64::MIN_POSITIVE);
        println!(
            "| `cipher_memory_security` ON / OFF: `Vault::open` with Argon2id (median of {memsec_rounds}) | {:.0} / {:.0} ms ({:.2}×) | | |",
            ms(memsec[1].median()),
            ms(memsec[0].median()),
            ratio(&memsec[0], &memsec[1])
        );
        println!(
            "| `cipher_memory_security` ON / OFF: {} queries × {repeats} × (`search_page` + `search`) in a new process (median of {memsec_rounds}) | {:.0} / {:.0} ms ({:.2}×) | | |",
            qs.len(),
            ms(memsec[3].median()),
            ms(memsec[2].median()),
            ratio(&memsec[2], &memsec[3])
        );
        if memsec_off_was_on {
            println!(
                "| (the OFF processes had it on: the vault turns it on itself, so OFF is not measured) | | | |"
            );
        }
    }
    let raw_bytes = json_bytes + pdf_imported;
    let blobs_bytes = disk_usage(&dir.join("blobs"))?;
    println!(
        "| Vault on disk vs raw data | {:.1} MiB vs {:.1} MiB ({:.2}×) | | |",
        mb(vault_bytes),
        mb(raw_bytes),
        vault_bytes as f64 / raw_bytes.max(1) as f64
    );
    println!(
        "| … database (`vault.db`) vs {n_records} records as JSON | {:.1} MiB vs {:.1} MiB ({:.2}×) | | |",
        mb(db_bytes),
        mb(json_bytes),
        db_bytes as f64 / json_bytes.max(1) as f64
    );
    println!(
        "| … `blobs/` vs the PDFs ({documents} imports) | {:.1} MiB vs {:.1} MiB ({:.3}×) | | |",
        mb(blobs_bytes),
        mb(pdf_imported),
        blobs_bytes as f64 / pdf_imported.max(1) as f64
    );
    println!(
        "| Peak RSS (VmHWM) | {} | | |",
        peak.map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MiB"))
    );
    println!(
        "\nSearch goal overall: {}.\n",
        if search_ok { "met" } else { "missed" }
    );

    println!("### Per query\n");
    println!(
        "| Query | What | Total | `search_page` p50 / p95 / max ms | `search` p50 / p95 / max ms |"
    );
    println!("|---|---|---|---|---|");
    for (text, what, total, found, page, search) in &per_query {
        println!(
            "| `{text}` | {what} | {total} ({found} in `search`) | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} |",
            page.p50(),
            page.p95(),
            page.max(),
            search.p50(),
            search.p95(),
            search.max()
        );
    }
    println!("\n### Other list queries\n");
    println!("| Query | Total | Rows | p50 / p95 / max ms |");
    println!("|---|---|---|---|");
    for (name, total, rows, s) in &other {
        println!(
            "| {name} | {total} | {rows} | {:.1} / {:.1} / {:.1} |",
            s.p50(),
            s.p95(),
            s.max()
        );
    }
    Ok(())
}
