//! Virus scanning through clamd's `INSTREAM` (the `clamav-client` crate, tokio).
//!
//! Four verdicts, and only `Clean` lets a file proceed (ClamAV skips oversized files silently,
//! and clamav-client's `clean()` calls an oversized stream "infected"; neither happens here):
//! - `OK` → [`Verdict::Clean`];
//! - `<signature> FOUND` → [`Verdict::Infected`];
//! - over the scanner's size limit → [`Verdict::Unscannable`] (permanent);
//! - anything else — no connection, a timeout, an `ERROR` reply, a reset — → [`ScanError`]
//!   (transient: retried, never treated as clean).

use std::path::Path;
use std::time::Duration;

use clamav_client::tokio as clam;

use crate::config::{ClamdAddress, ScanConfig};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected(String),
    Unscannable(String),
}

/// The scanner could not give a verdict. Always transient.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("clamd at {addr} is unreachable or failed: {source}")]
    Io { addr: String, source: std::io::Error },
    #[error("clamd at {addr} did not answer within {secs}s")]
    Timeout { addr: String, secs: u64 },
    #[error("clamd at {addr} replied with an error: {reply}")]
    Reply { addr: String, reply: String },
    #[error("invalid clamd address: {0}")]
    Address(String),
}

#[derive(Debug, Clone)]
pub struct Scanner {
    addr: ClamdAddress,
    display: String,
    timeout: Duration,
    chunk: usize,
    max_bytes: u64,
}

impl Scanner {
    pub fn new(cfg: &ScanConfig) -> Result<Scanner, ScanError> {
        let addr = ClamdAddress::parse(&cfg.clamd).map_err(ScanError::Address)?;
        Ok(Scanner {
            addr,
            display: cfg.clamd.clone(),
            timeout: cfg.timeout.get(),
            chunk: usize::try_from(cfg.chunk_size.bytes()).unwrap_or(256 * 1024),
            max_bytes: cfg.max_bytes.bytes(),
        })
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Streams the file to clamd and interprets the reply.
    pub async fn scan_file(&self, path: &Path, size: u64) -> Result<Verdict, ScanError> {
        if size > self.max_bytes {
            return Ok(Verdict::Unscannable(format!(
                "file is larger than the scanner's limit of {} bytes (scan.max_bytes)",
                self.max_bytes
            )));
        }
        let fut = async {
            match &self.addr {
                ClamdAddress::Tcp(a) => {
                    clam::scan_file(path, clam::Tcp { host_address: a.as_str() }, Some(self.chunk)).await
                }
                ClamdAddress::Unix(p) => {
                    clam::scan_file(path, clam::Socket { socket_path: p.as_path() }, Some(self.chunk)).await
                }
            }
        };
        let reply = tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| ScanError::Timeout { addr: self.display.clone(), secs: self.timeout.as_secs() })?
            .map_err(|source| ScanError::Io { addr: self.display.clone(), source })?;
        parse_reply(&reply).map_err(|reply| ScanError::Reply { addr: self.display.clone(), reply })
    }

    /// `PING` → `PONG`, within the timeout (readiness checks).
    pub async fn ping(&self) -> Result<(), ScanError> {
        let fut = async {
            match &self.addr {
                ClamdAddress::Tcp(a) => clam::ping(clam::Tcp { host_address: a.as_str() }).await,
                ClamdAddress::Unix(p) => clam::ping(clam::Socket { socket_path: p.as_path() }).await,
            }
        };
        let reply = tokio::time::timeout(self.timeout.min(Duration::from_secs(5)), fut)
            .await
            .map_err(|_| ScanError::Timeout { addr: self.display.clone(), secs: 5 })?
            .map_err(|source| ScanError::Io { addr: self.display.clone(), source })?;
        if reply.starts_with(b"PONG") {
            Ok(())
        } else {
            Err(ScanError::Reply {
                addr: self.display.clone(),
                reply: String::from_utf8_lossy(&reply).trim_end_matches('\0').to_owned(),
            })
        }
    }
}

/// Interprets an `INSTREAM` reply; `Err` carries the unexpected reply text.
pub fn parse_reply(reply: &[u8]) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(reply);
    let text = text.trim_end_matches(['\0', '\n', '\r', ' ']);
    let body = text.strip_prefix("stream:").map_or(text, str::trim_start);
    if body == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(sig) = body.strip_suffix(" FOUND") {
        let sig = sig.trim();
        if !sig.is_empty() {
            return Ok(Verdict::Infected(sig.chars().take(200).collect()));
        }
    }
    if body.contains("size limit exceeded") {
        return Ok(Verdict::Unscannable("file exceeds clamd's StreamMaxLength".into()));
    }
    Err(if text.is_empty() { "(empty reply)".to_owned() } else { text.chars().take(300).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_map_to_four_verdicts() {
        assert_eq!(parse_reply(b"stream: OK\0"), Ok(Verdict::Clean));
        assert_eq!(
            parse_reply(b"stream: Test.EICAR-Custom.UNOFFICIAL FOUND\0"),
            Ok(Verdict::Infected("Test.EICAR-Custom.UNOFFICIAL".into()))
        );
        assert!(matches!(parse_reply(b"INSTREAM size limit exceeded. ERROR\0"), Ok(Verdict::Unscannable(_))));
        assert!(parse_reply(b"stream: Can't allocate memory ERROR\0").is_err());
        assert!(parse_reply(b"").is_err());
        assert!(parse_reply(b"stream:  FOUND\0").is_err(), "a FOUND without a name is not a verdict");
    }
}
