//! Virus scanning through clamd's `INSTREAM` (the `clamav-client` crate, tokio).
//!
//! Four verdicts, and only `Clean` lets a file proceed (ClamAV skips oversized files silently,
//! and clamav-client's `clean()` calls an oversized stream "infected"; neither happens here):
//! - `OK` → [`Verdict::Clean`];
//! - `<signature> FOUND` → [`Verdict::Infected`];
//! - over the scanner's size limit → [`Verdict::Unscannable`] (permanent);
//! - `Heuristics.Limits.Exceeded.*` (and any other "limits" heuristic: clamd with
//!   `AlertExceedsMax yes` saying it stopped scanning) → [`Verdict::Unscannable`];
//! - anything else — no connection, a timeout, an `ERROR` reply, a reset — → [`ScanError`]
//!   (transient: retried, never treated as clean).
//!
//! `OK` alone does not prove clamd read the whole file: over its own `MaxFileSize`,
//! `MaxScanSize`, `MaxScanTime`, `MaxRecursion` or `MaxFiles` it answers `OK` unless
//! `AlertExceedsMax yes` is set. So no file is called clean until clamd has passed a
//! **self-test**: a ZIP of exactly `scan.max_bytes` whose last member is the EICAR test file
//! must be reported infected. That holds whatever the signatures (a body signature matches the
//! bytes; the official hash signature matches the extracted member) and fails whenever a limit
//! would let clamd skip the end of a file that large. Until it passes, scanning is not
//! trustworthy: the worker holds off (its breaker is open), `/readyz` says why, and the log
//! names the clamd setting to change. It reruns every `scan.self_test_interval` and after clamd
//! was unreachable (it may have come back configured differently).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    #[error("clamd at {addr} is not trustworthy: {why}")]
    Untrusted { addr: String, why: String },
}

#[derive(Debug, Clone)]
pub struct Scanner {
    addr: ClamdAddress,
    display: String,
    timeout: Duration,
    chunk: usize,
    max_bytes: u64,
    self_test_interval: Duration,
    trust: Arc<Mutex<Trust>>,
}

/// What the last self-test said.
#[derive(Debug, Clone)]
enum Trust {
    Unknown,
    Passed(Instant),
    Failed(Instant, String),
}

/// A failed self-test is not repeated sooner than this (it streams `scan.max_bytes`).
const RETEST_AFTER_FAILURE: Duration = Duration::from_secs(20);

impl Scanner {
    pub fn new(cfg: &ScanConfig) -> Result<Scanner, ScanError> {
        let addr = ClamdAddress::parse(&cfg.clamd).map_err(ScanError::Address)?;
        Ok(Scanner {
            addr,
            display: cfg.clamd.clone(),
            timeout: cfg.timeout.get(),
            chunk: usize::try_from(cfg.chunk_size.bytes()).unwrap_or(256 * 1024),
            max_bytes: cfg.max_bytes.bytes(),
            self_test_interval: cfg.self_test_interval.get(),
            trust: Arc::new(Mutex::new(Trust::Unknown)),
        })
    }

    fn trust(&self) -> std::sync::MutexGuard<'_, Trust> {
        self.trust.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether files may be called clean now: the self-test passed within its interval.
    pub fn trusted(&self) -> Result<(), ScanError> {
        let why = match &*self.trust() {
            Trust::Passed(at) if at.elapsed() < self.self_test_interval => return Ok(()),
            Trust::Passed(_) => "its self-test is due again".to_owned(),
            Trust::Unknown => "its self-test has not run yet".to_owned(),
            Trust::Failed(_, why) => why.clone(),
        };
        Err(ScanError::Untrusted { addr: self.display.clone(), why })
    }

    /// Pings clamd and, unless it passed recently, runs the self-test. `Ok` means files may be
    /// scanned and trusted now.
    pub async fn check(&self) -> Result<(), ScanError> {
        if let Err(e) = self.ping().await {
            // Whatever comes back may be configured differently: test it again then.
            *self.trust() = Trust::Unknown;
            return Err(e);
        }
        if self.trusted().is_ok() {
            return Ok(());
        }
        if let Trust::Failed(at, why) = &*self.trust()
            && at.elapsed() < RETEST_AFTER_FAILURE
        {
            return Err(ScanError::Untrusted { addr: self.display.clone(), why: why.clone() });
        }
        self.self_test().await
    }

