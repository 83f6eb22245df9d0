//! `req.xml`, the sim's schema of an application (see `check`): well-formed UTF-8 XML, root
//! `<application>` with one `<kind>`, one `<vin>`, any `<field name>` and `<file name sha256>`
//! elements, nothing else. No DOCTYPE, so no entities beyond XML's own.

use quick_xml::XmlVersion;
use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Req {
    pub kind: String,
    pub vin: String,
    pub fields: Vec<(String, String)>,
    /// `(name, sha256)` of each document.
    pub files: Vec<(String, String)>,
}

impl Req {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An element being read and the text gathered in it.
#[derive(Debug)]
struct Open {
    name: String,
    /// `<field name>`'s name.
    field: Option<String>,
    text: String,
}

pub fn parse_req(raw: &[u8]) -> Result<Req, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "ожидается кодировка UTF-8".to_owned())?;
    let mut reader = Reader::from_str(text);
    let mut req = Req::default();
    let mut stack: Vec<Open> = Vec::new();
    let mut counts = (0u32, 0u32);
    let (mut depth, mut rooted) = (0usize, false);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("документ не является правильным XML: {e}"))?;
        match event {
            Event::Start(e) => {
                open(&e, depth, &mut rooted, &mut stack, &mut req)?;
                depth += 1;
            }
            Event::Empty(e) => {
                open(&e, depth, &mut rooted, &mut stack, &mut req)?;
                if depth > 0 {
                    close(&mut stack, &mut req, &mut counts)?;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth > 0 {
                    close(&mut stack, &mut req, &mut counts)?;
                }
            }
            Event::Text(t) => put_text(&mut stack, &t.xml10_content())?,
            Event::CData(c) => put_text(&mut stack, &c.xml10_content())?,
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let reference = format!("&{name};");
                let resolved =
                    unescape(&reference).map_err(|_| format!("неизвестная ссылка &{name};"))?;
                put_text(&mut stack, &resolved)?;
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => return Err("DOCTYPE не допускается".into()),
            Event::Eof => break,
        }
    }
    if !rooted || depth != 0 {
        return Err("документ не завершён: нужен корневой элемент <application>".into());
    }
    match counts {
        (1, 1) => {}
        (0, _) => return Err("нет элемента <kind>".into()),
        (_, 0) => return Err("нет элемента <vin>".into()),
        _ => return Err("<kind> и <vin> должны быть по одному".into()),
    }
    if !vin(&req.vin) {
        return Err(format!(
            "VIN «{}»: 17 знаков, латинские буквы без I, O, Q и цифры",
            req.vin
        ));
    }
    Ok(req)
}

/// A start tag at `depth` (0: the root, which must be the only `<application>`).
fn open(
    e: &BytesStart<'_>,
    depth: usize,
    rooted: &mut bool,
    stack: &mut Vec<Open>,
    req: &mut Req,
) -> Result<(), String> {
    let name = e.name().as_ref().to_owned();
    if depth == 0 {
        if *rooted || name != "application" {
            return Err("корневой элемент должен быть один: <application>".into());
        }
        *rooted = true;
        return no_attributes(e);
    }
    if depth > 1 {
        return Err(format!(
            "элемент <{name}> не может быть вложен в <{}>",
            stack.last().map_or("?", |o| o.name.as_str())
        ));
    }
    let attrs = attributes(e)?;
    let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let allowed: &[&str] = match name.as_str() {
        "kind" | "vin" => &[],
        "field" => &["name"],
        "file" => &["name", "sha256"],
        other => return Err(format!("неизвестный элемент <{other}>")),
    };
    if let Some((k, _)) = attrs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        return Err(format!("у <{name}> нет атрибута {k}"));
    }
    let mut field = None;
    match name.as_str() {
        "field" => {
            let n = attr("name").ok_or("у <field> нет атрибута name")?;
            let ok = !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(format!("имя поля «{n}»: латинские буквы, цифры и «_»"));
            }
            field = Some(n);
        }
        "file" => {
            let n = attr("name").ok_or("у <file> нет атрибута name")?;
            let sha = attr("sha256")
                .ok_or_else(|| format!("у <file name=\"{n}\"> нет атрибута sha256"))?;
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("sha256 файла {n}: 64 шестнадцатеричных знака"));
            }
            if n == "req.xml" || req.files.iter().any(|(f, _)| *f == n) {
                return Err(format!("файл {n} указан дважды"));
            }
            req.files.push((n, sha));
        }
        _ => {}
    }
    stack.push(Open {
        name,
        field,
        text: String::new(),
    });
    Ok(())
}

