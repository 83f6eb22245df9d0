//! The IPC probe for the security test: a portal page whose script tries the desktop app's
//! commands and events, as hostile remote content would. Test-only.

use crate::cabinet::to_start;
use crate::html::{Site, page};
use crate::portal::session_user;
use crate::state::Sim;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};

/// `/probe` and `/cabinet/probe`.
pub fn routes() -> axum::Router<Sim> {
    use axum::routing::get;
    axum::Router::new()
        .route("/cabinet/probe", get(cabinet_probe))
        .route("/probe", get(probe))
}

/// A page whose script tries to reach the desktop app's commands and events, as hostile
/// remote content would. It writes what happened into `#probe-result`: `CALLED: …` when a
/// command answered, `blocked: …` when every attempt was refused, `absent: …` when the page
/// has no Tauri IPC at all. `data-done="true"` marks the end for a WebDriver wait.
const PROBE_SCRIPT: &str = r#"
(function () {
  const results = {};
  const el = (id) => document.getElementById(id);
  const settle = (promise) => Promise.race([
    promise.then((r) => ({ ok: true, text: JSON.stringify(r) }), (e) => ({ ok: false, text: String(e && e.message ? e.message : e) })),
    new Promise((resolve) => setTimeout(() => resolve({ ok: false, text: 'timeout' }), 3000)),
  ]);
  const attempt = async (id, call) => {
    let r;
    try { r = await settle(Promise.resolve().then(call)); } catch (e) { r = { ok: false, text: String(e) }; }
    results[id] = r;
    el(id).textContent = (r.ok ? 'CALLED: ' : 'blocked: ') + r.text;
    el(id).dataset.outcome = r.ok ? 'called' : 'blocked';
  };
  (async () => {
    const internals = window.__TAURI_INTERNALS__;
    const global = window.__TAURI__;
    const present = !!(internals || global);
    await attempt('probe-internals', () => {
      if (!internals || typeof internals.invoke !== 'function') throw new Error('__TAURI_INTERNALS__ absent');
      return internals.invoke('app_info');
    });
    await attempt('probe-global', () => {
      const invoke = global && (global.core ? global.core.invoke : global.invoke);
      if (typeof invoke !== 'function') throw new Error('__TAURI__ absent');
      return invoke('app_info');
    });
    await attempt('probe-event', () => {
      if (!internals || typeof internals.invoke !== 'function') throw new Error('__TAURI_INTERNALS__ absent');
      return internals.invoke('plugin:event|emit', { event: 'portal-probe', payload: {} });
    });
    const called = Object.values(results).some((r) => r.ok);
    const out = el('probe-result');
    if (called) {
      out.dataset.outcome = 'called';
      out.textContent = 'CALLED: ' + Object.entries(results).filter(([, r]) => r.ok).map(([k, r]) => k + ' ' + r.text).join('; ');
    } else if (present) {
      out.dataset.outcome = 'blocked';
      out.textContent = 'blocked: ' + results['probe-internals'].text;
    } else {
      out.dataset.outcome = 'absent';
      out.textContent = 'absent: no Tauri IPC in this page';
    }
    out.dataset.done = 'true';
  })();
})();
"#;

fn probe_page() -> String {
    page(
        Site::Portal,
        "Проверка изоляции",
        &format!(
            r#"<h1>Проверка изоляции окна портала</h1>
<p>Эта страница пытается вызвать команды настольного приложения. В окне портала это должно быть запрещено.</p>
<table>
<tr><td>__TAURI_INTERNALS__.invoke('app_info')</td><td id="probe-internals" data-testid="probe-internals">…</td></tr>
<tr><td>__TAURI__.core.invoke('app_info')</td><td id="probe-global" data-testid="probe-global">…</td></tr>
<tr><td>событие portal-probe</td><td id="probe-event" data-testid="probe-event">…</td></tr>
</table>
<p>Итог: <strong id="probe-result" data-testid="probe-result" data-done="false">проверяется…</strong></p>
<script>{PROBE_SCRIPT}</script>"#
        ),
    )
}

/// The probe without a session: the login window treats any `/cabinet…` page as the end of
/// a login, so a test that wants the probe before logging in opens `/probe`.
pub async fn probe() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(probe_page())).into_response()
}

/// The same probe inside the cabinet, for a logged-in portal window.
pub async fn cabinet_probe(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    if session_user(&sim, &headers).is_none() {
        return to_start(&headers);
    }
    ([(header::CACHE_CONTROL, "no-store")], Html(probe_page())).into_response()
}