    /// Streams a ZIP of exactly `scan.max_bytes` whose last member is the EICAR test file;
    /// clamd must report it. Records (and logs) the result.
    pub async fn self_test(&self) -> Result<(), ScanError> {
        let started = Instant::now();
        let result = self.run_self_test().await;
        match &result {
            Ok(()) => {
                tracing::info!(clamd = %self.display, bytes = self.max_bytes, took = ?started.elapsed(), "clamd passed the scan self-test.");
                *self.trust() = Trust::Passed(Instant::now());
            }
            Err(e) => {
                tracing::error!(clamd = %self.display, problem = %e, "clamd failed the scan self-test: no upload is called clean until it passes.");
                *self.trust() = Trust::Failed(Instant::now(), e.to_string());
            }
        }
        result
    }

    async fn run_self_test(&self) -> Result<(), ScanError> {
        let settings = format!(
            "set AlertExceedsMax yes, and StreamMaxLength, MaxFileSize and MaxScanSize to at least scan.max_bytes ({} bytes) in clamd.conf (see config/clamd.conf)",
            self.max_bytes
        );
        let untrusted = |why: String| ScanError::Untrusted { addr: self.display.clone(), why };
        let stream = self_test::stream(self.max_bytes, self.chunk);
        let fut = async {
            match &self.addr {
                ClamdAddress::Tcp(a) => {
                    clam::scan_stream(stream, clam::Tcp { host_address: a.as_str() }, Some(self.chunk)).await
                }
                ClamdAddress::Unix(p) => {
                    clam::scan_stream(stream, clam::Socket { socket_path: p.as_path() }, Some(self.chunk)).await
                }
            }
        };
        let reply = match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => {
                return Err(untrusted(format!(
                    "it did not finish scanning a test file of scan.max_bytes within scan.timeout ({}s); raise scan.timeout or clamd's MaxScanTime",
                    self.timeout.as_secs()
                )));
            }
            Ok(Err(e)) => {
                return Err(untrusted(format!("it dropped a test file of scan.max_bytes ({e}); {settings}")));
            }
            Ok(Ok(r)) => r,
        };
        match parse_reply(&reply) {
            Ok(Verdict::Infected(_)) => Ok(()),
            Ok(Verdict::Clean) => Err(untrusted(format!(
                "it answered OK for a test file of scan.max_bytes whose last member is the EICAR test file: it skips the end of files that large; {settings}"
            ))),
            Ok(Verdict::Unscannable(why)) => Err(untrusted(format!("{why} for a file of scan.max_bytes; {settings}"))),
            Err(reply) => Err(untrusted(format!("it replied {reply:?} to a test file of scan.max_bytes; {settings}"))),
        }
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

    /// clamd's `VERSION`: its version and the date of its signature database.
    pub async fn version(&self) -> Result<ClamdVersion, ScanError> {
        let fut = async {
            match &self.addr {
                ClamdAddress::Tcp(a) => clam::get_version(clam::Tcp { host_address: a.as_str() }).await,
                ClamdAddress::Unix(p) => clam::get_version(clam::Socket { socket_path: p.as_path() }).await,
            }
        };
        let reply = tokio::time::timeout(Duration::from_secs(5), fut)
            .await
            .map_err(|_| ScanError::Timeout { addr: self.display.clone(), secs: 5 })?
            .map_err(|source| ScanError::Io { addr: self.display.clone(), source })?;
        Ok(ClamdVersion::parse(&String::from_utf8_lossy(&reply)))
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

/// clamd's `VERSION` reply: `ClamAV 1.0.7/27431/Tue Dec  1 08:00:00 2026` with the official
/// database, just `ClamAV 1.0.7` (or a version without a date) with custom signatures only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClamdVersion {
    pub text: String,
    /// When the signature database was built, if clamd said.
    pub database_date: Option<chrono::NaiveDateTime>,
}

impl ClamdVersion {
    pub fn parse(reply: &str) -> ClamdVersion {
        let text = crate::units::printable(reply.trim_end_matches(['\0', '\n', '\r', ' ']), 200);
        let database_date = text.split('/').nth(2).and_then(|d| {
            chrono::NaiveDateTime::parse_from_str(
                d.split_whitespace().collect::<Vec<_>>().join(" ").as_str(),
                "%a %b %d %H:%M:%S %Y",
            )
            .ok()
        });
        ClamdVersion { text, database_date }
    }