/// An end tag of an element under the root; `counts` are the `<kind>`s and `<vin>`s seen.
fn close(stack: &mut Vec<Open>, req: &mut Req, counts: &mut (u32, u32)) -> Result<(), String> {
    let Some(el) = stack.pop() else {
        return Ok(());
    };
    let value = el.text.trim().to_owned();
    match el.name.as_str() {
        "kind" => {
            counts.0 += 1;
            req.kind = value;
        }
        "vin" => {
            counts.1 += 1;
            req.vin = value;
        }
        "field" => {
            let name = el.field.unwrap_or_default();
            if req.field(&name).is_some() {
                return Err(format!("поле {name} указано дважды"));
            }
            req.fields.push((name, value));
        }
        _ => {
            if !value.is_empty() {
                return Err(format!("в <{}> не должно быть текста", el.name));
            }
        }
    }
    Ok(())
}

/// Text goes into the open `<kind>`, `<vin>` or `<field>`; elsewhere only whitespace.
fn put_text(stack: &mut [Open], text: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(open) => open.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err("текст вне элементов".into()),
    }
    Ok(())
}

fn attributes(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    e.attributes()
        .map(|a| {
            let a = a.map_err(|e| format!("неверный атрибут: {e}"))?;
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| format!("неверный атрибут: {e}"))?;
            Ok((a.key.as_ref().to_owned(), value.into_owned()))
        })
        .collect()
}

fn no_attributes(e: &BytesStart<'_>) -> Result<(), String> {
    if attributes(e)?.is_empty() {
        Ok(())
    } else {
        Err("у <application> не бывает атрибутов".into())
    }
}

/// 17 characters of the VIN alphabet (Latin letters without I, O, Q, and digits).
fn vin(v: &str) -> bool {
    v.len() == 17
        && v.bytes().all(|b| {
            b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'O' | b'Q'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn a_good_request_is_read() {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<application>
  <kind>owner</kind>
  <vin>XTA21099843576182</vin>
  <field name="sim_outcome">clarify</field>
  <field name="note">A &amp; B</field>
  <file name="passport.pdf" sha256="{SHA}"/>
</application>"#
        );
        let req = parse_req(xml.as_bytes()).expect("parses");
        assert_eq!(req.kind, "owner");
        assert_eq!(req.vin, "XTA21099843576182");
        assert_eq!(req.field("sim_outcome"), Some("clarify"));
        assert_eq!(req.field("note"), Some("A & B"));
        assert_eq!(req.files, vec![("passport.pdf".into(), SHA.into())]);
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        for bad in [
            "<application><kind>owner</kind>",
            "<application><kind>owner</kind><vin>XTA21099843576182</vin></applicatio>",
            "<other/>",
            "<application><kind>owner</kind></application>",
            "<application><kind>owner</kind><vin>XTA2109984357618I</vin></application>",
            "<application><kind>owner</kind><vin>XTA21099843576182</vin><extra/></application>",
            "<application><kind>owner</kind><vin>XTA21099843576182</vin><file name=\"a.pdf\" sha256=\"00\"/></application>",
            "<application><kind>a</kind><kind>b</kind><vin>XTA21099843576182</vin></application>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><application/>",
            "<application><kind>owner</kind><vin>XTA21099843576182</vin></application><application/>",
            "<application><kind>owner<b/></kind><vin>XTA21099843576182</vin></application>",
            "text<application/>",
        ] {
            assert!(parse_req(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(parse_req(&[0xff, 0xfe]).is_err());
    }
}
