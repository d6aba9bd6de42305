//! Completion webhooks: when an upload whose job carried a `callback_url` reaches a terminal
//! state, its outcome is POSTed there, signed, and retried with backoff until a 2xx.
//!
//! Durable: the delivery is a database row written when the outcome is announced; a dispatcher
//! loop in the daemon sends due deliveries (claiming each attempt, so several daemons never
//! double-send an attempt) and records every result. Safe: only hosts listed in
//! `webhooks.allowed_hosts` are ever contacted, only over `https` (unless
//! `webhooks.allow_http`), never at a loopback, private, link-local or otherwise non-public
//! address (unless `webhooks.allow_private_networks`) — the resolved addresses are checked on
//! every connection, so DNS cannot re-point an allowed name inward —, redirects are not
//! followed, and nothing is sent without a signing secret.
//!
//! Signature: `X-Uploadd-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>` with
//! `X-Uploadd-Timestamp: {unix seconds}` (see `jobs/README.md` for verification).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::WebhookConfig;
use crate::db::{PendingDelivery, UploadRecord};
use crate::units::now_ms;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>;

/// Builds the HTTP(S) client (system trust roots, HTTP/1.1, no redirects), resolving names
/// only to addresses the config allows.
pub fn client(cfg: &WebhookConfig) -> Result<HttpsClient, std::io::Error> {
    let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow_private: cfg.allow_private_networks });
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(Arc::new(rustls::crypto::ring::default_provider()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Whether an address is on the public internet: not loopback, private, link-local, CGNAT,
/// unique-local, multicast, unspecified, documentation or reserved — IPv4-mapped and NAT64
/// IPv6 addresses judged by the IPv4 address inside.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_broadcast()
                || a.is_documentation()
                || a.is_unspecified()
                || a.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18))
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = a.segments();
            if s[0] == 0x64 && s[1] == 0xff9b {
                let v4 = std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return is_public(IpAddr::V4(v4));
            }
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || a.to_ipv4().is_some())
        }
    }
}

/// The webhook client's resolver: the system's, minus the addresses the config forbids.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl tower_service::Service<hyper_util::client::legacy::connect::dns::Name> for GuardedResolver {
    type Response = std::vec::IntoIter<std::net::SocketAddr>;
    type Error = std::io::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: hyper_util::client::legacy::connect::dns::Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<_> = all.iter().copied().filter(|a| allow_private || is_public(a.ip())).collect();
            if ok.is_empty() {
                return Err(std::io::Error::other(format!(
                    "{host} resolves only to non-public addresses ({all:?}); set webhooks.allow_private_networks to call it"
                )));
            }
            Ok(ok.into_iter())
        })
    }
}

/// `v1=` + hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a callback URL against the allow-list. Returns the reason it is refused.
pub fn check_url(url: &str, cfg: &WebhookConfig) -> Result<(), String> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("the URL contains control characters or spaces".into());
    }
    let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" if cfg.allow_http => 80,
        "http" => return Err("http:// callbacks are refused; use https:// (or set webhooks.allow_http)".into()),
        other => return Err(format!("scheme {:?} is not http or https", crate::units::printable(other, 16))),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("URLs with credentials are not allowed".into());
    }
    let authority = authority.to_ascii_lowercase();
    if authority.is_empty() {
        return Err("no host".into());
    }
    let with_port =
        if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) && !authority.ends_with(']') {
            authority.clone()
        } else {
            format!("{authority}:{default_port}")
        };
    let allowed = cfg.allowed_hosts.iter().any(|h| {
        let h = h.to_ascii_lowercase();
        h == authority || h == with_port || format!("{h}:{default_port}") == with_port
    });
    if !allowed {
        return Err(format!("host {} is not in webhooks.allowed_hosts", crate::units::printable(&authority, 100)));
    }
    // An address written in the URL is never resolved, so it is judged here.
    let host =
        authority.rsplit_once(':').filter(|(_, p)| p.parse::<u16>().is_ok()).map_or(authority.as_str(), |(h, _)| h);
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>()
        && !cfg.allow_private_networks
        && !is_public(ip)
    {
        return Err(format!("{ip} is not a public address (set webhooks.allow_private_networks to call it)"));
    }
    Ok(())
}