    /// Whole days since the database was built.
    pub fn signatures_age_days(&self) -> Option<i64> {
        let built = self.database_date?.and_utc();
        Some((chrono::Utc::now() - built).num_days())
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
        // clamd stopped at one of its limits (`AlertExceedsMax yes`): nothing proves the rest
        // of the file is clean, and nothing proves it is infected.
        if sig.starts_with("Heuristics.Limits.") || sig.contains(".Limits.Exceeded") {
            let limit = sig.rsplit('.').next().unwrap_or(sig);
            return Ok(Verdict::Unscannable(format!(
                "clamd stopped scanning at its {} limit ({sig}); the file was not fully scanned",
                crate::units::printable(limit, 40)
            )));
        }
        if !sig.is_empty() {
            return Ok(Verdict::Infected(crate::units::printable(sig, 200)));
        }
    }
    if body.contains("size limit exceeded") {
        return Ok(Verdict::Unscannable("file exceeds clamd's StreamMaxLength".into()));
    }
    Err(if text.is_empty() { "(empty reply)".to_owned() } else { crate::units::printable(text, 300) })
}

/// The self-test file, generated as it is streamed (never held in memory).
mod self_test {
    use bytes::Bytes;
    use futures_util::Stream;

    /// EICAR's test string, stored masked so this binary is not itself a test file for a
    /// virus scanner on the machine it is installed on.
    const EICAR_MASKED: &[u8] = b"\x12\x7f\x05\x6b\x1a\x6f\x0a\x0b\x1a\x11\x7e\x16\x1a\x10\x12\x7f\x7e\x62\x1a\x14\x63\x7d\x09\x09\x63\x7d\x37\x6e\x0f\x03\x09\x0b\x18\x67\x19\x1e\x0b\x04\x0e\x0b\x18\x0e\x67\x0b\x04\x1e\x03\x1c\x03\x18\x1f\x19\x67\x1e\x0f\x19\x1e\x67\x0c\x03\x06\x0f\x6b\x6e\x02\x61\x02\x60";
    const MASK: u8 = 0x4a;

    pub fn eicar() -> Vec<u8> {
        EICAR_MASKED.iter().map(|b| b ^ MASK).collect()
    }

    const PAD_NAME: &[u8] = b"padding.bin";
    const EICAR_NAME: &[u8] = b"eicar.com";

