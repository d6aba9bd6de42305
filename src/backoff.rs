//! Exponential backoff with "equal jitter" (half the step fixed, half random), shared by job
//! retries, webhook retries and the dependency circuit breakers.

use std::time::Duration;

/// The delay before attempt `attempt + 1`: `base × 2^(attempt−1)`, capped at `max`, jittered.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let step = exp.min(max);
    let half = step / 2;
    half + Duration::from_millis(fastrand::u64(0..=u64::try_from(half.as_millis()).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = |a| backoff(a, Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..50 {
            let d1 = b(1);
            assert!(d1 >= Duration::from_millis(500) && d1 <= Duration::from_secs(1));
            let d4 = b(4);
            assert!(d4 >= Duration::from_secs(4) && d4 <= Duration::from_secs(8));
            let d30 = b(30);
            assert!(d30 >= Duration::from_secs(30) && d30 <= Duration::from_secs(60));
        }
    }
}