/// The JSON body sent for a terminal upload.
pub fn payload(rec: &UploadRecord) -> String {
    serde_json::json!({
        "version": 1,
        "event": "upload.finished",
        "id": rec.id,
        "status": rec.status.as_str(),
        "profile": rec.profile,
        "reason_code": rec.reason_code,
        "error": rec.reason,
        "detected_type": rec.detected_type,
        "outputs": rec.outputs,
        "placeholders": rec.placeholders,
        "finished_at": rec.finished_at,
        "metadata": rec.metadata,
    })
    .to_string()
}

/// Records the delivery for a terminal upload with a callback (or why it will not be sent).
pub async fn schedule(app: &App, rec: &UploadRecord) -> Result<(), crate::db::DbError> {
    let Some(url) = rec.callback_url.as_deref() else {
        return Ok(());
    };
    let refusal = if app.cfg.webhooks.secret.is_empty() {
        Some("webhooks.secret is not configured; webhooks are disabled".to_owned())
    } else {
        check_url(url, &app.cfg.webhooks).err()
    };
    let status = if refusal.is_some() { "refused" } else { "pending" };
    if let Some(why) = &refusal {
        app.metrics.webhook_deliveries.with_label_values(&["refused"]).inc();
        tracing::warn!(upload = %rec.id, reason = %why, "Refusing to call the job's webhook.");
    }
    app.db.upsert_webhook(&rec.id, url, status, &payload(rec), refusal.as_deref()).await
}

