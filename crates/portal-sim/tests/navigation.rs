//! The test pages for the portal window's navigation: ways out to a foreign origin, a flood
//! of downloads, and a `.pdf` link that answers HTML.

use reqwest::{Client, StatusCode};
use std::collections::BTreeSet;

mod common;

use common::*;

/// A browser that does not follow redirects, so a test sees where they point.
fn manual() -> Result<Client> {
    Ok(Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Every opening tag marked `data-testid="{testid}"`.
fn tags<'a>(body: &'a str, testid: &str) -> Vec<&'a str> {
    let marker = format!(r#"data-testid="{testid}""#);
    body.match_indices(&marker)
        .filter_map(|(at, _)| {
            let start = body[..at].rfind('<')?;
            let end = at + body[at..].find('>')?;
            Some(&body[start..end])
        })
        .collect()
}

/// A tag's `href` (or `data-href`), unescaped.
fn href(tag: &str) -> Option<String> {
    let at = tag.find("href=\"")? + "href=\"".len();
    let rest = &tag[at..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

/// The target of the one element marked `data-testid="{testid}"`.
fn target_of(body: &str, testid: &str) -> Option<String> {
    match tags(body, testid).as_slice() {
        [tag] => href(tag),
        _ => None,
    }
}

#[tokio::test]
async fn the_portal_origin_leads_out_to_the_address_a_test_gives() -> Result {
    let sim = portal_sim::start(0).await?;
    let foreign = "http://127.0.0.1:9/landing?from=portal&x=1";
    let to = urlencode(foreign);
    let b = manual()?;

    for path in ["go", "nav/redirect"] {
        let r = b.get(format!("{}{path}?to={to}", sim.url())).send().await?;
        assert_eq!(r.status(), StatusCode::FOUND, "{path}");
        assert_eq!(r.headers()["location"], foreign, "{path}");
    }
    for (path, testid) in [
        ("nav/link", "foreign-link"),
        ("nav/window-open", "foreign-window-open"),
        ("nav/blank", "foreign-blank-link"),
    ] {
        let page = send(b.get(format!("{}{path}?to={to}", sim.url()))).await?;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(
            target_of(&page.body, testid).as_deref(),
            Some(foreign),
            "{path}: {}",
            page.body
        );
    }
    let blank = send(b.get(format!("{}nav/blank?to={to}", sim.url()))).await?;
    assert!(blank.body.contains(r#"target="_blank""#));
    let open = send(b.get(format!("{}nav/window-open?to={to}", sim.url()))).await?;
    assert!(open.body.contains("window.open(this.dataset.href)"));
    assert!(open.body.contains(r#"data-testid="window-open-result""#));

    // Only web addresses: nothing to run, nothing to break the header with.
    for bad in [
        "",
        "?to=",
        "?to=javascript%3Aalert(1)",
        "?to=%2Fcabinet",
        "?to=file%3A%2F%2F%2Fetc%2Fpasswd",
    ] {
        for path in ["go", "nav/link", "nav/window-open", "nav/blank"] {
            let r = b.get(format!("{}{path}{bad}", sim.url())).send().await?;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}{bad}");
        }
    }
    // A header-splitting attempt comes out percent-encoded.
    let r = b
        .get(format!(
            "{}go?to=http%3A%2F%2F127.0.0.1%3A9%2F%0D%0ASet-Cookie%3A%20x%3D1",
            sim.url()
        ))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(!r.headers()["location"].to_str()?.contains('\n'));
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_flood_page_links_a_hundred_real_extracts() -> Result {
    let sim = portal_sim::start(0).await?;
    let stranger = send(manual()?.get(format!("{}cabinet/flood", sim.url()))).await?;
    assert_eq!(
        stranger.status,
        StatusCode::SEE_OTHER,
        "a cabinet page needs a session"
    );

    let b = logged_in(&sim, "dealer@example.ru", "dealer-pass").await?;
    let flood = send(b.get(format!("{}cabinet/flood", sim.url()))).await?;
    assert_eq!(flood.status, StatusCode::OK);
    assert!(flood.body.contains(r#"data-testid="flood-all""#));
    let hrefs: Vec<String> = tags(&flood.body, "flood-pdf")
        .into_iter()
        .filter_map(href)
        .collect();
    assert!(hrefs.iter().all(|h| h.ends_with(".pdf")), "{hrefs:?}");
    assert_eq!(hrefs.len(), 100);
    let distinct: BTreeSet<&String> = hrefs.iter().collect();
    assert_eq!(
        distinct.len(),
        100,
        "the dealer has 500 records: no repeats"
    );
    for href in [&hrefs[0], &hrefs[99]] {
        let r = b.get(format!("{}{}", sim.url(), &href[1..])).send().await?;
        assert_eq!(r.status(), StatusCode::OK, "{href}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(r.bytes().await?.starts_with(b"%PDF-"), "{href}");
    }

    // The owner has 3 records: the links go round them.
    let owner = logged_in(&sim, "owner@example.ru", "owner-pass").await?;
    let few = send(owner.get(format!("{}cabinet/flood?count=7", sim.url()))).await?;
    assert_eq!(few.body.matches(r#"data-testid="flood-pdf""#).count(), 7);
    assert_eq!(
        few.body
            .matches(r#"href="/cabinet/epts/164301027000001/extract.pdf""#)
            .count(),
        3
    );
    Ok(())
}

#[tokio::test]
async fn a_pdf_link_can_answer_html() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, "owner@example.ru", "owner-pass").await?;
    let page = send(b.get(format!("{}cabinet/fake-pdf", sim.url()))).await?;
    let href = target_of(&page.body, "html-pdf-link").ok_or("a link")?;
    assert!(href.ends_with(".pdf"), "{href}");
    let r = b.get(format!("{}{}", sim.url(), &href[1..])).send().await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()?
            .starts_with("text/html"),
    );
    assert!(r.text().await?.starts_with("<html>"));
    Ok(())
}
