//! docs/portal-protocol/openapi.json and the stand-in agree: every documented path is
//! served, every API route is documented, every failure code is explained in the README.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

mod common;

use common::*;

fn docs() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/portal-protocol")
}

fn openapi() -> Result<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(
        docs().join("openapi.json"),
    )?)?)
}

#[tokio::test]
async fn every_documented_path_is_served() -> Result {
    let spec = openapi()?;
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().ok_or("paths")?;
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, "dealer@example.ru", "dealer-pass").await?;
    let mut checked = 0;
    for (path, item) in paths {
        // A record the dealer has, for every `{number}` / `{id}`.
        let concrete = path
            .replace("{number}", "164301027000100")
            .replace("{id}", "164301027000100");
        for method in item.as_object().ok_or("path item")?.keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes())?;
            let mut req = b.request(method.clone(), format!("{}{}", sim.url(), &concrete[1..]));
            if method == Method::POST {
                req = req.json(&serde_json::json!({}));
            }
            let status = req.send().await?.status();
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {status}"
            );
            checked += 1;
        }
        // Every operation says what it answers.
        for (method, op) in item.as_object().ok_or("path item")? {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its responses"
            );
        }
    }
    assert!(checked >= 25, "{checked} operations");
    Ok(())
}

#[test]
fn every_api_route_is_documented_and_nothing_else() -> Result {
    let spec = openapi()?;
    let documented: BTreeSet<&str> = spec["paths"]
        .as_object()
        .ok_or("paths")?
        .keys()
        .map(String::as_str)
        .filter(|p| p.starts_with("/api/"))
        .collect();
    let served: BTreeSet<&str> = portal_sim::api_paths().into_iter().collect();
    assert_eq!(documented, served);
    Ok(())
}

#[test]
fn the_schemas_are_referenced_correctly_and_the_codes_explained() -> Result {
    let spec = openapi()?;
    let text = serde_json::to_string(&spec)?;
    let schemas = spec["components"]["schemas"].as_object().ok_or("schemas")?;
    for r in text.split("\"$ref\":\"").skip(1) {
        let target = &r[..r.find('"').ok_or("ref")?];
        let name = target
            .strip_prefix("#/components/schemas/")
            .ok_or(format!("local ref {target}"))?;
        assert!(schemas.contains_key(name), "{target} exists");
    }
    let readme = std::fs::read_to_string(docs().join("README.md"))?;
    let codes = spec["x-failure-codes"]
        .as_array()
        .ok_or("x-failure-codes")?;
    assert!(codes.len() >= 15);
    for code in codes {
        let code = code["code"].as_str().ok_or("code")?;
        assert!(
            readme.contains(&format!("`{code}`")),
            "README explains {code}"
        );
    }
    // The login failures the fault control takes are the ones the sim knows.
    let failures = spec["components"]["schemas"]["LoginFailure"]["enum"]
        .as_array()
        .ok_or("LoginFailure")?;
    for f in failures {
        let f: portal_sim::LoginFailure = serde_json::from_value(f.clone())?;
        let back = serde_json::to_value(f)?;
        assert!(readme.contains(&format!("`{}`", back.as_str().ok_or("str")?)));
    }
    Ok(())
}
