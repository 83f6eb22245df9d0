//! Small HTML pages in the look of the sites they stand in for.

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Which site a page belongs to (they look different, as the real ones do).
#[derive(Debug, Clone, Copy)]
pub enum Site {
    Esia,
    Portal,
}

/// A whole page around `body` (already HTML).
pub fn page(site: Site, title: &str, body: &str) -> String {
    let (header, color) = match site {
        Site::Esia => ("Госуслуги — вход (песочница)", "#0d4cd3"),
        Site::Portal => ("Система электронных паспортов — песочница", "#1f6f43"),
    };
    format!(
        r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #f4f6f9; color: #1d2733; }}
header {{ background: {color}; color: #fff; padding: 16px 32px; font-size: 18px; }}
main {{ max-width: 720px; margin: 40px auto; background: #fff; border-radius: 12px; padding: 32px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }}
label {{ display: block; margin: 16px 0 6px; font-size: 14px; color: #4a5562; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: 10px 12px; font-size: 16px; border: 1px solid #c5ccd6; border-radius: 8px; }}
button, a.button {{ margin-top: 20px; background: {color}; color: #fff; border: 0; padding: 12px 20px; border-radius: 8px; font-size: 16px; cursor: pointer; text-decoration: none; display: inline-block; }}
button.secondary {{ background: #e6e9ee; color: #1d2733; }}
.error {{ background: #fde8e8; color: #8a1c1c; padding: 12px 16px; border-radius: 8px; }}
.notice {{ background: #fff4ce; color: #4d3b00; padding: 12px 16px; border-radius: 8px; font-size: 18px; }}
table {{ width: 100%; border-collapse: collapse; }} td, th {{ text-align: left; padding: 8px; border-bottom: 1px solid #e6e9ee; font-size: 14px; }}
</style></head>
<body><header>{header}</header><main>{body}</main></body></html>"#,
        title = esc(title),
    )
}

/// An error page carrying a machine-readable code, as the app maps codes to messages.
pub fn error_page(site: Site, code: &str, message: &str, next_step: &str) -> String {
    page(
        site,
        "Ошибка",
        &format!(
            r#"<h1>Не удалось войти</h1>
<div class="error" data-testid="error" data-error-code="{code}"><strong>{code}</strong>: {message}</div>
<p>{next}</p>
<p><a href="/" data-testid="error-back">Вернуться на сайт портала</a></p>"#,
            code = esc(code),
            message = esc(message),
            next = esc(next_step),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_in_text_and_attributes() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let p = error_page(Site::Esia, "ESIA-007002", "<script>", "x");
        assert!(!p.contains("<script>"));
    }
}