    fn local_header(name: &[u8], crc: u32, size: u32) -> Vec<u8> {
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&10u16.to_le_bytes()); // version needed: 1.0
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        h.extend_from_slice(&0u32.to_le_bytes()); // time, date
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes()); // compressed
        h.extend_from_slice(&size.to_le_bytes()); // uncompressed
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra
        h.extend_from_slice(name);
        h
    }

    fn central_entry(name: &[u8], crc: u32, size: u32, offset: u32) -> Vec<u8> {
        let mut h = Vec::with_capacity(46 + name.len());
        h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // made by
        h.extend_from_slice(&10u16.to_le_bytes()); // needed
        h.extend_from_slice(&[0; 4]); // flags, method
        h.extend_from_slice(&0u32.to_le_bytes()); // time, date
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&[0; 12]); // extra, comment, disk, internal attrs, external attrs
        h.extend_from_slice(&offset.to_le_bytes());
        h.extend_from_slice(name);
        h
    }

    /// Everything of the file but the padding's data: (before the padding, after it), and the
    /// padding's length, for a file of `total` bytes (at least the fixed parts).
    pub fn parts(total: u64) -> (Vec<u8>, Vec<u8>, u64) {
        let eicar = eicar();
        let fixed = (30 + PAD_NAME.len() + 30 + EICAR_NAME.len() + eicar.len()) as u64
            + (46 + PAD_NAME.len() + 46 + EICAR_NAME.len() + 22) as u64;
        let pad = total.saturating_sub(fixed).min(u64::from(u32::MAX) - fixed);
        let pad32 = u32::try_from(pad).unwrap_or(u32::MAX);
        let mut crc = crc32fast::Hasher::new();
        let zeros = vec![0u8; 1 << 20];
        let mut left = pad;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            crc.update(&zeros[..n]);
            left -= n as u64;
        }
        let pad_crc = crc.finalize();
        let eicar_crc = crc32fast::hash(&eicar);
        let head = local_header(PAD_NAME, pad_crc, pad32);
        let eicar_offset = u32::try_from(head.len() as u64 + pad).unwrap_or(u32::MAX);
        let mut tail = local_header(EICAR_NAME, eicar_crc, eicar.len() as u32);
        tail.extend_from_slice(&eicar);
        let cd_offset = eicar_offset.saturating_add(tail.len() as u32);
        let mut cd = central_entry(PAD_NAME, pad_crc, pad32, 0);
        cd.extend(central_entry(EICAR_NAME, eicar_crc, eicar.len() as u32, eicar_offset));
        let cd_len = cd.len() as u32;
        tail.extend(cd);
        tail.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        tail.extend_from_slice(&[0; 4]); // disk numbers
        tail.extend_from_slice(&2u16.to_le_bytes());
        tail.extend_from_slice(&2u16.to_le_bytes());
        tail.extend_from_slice(&cd_len.to_le_bytes());
        tail.extend_from_slice(&cd_offset.to_le_bytes());
        tail.extend_from_slice(&0u16.to_le_bytes()); // comment
        (head, tail, pad)
    }

    /// The file as a stream of chunks of at most `chunk` bytes.
    pub fn stream(total: u64, chunk: usize) -> impl Stream<Item = std::io::Result<Bytes>> {
        let (head, tail, pad) = parts(total);
        let chunk = chunk.max(4096);
        let zeros = Bytes::from(vec![0u8; chunk]);
        let (full, rest) = (pad / chunk as u64, (pad % chunk as u64) as usize);
        let padding = std::iter::repeat_n(zeros.clone(), usize::try_from(full).unwrap_or(usize::MAX))
            .chain((rest > 0).then(|| zeros.slice(..rest)));
        let all = std::iter::once(Bytes::from(head)).chain(padding).chain(std::iter::once(Bytes::from(tail)));
        futures_util::stream::iter(all.map(Ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_self_test_file_is_a_zip_of_exactly_the_size_with_eicar_last() {
        use futures_util::StreamExt;
        for total in [4096u64, 1 << 20, (1 << 20) + 7] {
            let chunks: Vec<_> = self_test::stream(total, 65536).collect::<Vec<_>>().await;
            let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
            assert_eq!(bytes.len() as u64, total);
            let eicar = self_test::eicar();
            assert!(eicar.starts_with(b"X5O!P%@AP[4") && eicar.len() == 68);
            let at = bytes.windows(eicar.len()).position(|w| w == eicar).expect("EICAR is in the file");
            assert!(total - at as u64 <= 300, "EICAR is at the end: {at} of {total}");
            let (_, _, pad) = self_test::parts(total);
            assert_eq!(&bytes[..4], b"PK\x03\x04");
            assert!(bytes[41..41 + pad as usize].iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn the_signature_database_date_is_read_from_version() {
        let v = ClamdVersion::parse("ClamAV 1.0.7/27431/Tue Dec  1 08:00:00 2026\0");
        assert_eq!(v.database_date.map(|d| d.to_string()).as_deref(), Some("2026-12-01 08:00:00"));
        assert!(ClamdVersion::parse("ClamAV 1.0.7\0").database_date.is_none(), "custom signatures only");
    }

    #[test]
    fn limit_heuristics_are_unscannable_not_infected() {
        for reply in [
            &b"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0"[..],
            b"stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND\0",
            b"stream: Heuristics.Limits.Exceeded.MaxRecursion FOUND\0",
        ] {
            assert!(matches!(parse_reply(reply), Ok(Verdict::Unscannable(_))), "{reply:?}");
        }
        assert!(matches!(parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0"), Ok(Verdict::Infected(_))));
    }

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
