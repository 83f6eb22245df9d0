//! Document preparation against the peer tools, process for process, in one run:
//! - «fit to 5 MB / 10 MB»: `epts prepare fix` over a folder of 12-megapixel phone photos
//!   (turned by EXIF, with location data) vs ImageMagick `convert -auto-orient -strip` with its
//!   own size search (`-define jpeg:extent=…`) and with the quality we found given to it
//!   (`-quality Q`, its best case: no search at all);
//! - pictures → one PDF: `epts prepare merge` vs `img2pdf`;
//! - peak memory (max RSS) for one photo, by `/usr/bin/time -f %M`;
//! - peak memory where the decode budget matters: the corpus's TIFF page bomb (refused from
//!   its headers), and a folder of huge photos fixed on every core (each over half the budget,
//!   so they are decoded one at a time). `EPTS_BENCH_BASELINE=/path/to/an/older/epts` runs
//!   these with that binary too, in the peer column, for a before/after.
//!
//! Needs ImageMagick, img2pdf and GNU time (`apt-get install imagemagick img2pdf time`).
//! `EPTS_BENCH_PHOTOS` sets the number of photos (default 8). Prints a Markdown table.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const EPTS: &str = env!("CARGO_BIN_EXE_epts");
const RUNS: usize = 3;

/// Camera-like pictures: gradients under sensor noise, so they compress like photos.
fn photo(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut px = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (s & 31) as u8;
            px.push((((x / 9) + seed * 17) % 200) as u8 + n);
            px.push(((y / 7) % 200) as u8 + n);
            px.push((((x + y) / 13) % 200) as u8 + n);
        }
    }
    px
}

