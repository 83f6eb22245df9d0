//! The JSON API a sync uses: paging, `updatedSince` against records that change, a record
//! with every extract field, its journal, and the extract PDF itself.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod common;

use common::*;

const DEALER: &str = "dealer@example.ru";

async fn dealer(sim: &portal_sim::Running) -> Result<Client> {
    logged_in(sim, DEALER, "dealer-pass").await
}

/// Every ePTS number changed after `since`, through all pages.
async fn changed_since(
    sim: &portal_sim::Running,
    b: &Client,
    since: &str,
) -> Result<(BTreeSet<String>, String)> {
    let mut out = BTreeSet::new();
    let mut server_time = String::new();
    for page in 0.. {
        let (status, v) = get_json(
            sim,
            b,
            &format!(
                "api/v1/epts?page={page}&size=100&updatedSince={}",
                since.replace('+', "%2B")
            ),
        )
        .await?;
        assert_eq!(status, StatusCode::OK, "{v}");
        if page == 0 {
            server_time = v["serverTime"].as_str().ok_or("serverTime")?.to_owned();
        }
        let items = v["items"].as_array().ok_or("items")?;
        if items.is_empty() {
            break;
        }
        for item in items {
            out.insert(item["vehicleEPassportId"].as_str().ok_or("id")?.to_owned());
        }
    }
    Ok((out, server_time))
}

#[tokio::test]
async fn pages_are_bounded_and_cover_every_record_once() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let (_, big) = get_json(&sim, &b, "api/v1/epts?size=1000").await?;
    assert_eq!(big["size"], 100, "size is clamped");
    assert_eq!(big["items"].as_array().map(Vec::len), Some(100));
    let (_, default) = get_json(&sim, &b, "api/v1/epts").await?;
    assert_eq!(default["size"], 25);
    assert_eq!(default["total"], 500);
    let (_, past) = get_json(&sim, &b, "api/v1/epts?page=99&size=100").await?;
    assert_eq!(past["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(past["total"], 500);

    let mut seen = BTreeSet::new();
    for page in 0..20 {
        let (_, v) = get_json(&sim, &b, &format!("api/v1/epts?page={page}&size=37")).await?;
        for item in v["items"].as_array().ok_or("items")? {
            assert!(
                seen.insert(item["vehicleEPassportId"].to_string()),
                "no duplicates"
            );
        }
    }
    assert_eq!(seen.len(), 500);

    let (status, bad) = get_json(&sim, &b, "api/v1/epts?updatedSince=yesterday").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["code"], "bad_request");
    Ok(())
}

#[tokio::test]
async fn updated_since_returns_exactly_what_changed() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let (all, cursor) = changed_since(&sim, &b, "2000-01-01T00:00:00Z").await?;
    assert_eq!(all.len(), 500);
    let (none, _) = changed_since(&sim, &b, &cursor).await?;
    assert!(none.is_empty(), "nothing changed yet: {none:?}");

    let touch: Value = Client::new()
        .post(format!("{}__sim/touch", sim.url()))
        .json(&json!({ "login": DEALER, "count": 7 }))
        .send()
        .await?
        .json()
        .await?;
    let touched: BTreeSet<String> = touch["updated"]
        .as_array()
        .ok_or("updated")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(touched.len(), 7);
    let (changed, cursor2) = changed_since(&sim, &b, &cursor).await?;
    assert_eq!(changed, touched);

    // A changed record shows the change and its journal entry.
    let number = touched.first().ok_or("one")?;
    let (_, record) = get_json(&sim, &b, &format!("api/v1/epts/{number}")).await?;
    let plate = record["plate"].as_str().ok_or("a new plate")?;
    assert!(plate.starts_with('М'), "{plate}");
    let (_, history) = get_json(&sim, &b, &format!("api/v1/epts/{number}/history")).await?;
    let last = history["items"]
        .as_array()
        .and_then(|h| h.last())
        .ok_or("entries")?;
    assert!(
        last["description"]
            .as_str()
            .is_some_and(|d| d.contains(plate))
    );
    assert_eq!(last["eventDate"], record["updatedAt"]);

    // The next changes are other records, and only they come after the new cursor.
    let again: Value = Client::new()
        .post(format!("{}__sim/touch", sim.url()))
        .json(&json!({ "login": DEALER, "count": 3 }))
        .send()
        .await?
        .json()
        .await?;
    let (later, _) = changed_since(&sim, &b, &cursor2).await?;
    assert_eq!(later.len(), 3);
    assert!(later.is_disjoint(&touched));
    assert_eq!(again["updated"].as_array().map(Vec::len), Some(3));
    Ok(())
}

#[tokio::test]
async fn a_record_carries_every_extract_field_and_its_journal() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let (status, r) = get_json(&sim, &b, "api/v1/epts/164301027000101").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["vehicleEPassportId"], "164301027000101");
    assert_eq!(r["businessEntityName"], "ООО «Автодом Север»");
    assert_eq!(r["ownerInn"], "7712345671");
    assert_eq!(r["ownerOgrn"], "1027700123450");
    assert_eq!(r["vehicleConventionCategoryCode"], "B");
    let declaration = r["customsDeclarationId"]
        .as_str()
        .ok_or("imported: a declaration")?;
    let parts: Vec<&str> = declaration.split('/').collect();
    assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 6, 7]);
    assert!(
        r["manufacturerAddress"]
            .as_str()
            .is_some_and(|a| a.contains("Тольятти"))
    );

    let (_, h) = get_json(&sim, &b, "api/v1/epts/164301027000101/history").await?;
    let ops: Vec<&str> = h["items"]
        .as_array()
        .ok_or("items")?
        .iter()
        .filter_map(|e| e["operationName"].as_str())
        .collect();
    assert_eq!(ops.first(), Some(&"Оформление ЭПТС"));

    for path in [
        "api/v1/epts/164301027000001",
        "api/v1/epts/164301027000001/history",
        "api/v1/epts/164301027000001/extract",
    ] {
        let (status, body) = get_json(&sim, &b, path).await?;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path}: another user's record"
        );
        assert_eq!(body["code"], "not_found");
    }
    let (status, body) = get_json(&sim, &browser()?, "api/v1/epts/164301027000101/extract").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_expired");
    Ok(())
}

