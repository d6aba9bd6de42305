//! Secrets never printed: URLs with passwords and the keys that hold credentials.

use super::Config;

pub const REDACTED: &str = "<redacted>";

/// Replaces the password of a `scheme://user:password@host/…` URL (and any `password=` query
/// parameter) so URLs can be logged and printed.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find('/').map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, REDACTED);
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword") => {
                    format!("{k}={REDACTED}")
                }
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
}

impl Config {
    /// The effective config as TOML with every secret replaced by `"<redacted>"`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        c.queue.url = redact_url(&c.queue.url);
        c.database.url = redact_url(&c.database.url);
        if !c.storage.secret_access_key.is_empty() {
            c.storage.secret_access_key = REDACTED.into();
        }
        if !c.storage.access_key_id.is_empty() {
            c.storage.access_key_id = REDACTED.into();
        }
        if !c.webhooks.secret.is_empty() {
            c.webhooks.secret = REDACTED.into();
        }
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}
