//! Fault injection for the crash tests: `UPLOADD_FAILPOINTS="store=sleep(3000);commit=abort"`
//! makes the daemon pause or die at a named point of the pipeline. Compiled only with the
//! `failpoints` cargo feature (the test script enables it): a normal build ignores the
//! variable entirely and [`hit`] is empty.

#[cfg(feature = "failpoints")]
use std::collections::HashMap;
#[cfg(feature = "failpoints")]
use std::sync::OnceLock;
#[cfg(feature = "failpoints")]
use std::time::Duration;

/// Whether this build has fault injection (the crash tests need it).
pub fn enabled() -> bool {
    cfg!(feature = "failpoints")
}

#[cfg(feature = "failpoints")]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Sleep(Duration),
    Abort,
    Panic,
    /// [`fails`] answers true the first N times (an operation that fails, then recovers).
    Fail(u32),
}

#[cfg(feature = "failpoints")]
fn table() -> &'static HashMap<String, Action> {
    static TABLE: OnceLock<HashMap<String, Action>> = OnceLock::new();
    TABLE.get_or_init(|| std::env::var("UPLOADD_FAILPOINTS").map(|s| parse(&s)).unwrap_or_default())
}

#[cfg(feature = "failpoints")]
fn parse(spec: &str) -> HashMap<String, Action> {
    spec.split(';')
        .filter_map(|item| {
            let (name, action) = item.trim().split_once('=')?;
            let action = match action.trim() {
                "abort" => Action::Abort,
                "panic" => Action::Panic,
                a if a.starts_with("fail(") => Action::Fail(a.strip_prefix("fail(")?.strip_suffix(')')?.parse().ok()?),
                a => {
                    let ms = a.strip_prefix("sleep(")?.strip_suffix(')')?.parse().ok()?;
                    Action::Sleep(Duration::from_millis(ms))
                }
            };
            Some((name.trim().to_owned(), action))
        })
        .collect()
}

/// Passes the named point (nothing at all without the `failpoints` feature).
#[cfg(not(feature = "failpoints"))]
pub async fn hit(_name: &str) {}

/// Passes the named point, acting on it if configured.
#[cfg(feature = "failpoints")]
pub async fn hit(name: &str) {
    match table().get(name) {
        None => {}
        Some(Action::Sleep(d)) => {
            tracing::warn!(failpoint = name, "Failpoint: sleeping {d:?}.");
            tokio::time::sleep(*d).await;
        }
        Some(Action::Abort) => {
            tracing::error!(failpoint = name, "Failpoint: aborting the process.");
            std::process::abort();
        }
        Some(Action::Panic) => panic!("failpoint {name}"),
        Some(Action::Fail(_)) => {}
    }
}

/// Whether the named operation should fail now (`name=fail(N)`: the first N times). Always
/// false without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
pub fn fails(_name: &str) -> bool {
    false
}

/// Whether the named operation should fail now (`name=fail(N)`: the first N times).
#[cfg(feature = "failpoints")]
pub fn fails(name: &str) -> bool {
    use std::sync::atomic::{AtomicU32, Ordering};
    static FAILED: OnceLock<std::sync::Mutex<HashMap<String, AtomicU32>>> = OnceLock::new();
    let Some(Action::Fail(n)) = table().get(name) else {
        return false;
    };
    let map = FAILED.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let count = map.entry(name.to_owned()).or_default();
    let failing = count.load(Ordering::Relaxed) < *n;
    if failing {
        count.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(failpoint = name, "Failpoint: failing the operation.");
    }
    failing
}

#[cfg(all(test, feature = "failpoints"))]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let t = parse("store=sleep(250); commit=abort;image=panic;announce=fail(2);bad=sleep(x);junk");
        assert_eq!(t.get("announce"), Some(&Action::Fail(2)));
        assert_eq!(t.get("store"), Some(&Action::Sleep(Duration::from_millis(250))));
        assert_eq!(t.get("commit"), Some(&Action::Abort));
        assert_eq!(t.get("image"), Some(&Action::Panic));
        assert_eq!(t.len(), 4);
    }
}
