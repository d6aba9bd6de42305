//! Circuit breakers, one per dependency. When a job fails because a dependency is down (and a
//! health check confirms it), its breaker opens: the worker stops fetching instead of failing
//! job after job, and probes the dependency with backoff until it answers again. Jobs caught by
//! the outage are handed back without spending their attempts. `/readyz` reports open
//! breakers; `uploadd_dependency_circuit_open{dependency}` exports them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::outcome::Dependency;

/// The first probe comes this soon after a breaker opens; later ones back off to
/// [`MAX_PROBE_DELAY`].
const FIRST_PROBE_DELAY: Duration = Duration::from_secs(1);
const MAX_PROBE_DELAY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
struct State {
    since: Instant,
    failures: u32,
    next_probe: Instant,
    last_error: String,
}

/// The open/closed state of every dependency's breaker.
#[derive(Debug, Default)]
pub struct Breakers {
    open: Mutex<Vec<(Dependency, State)>>,
}

/// An open breaker, as reported.
#[derive(Debug, Clone)]
pub struct OpenBreaker {
    pub dependency: Dependency,
    pub open_for: Duration,
    pub last_error: String,
    pub next_probe: Instant,
}

impl Breakers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Dependency, State)>> {
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens the breaker of `dep` (or keeps it open). Returns true when it was closed before.
    pub fn trip(&self, dep: Dependency, error: &str) -> bool {
        let mut open = self.lock();
        let now = Instant::now();
        match open.iter_mut().find(|(d, _)| *d == dep) {
            Some((_, s)) => {
                s.last_error = error.to_owned();
                false
            }
            None => {
                let state = State {
                    since: now,
                    failures: 1,
                    next_probe: now + FIRST_PROBE_DELAY,
                    last_error: error.to_owned(),
                };
                open.push((dep, state));
                true
            }
        }
    }

    /// A probe of an open breaker failed: the next one waits longer.
    pub fn probe_failed(&self, dep: Dependency, error: &str) {
        let mut open = self.lock();
        if let Some((_, s)) = open.iter_mut().find(|(d, _)| *d == dep) {
            s.failures = s.failures.saturating_add(1);
            s.last_error = error.to_owned();
            s.next_probe = Instant::now() + crate::backoff::backoff(s.failures, FIRST_PROBE_DELAY, MAX_PROBE_DELAY);
        }
    }

    /// The dependency answers again. Returns how long it was down, if it was.
    pub fn close(&self, dep: Dependency) -> Option<Duration> {
        let mut open = self.lock();
        let i = open.iter().position(|(d, _)| *d == dep)?;
        Some(open.remove(i).1.since.elapsed())
    }

    pub fn is_open(&self, dep: Dependency) -> bool {
        self.lock().iter().any(|(d, _)| *d == dep)
    }

    /// Every open breaker.
    pub fn open(&self) -> Vec<OpenBreaker> {
        self.lock()
            .iter()
            .map(|(d, s)| OpenBreaker {
                dependency: *d,
                open_for: s.since.elapsed(),
                last_error: s.last_error.clone(),
                next_probe: s.next_probe,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breaker_opens_backs_off_and_closes() {
        let b = Breakers::default();
        assert!(!b.is_open(Dependency::Storage));
        assert!(b.trip(Dependency::Storage, "connection refused"));
        assert!(!b.trip(Dependency::Storage, "still refused"), "already open");
        assert!(b.is_open(Dependency::Storage) && !b.is_open(Dependency::Clamd));
        let first = b.open()[0].next_probe;
        for _ in 0..10 {
            b.probe_failed(Dependency::Storage, "down");
        }
        let later = b.open()[0].next_probe;
        assert!(later > first, "probes back off");
        assert!(later <= Instant::now() + MAX_PROBE_DELAY, "but never beyond the cap");
        assert_eq!(b.open()[0].last_error, "down");
        assert!(b.close(Dependency::Storage).is_some());
        assert!(b.close(Dependency::Storage).is_none());
        assert!(b.open().is_empty());
    }
}