/// Sends due deliveries until `stop`; one attempt per delivery at a time, retried with
/// backoff, given up after `webhooks.max_attempts`.
pub async fn run_dispatcher(app: Arc<App>, stop: CancellationToken) {
    let client = match client(&app.cfg.webhooks) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Cannot build the webhook HTTP client; webhooks will not be sent.");
            return;
        }
    };
    loop {
        match app.db.due_webhooks(32).await {
            Ok(due) => {
                let mut set = tokio::task::JoinSet::new();
                for d in due {
                    let (app, client) = (app.clone(), client.clone());
                    set.spawn(async move { attempt(&app, &client, d).await });
                }
                while set.join_next().await.is_some() {}
            }
            Err(e) => tracing::debug!(error = %e, "Listing due webhooks failed."),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

async fn attempt(app: &App, client: &HttpsClient, d: PendingDelivery) {
    let cfg = &app.cfg.webhooks;
    let timeout = cfg.timeout.get();
    let lease = now_ms() + i64::try_from(timeout.as_millis()).unwrap_or(60_000) + 5_000;
    if !matches!(app.db.claim_webhook(&d.upload_id, d.next_attempt_at, lease).await, Ok(true)) {
        return;
    }
    // Re-check at send time: the allow-list may have changed since the delivery was recorded.
    let result = match check_url(&d.url, cfg) {
        Err(why) => Err((None, why)),
        Ok(()) => send(client, &d.url, cfg.secret.as_bytes(), &d.payload, timeout).await,
    };
    let attempts = d.attempts + 1;
    let (status, next, code, error) = match result {
        Ok(code) => {
            app.metrics.webhook_deliveries.with_label_values(&["delivered"]).inc();
            tracing::info!(upload = %d.upload_id, status = code, "Webhook delivered.");
            ("delivered", now_ms(), Some(code), None)
        }
        Err((code, why)) => {
            app.metrics.webhook_deliveries.with_label_values(&["failed"]).inc();
            let delay = crate::backoff::backoff(attempts, cfg.base_delay.get(), cfg.max_delay.get());
            let give_up = attempts >= cfg.max_attempts;
            tracing::warn!(upload = %d.upload_id, attempt = attempts, error = %why, give_up, "Webhook attempt failed.");
            let next = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
            (if give_up { "failed" } else { "pending" }, next, code, Some(why))
        }
    };
    if let Err(e) = app.db.record_webhook_attempt(&d.upload_id, status, attempts, next, code, error.as_deref()).await {
        tracing::warn!(upload = %d.upload_id, error = %e, "Could not record the webhook attempt.");
    }
}

/// An error and its causes, joined (the client's own message alone says only "connect").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

/// One signed POST. `Ok(status)` for 2xx; otherwise the status (if any) and why.
async fn send(
    client: &HttpsClient,
    url: &str,
    secret: &[u8],
    body: &str,
    timeout: Duration,
) -> Result<u16, (Option<u16>, String)> {
    let ts = now_ms() / 1000;
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("uploadd/", env!("CARGO_PKG_VERSION")))
        .header("x-uploadd-event", "upload.finished")
        .header("x-uploadd-timestamp", ts.to_string())
        .header("x-uploadd-signature", sign(secret, ts, body.as_bytes()))
        .body(Full::new(Bytes::from(body.to_owned())))
        .map_err(|e| (None, format!("invalid request: {e}")))?;
    let resp = tokio::time::timeout(timeout, client.request(req))
        .await
        .map_err(|_| (None, format!("no response within {timeout:?}")))?
        .map_err(|e| (None, format!("request failed: {}", error_chain(&e))))?;
    let code = resp.status().as_u16();
    if resp.status().is_success() { Ok(code) } else { Err((Some(code), format!("HTTP {code}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(hosts: &[&str]) -> WebhookConfig {
        WebhookConfig {
            allowed_hosts: hosts.iter().map(|s| s.to_string()).collect(),
            allow_http: true,
            allow_private_networks: true,
            ..WebhookConfig::default()
        }
    }

    #[test]
    fn https_and_public_addresses_unless_allowed() {
        let strict = WebhookConfig {
            allowed_hosts: vec![
                "hooks.example.com".into(),
                "127.0.0.1:8080".into(),
                "[::1]:8080".into(),
                "10.1.2.3".into(),
            ],
            ..WebhookConfig::default()
        };
        assert!(check_url("https://hooks.example.com/x", &strict).is_ok());
        for (bad, why) in [
            ("http://hooks.example.com/x", "https"),
            ("https://127.0.0.1:8080/x", "public"),
            ("https://[::1]:8080/x", "public"),
            ("https://10.1.2.3/x", "public"),
            ("https://hooks.example.com/a\u{1b}[31m", "control"),
        ] {
            let e = check_url(bad, &strict).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        use std::net::IpAddr;
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "224.0.0.1",
        ] {
            assert!(!is_public(private.parse::<IpAddr>().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.216.34"] {
            assert!(is_public(public.parse::<IpAddr>().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn names_resolving_inward_are_refused_at_connection_time() {
        use tower_service::Service;
        let mut strict = GuardedResolver { allow_private: false };
        let name: hyper_util::client::legacy::connect::dns::Name = "localhost".parse().unwrap();
        let e = strict.call(name.clone()).await.unwrap_err();
        assert!(e.to_string().contains("non-public"), "{e}");
        let mut lenient = GuardedResolver { allow_private: true };
        assert!(lenient.call(name).await.unwrap().next().is_some());
    }

    #[test]
    fn only_allowed_hosts_are_called() {
        let c = cfg(&["hooks.example.com", "127.0.0.1:8080"]);
        assert!(check_url("https://hooks.example.com/x?y=1", &c).is_ok());
        assert!(check_url("https://HOOKS.example.com:443/x", &c).is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook", &c).is_ok());
        for bad in [
            "http://127.0.0.1:8081/hook",
            "http://169.254.169.254/latest/meta-data",
            "https://hooks.example.com.evil.io/",
            "https://user:pw@hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com/x",
            "http://localhost/",
        ] {
            assert!(check_url(bad, &c).is_err(), "{bad}");
        }
    }

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_dot_body() {
        // Cross-checked with: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign(b"secret", 1_700_000_000, br#"{"a":1}"#),
            "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }
}