#[tokio::test]
async fn server_time_and_new_stamps_follow_the_clock() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let year = Duration::from_secs(366 * 24 * 3600);
    let (_, before) = get_json(&sim, &b, "api/v1/epts?size=1").await?;
    sim.clock().advance(year);
    let (status, _) = get_json(&sim, &b, "api/v1/epts?size=1").await?;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a year idle ends the session"
    );
    let b = dealer(&sim).await?;
    let (_, after) = get_json(&sim, &b, "api/v1/epts?size=1").await?;
    let parse = |v: &Value| -> Result<OffsetDateTime> {
        Ok(OffsetDateTime::parse(
            v["serverTime"].as_str().ok_or("serverTime")?,
            &Rfc3339,
        )?)
    };
    let gap = parse(&after)? - parse(&before)?;
    assert!(gap >= time::Duration::days(366), "{gap}");
    let touched = sim.sim().touch(DEALER, 1).ok_or("touch")?;
    let (_, record) = get_json(&sim, &b, &format!("api/v1/epts/{}", touched[0])).await?;
    let updated =
        OffsetDateTime::parse(record["updatedAt"].as_str().ok_or("updatedAt")?, &Rfc3339)?;
    assert!(updated > parse(&after)?, "{updated}");

    // The extract says when it was made, by the same clock.
    let pdf = b
        .get(format!("{}api/v1/epts/{}/extract", sim.url(), touched[0]))
        .send()
        .await?
        .bytes()
        .await?;
    let dir = tempdir()?;
    let path = dir.join("extract.pdf");
    std::fs::write(&path, &pdf)?;
    match tool(
        "pdftotext",
        &["-layout", path.to_str().ok_or("utf-8 path")?, "-"],
    ) {
        Some(out) => {
            let text = String::from_utf8(out.stdout)?;
            let now = sim.clock().now_utc();
            let day = |t: OffsetDateTime| {
                format!("{:02}.{:02}.{}", t.day(), u8::from(t.month()), t.year())
            };
            // Around midnight the extract may carry the day before.
            let days = [day(now), day(now - time::Duration::minutes(5))];
            assert!(
                days.iter().any(|d| text.contains(d.as_str())),
                "the extract is dated {days:?}:\n{text}"
            );
        }
        None => eprintln!("pdftotext not installed: date check skipped"),
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Runs a tool from poppler-utils or qpdf; `None` when it is not installed.
fn tool(program: &str, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new(program).args(args).output().ok()
}

#[tokio::test]
async fn the_extract_pdf_is_small_valid_and_its_russian_text_extracts() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let (_, record) = get_json(&sim, &b, "api/v1/epts/164301027000123").await?;
    let r = b
        .get(format!("{}api/v1/epts/164301027000123/extract", sim.url()))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()?
            .starts_with("attachment;")
    );
    let pdf = r.bytes().await?;
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 60_000, "an extract is {} bytes", pdf.len());
    eprintln!("extract size: {} bytes", pdf.len());

    let dir = tempdir()?;
    let path = dir.join("extract.pdf");
    std::fs::write(&path, &pdf)?;
    let path = path.to_str().ok_or("utf-8 path")?;
    match tool("pdftotext", &["-layout", path, "-"]) {
        Some(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout)?;
            for want in [
                "Выписка из электронного паспорта транспортного средства",
                "Номер ЭПТС",
                "164301027000123",
                record["documentStatus"].as_str().ok_or("status")?,
                "Собственник",
                "ООО «Автодом Север»",
                "ИНН 7712345671, ОГРН 1027700123450",
                "Экологический класс",
                "ЭРА-ГЛОНАСС",
                record["vehicleIdentityNumberId"].as_str().ok_or("vin")?,
                record["vehicleMakeName"].as_str().ok_or("make")?,
                record["vehicleBodyColourName"].as_str().ok_or("colour")?,
            ] {
                assert!(
                    text.contains(want),
                    "pdftotext gives back {want:?}:\n{text}"
                );
            }
        }
        None => eprintln!("pdftotext not installed: text check skipped"),
    }
    match tool("qpdf", &["--check", path]) {
        Some(out) => assert!(
            out.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&out.stdout)
        ),
        None => eprintln!("qpdf not installed: structure check skipped"),
    }
    if let Some(out) = tool("pdffonts", &[path]) {
        let fonts = String::from_utf8_lossy(&out.stdout);
        assert!(fonts.contains("CID TrueType"), "{fonts}");
        assert!(fonts.contains("Identity-H"), "{fonts}");
        assert!(fonts.contains("+DejaVuSans"), "subsetted: {fonts}");
    }

    // Every record's extract stays small (a 500-vehicle sync downloads 500 of them).
    let mut largest = 0;
    for n in (100..600).step_by(50) {
        let bytes = b
            .get(format!("{}api/v1/epts/1643010270{n:05}/extract", sim.url()))
            .send()
            .await?
            .bytes()
            .await?;
        assert!(bytes.starts_with(b"%PDF-"), "{n}");
        largest = largest.max(bytes.len());
    }
    assert!(largest < 60_000, "largest extract {largest} bytes");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A fresh folder under the system's temporary directory.
fn tempdir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "portal-sim-test-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