/// An EXIF block saying «turn 90° clockwise» (6) and carrying a GPS pointer.
fn exif_app1() -> Vec<u8> {
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend(2u16.to_le_bytes());
    t.extend(0x0112u16.to_le_bytes());
    t.extend(3u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(6u32.to_le_bytes());
    t.extend(0x8825u16.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(38u32.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    t.extend(0u16.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    let mut body = b"Exif\0\0".to_vec();
    body.extend(t);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(u16::try_from(body.len() + 2).unwrap_or(0).to_be_bytes());
    seg.extend(body);
    seg
}

fn make_photos(dir: &Path, count: u32) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for i in 0..count {
        let px = photo(4000, 3000, i + 1);
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 95).encode(
            &px,
            4000,
            3000,
            jpeg_encoder::ColorType::Rgb,
        )?;
        let mut out = jpeg[..2].to_vec();
        out.extend(exif_app1());
        out.extend(&jpeg[2..]);
        let path = dir.join(format!("IMG_{:04}.jpg", i + 1));
        std::fs::write(&path, out)?;
        paths.push(path);
    }
    Ok(paths)
}

fn run(cmd: &mut Command) -> Result<Duration> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let took = start.elapsed();
    if !out.status.success() {
        return Err(format!("{:?} failed: {}", cmd, String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(took)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Max RSS in MiB of one command, by GNU time.
fn peak_mib(cmd: &[&str]) -> Result<f64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .args(cmd)
        .stdout(Stdio::null())
        .output()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let kib: f64 = text
        .lines()
        .last()
        .ok_or("no output from time")?
        .trim()
        .parse()?;
    Ok(kib / 1024.0)
}

/// Max RSS in MiB, wall time and the JSON report of one `epts prepare fix --json` run.
fn peak_fix(epts: &str, profile: &str, out: &Path, input: &Path) -> Result<(f64, f64, Value)> {
    fresh(out)?;
    let start = Instant::now();
    let run = Command::new("/usr/bin/time")
        .args([
            "-f",
            "%M",
            epts,
            "prepare",
            "fix",
            "--json",
            "--profile",
            profile,
        ])
        .arg("--out")
        .arg(out)
        .arg(input)
        .output()?;
    let took = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&run.stderr);
    let kib: f64 = text
        .lines()
        .last()
        .ok_or("no output from time")?
        .trim()
        .parse()?;
    Ok((kib / 1024.0, took, serde_json::from_slice(&run.stdout)?))
}

/// Smooth pictures (small as JPEG, as large as any once decoded) of `width`×`height`.
fn make_huge_photos(dir: &Path, count: u32, width: u16, height: u16) -> Result<()> {
    for i in 0..count {
        let (w, h) = (u32::from(width), u32::from(height));
        let mut px = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h {
            for x in 0..w {
                px.push(((x / 40 + i * 30) % 256) as u8);
                px.push(((y / 40) % 256) as u8);
                px.push((((x + y) / 90) % 256) as u8);
            }
        }
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(
            &px,
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )?;
        std::fs::write(dir.join(format!("huge_{}.jpg", i + 1)), jpeg)?;
    }
    Ok(())
}

fn statuses(report: &Value) -> Vec<String> {
    report["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| f["status"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The rows where the decode budget matters, with `baseline` (an older `epts`) beside ours.
fn budget_rows(work: &Path, baseline: Option<&str>) -> Result {
    let bomb =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../epts-core/tests/corpus/bomb_pages.tif");
    let bomb_dir = fresh(&work.join("bomb-in"))?;
    std::fs::copy(&bomb, bomb_dir.join("bomb_pages.tif"))?;
    let huge = fresh(&work.join("huge-in"))?;
    // 147 MP: 441 MiB decoded, under the one-picture cap, more than half the shared budget.
    make_huge_photos(&huge, 3, 14_000, 10_500)?;
    let cases = [
        (
            "TIFF page bomb (64 × 49 MP pages, 13 KB; refused)",
            bomb_dir,
        ),
        ("3 photos of 147 MP fixed on every core", huge),
    ];
    for (what, input) in cases {
        let (mem, secs, report) = peak_fix(EPTS, "elpts", &work.join("budget-out"), &input)?;
        let before = match baseline {
            Some(old) => {
                let (m, s, r) = peak_fix(old, "elpts", &work.join("budget-out"), &input)?;
                format!("{m:.0} MiB, {s:.1} s, {:?} (before)", statuses(&r))
            }
            None => "—".to_owned(),
        };
        println!(
            "| peak memory, {what} | {mem:.0} MiB, {secs:.1} s, {:?} | {before} | |",
            statuses(&report)
        );
    }
    Ok(())
}

fn fresh(dir: &Path) -> Result<PathBuf> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    Ok(dir.to_owned())
}

fn sizes(dir: &Path) -> Result<(u64, u64)> {
    let mut max = 0;
    let mut total = 0;
    for e in std::fs::read_dir(dir)? {
        let len = e?.metadata()?.len();
        max = max.max(len);
        total += len;
    }
    Ok((total, max))
}

/// The quality our run chose for each photo, from its JSON report.
fn qualities(report: &[u8]) -> Result<Vec<u32>> {
    let v: serde_json::Value = serde_json::from_slice(report)?;
    let mut out = Vec::new();
    for f in v["files"].as_array().ok_or("files")? {
        for a in f["applied"].as_array().ok_or("applied")? {
            if a["code"] == "recompress_jpeg" {
                let digits: String = a["message"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                out.push(digits.parse()?);
            }
        }
    }
    Ok(out)
}

fn main() -> Result {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    for (tool, arg) in [("convert", "-version"), ("img2pdf", "--version")] {
        if Command::new(tool).arg(arg).output().is_err() {
            return Err(
                format!("{tool} is needed: apt-get install imagemagick img2pdf time").into(),
            );
        }
    }
    let count: u32 = std::env::var("EPTS_BENCH_PHOTOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let work = tempfile::tempdir()?;
    let input = fresh(&work.path().join("in"))?;
    let photos = make_photos(&input, count)?;
    let (in_total, _) = sizes(&input)?;
    println!(
        "{count} photos 4000×3000 (12 MP), EXIF orientation 6 + GPS, {:.1} MB each on average; {} cores\n",
        in_total as f64 / f64::from(count) / 1e6,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| work | epts | peer | peer / epts |");
    println!("|---|---|---|---|");
    for (profile, limit, extent) in [
        ("gosuslugi", 5u64 << 20, "5MB"),
        ("elpts", 10u64 << 20, "10MB"),
    ] {
        let ours_dir = work.path().join(format!("ours-{profile}"));
        let mut ours = Vec::new();
        let mut report = Vec::new();
        for _ in 0..RUNS {
            fresh(&ours_dir)?;
            let start = Instant::now();
            let out = Command::new(EPTS)
                .args([
                    "prepare",
                    "fix",
                    "--quiet",
                    "--json",
                    "--profile",
                    profile,
                    "--out",
                ])
                .arg(&ours_dir)
                .arg(&input)
                .output()?;
            ours.push(start.elapsed());
            // Exit 1 also reports a set over the application limit; each file must be fixed.
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            let all_fixed = v["files"]
                .as_array()
                .is_some_and(|f| f.iter().all(|f| f["status"] == "fixed"));
            if !all_fixed {
                return Err(
                    format!("epts prepare fix: {}", String::from_utf8_lossy(&out.stdout)).into(),
                );
            }
            report = out.stdout;
        }
        let (_, ours_max) = sizes(&ours_dir)?;
        assert!(ours_max <= limit, "every output fits");
        let qs = qualities(&report)?;
        let q = qs.iter().copied().min().unwrap_or(85);
        let peer_dir = work.path().join(format!("im-{profile}"));
        let mut im_extent = Vec::new();
        let mut im_fixed = Vec::new();
        for _ in 0..RUNS {
            fresh(&peer_dir)?;
            let start = Instant::now();
            for p in &photos {
                let name = p.file_name().ok_or("name")?;
                run(Command::new("convert")
                    .arg(p)
                    .args([
                        "-auto-orient",
                        "-strip",
                        "-define",
                        &format!("jpeg:extent={extent}"),
                    ])
                    .arg(peer_dir.join(name)))?;
            }
            im_extent.push(start.elapsed());
            fresh(&peer_dir)?;
            let start = Instant::now();
            for p in &photos {
                let name = p.file_name().ok_or("name")?;
                run(Command::new("convert")
                    .arg(p)
                    .args(["-auto-orient", "-strip", "-quality", &q.to_string()])
                    .arg(peer_dir.join(name)))?;
            }
            im_fixed.push(start.elapsed());
        }
        let (o, e, f) = (median(ours), median(im_extent), median(im_fixed));
        println!(
            "| fit to {extent} ({profile}): epts quality {qs:?} vs `convert -define jpeg:extent={extent}` | {:.2} s | {:.2} s | **{:.1}×** |",
            o.as_secs_f64(),
            e.as_secs_f64(),
            e.as_secs_f64() / o.as_secs_f64()
        );
        println!(
            "| fit to {extent} ({profile}) vs `convert -quality {q}` (told the answer, no search) | {:.2} s | {:.2} s | **{:.1}×** |",
            o.as_secs_f64(),
            f.as_secs_f64(),
            f.as_secs_f64() / o.as_secs_f64()
        );
    }
    // Pictures → one PDF.
    let pdf_ours = work.path().join("ours.pdf");
    let pdf_peer = work.path().join("peer.pdf");
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    for _ in 0..RUNS {
        ours.push(run(Command::new(EPTS)
            .args(["prepare", "merge", "--out"])
            .arg(&pdf_ours)
            .args(&photos))?);
        peer.push(run(Command::new("img2pdf")
            .args(&photos)
            .arg("-o")
            .arg(&pdf_peer))?);
    }
    let (o, p) = (median(ours), median(peer));
    println!(
        "| {count} photos → one PDF: `epts prepare merge` vs `img2pdf` | {:.3} s | {:.3} s | **{:.1}×** |",
        o.as_secs_f64(),
        p.as_secs_f64(),
        p.as_secs_f64() / o.as_secs_f64()
    );
    // Peak memory for one photo.
    let one = photos.first().ok_or("no photos")?.to_str().ok_or("path")?;
    let out_dir = fresh(&work.path().join("one"))?;
    let out_str = out_dir.to_str().ok_or("path")?;
    let ours_mem = peak_mib(&[
        EPTS,
        "prepare",
        "fix",
        "--quiet",
        "--profile",
        "gosuslugi",
        "--out",
        out_str,
        one,
    ])?;
    let im_out = out_dir.join("im.jpg");
    let im_mem = peak_mib(&[
        "convert",
        one,
        "-auto-orient",
        "-strip",
        "-define",
        "jpeg:extent=5MB",
        im_out.to_str().ok_or("path")?,
    ])?;
    println!(
        "| peak memory, one 12 MP photo fitted to 5 MB | {ours_mem:.0} MiB | {im_mem:.0} MiB | {:.1}× |",
        im_mem / ours_mem
    );
    let merge_mem = peak_mib(&[
        EPTS,
        "prepare",
        "merge",
        "--out",
        pdf_ours.to_str().ok_or("path")?,
        one,
    ])?;
    let img2pdf_mem = peak_mib(&["img2pdf", one, "-o", pdf_peer.to_str().ok_or("path")?])?;
    println!(
        "| peak memory, one photo → PDF | {merge_mem:.0} MiB | {img2pdf_mem:.0} MiB | {:.1}× |",
        img2pdf_mem / merge_mem
    );
    let baseline = std::env::var("EPTS_BENCH_BASELINE").ok();
    budget_rows(work.path(), baseline.as_deref())
}
