//! Liveness: what `/healthz` and the systemd watchdog judge. "Wedged" means a lane's fetch
//! loop has not come round while one of its job slots was free; slots held by running jobs or
//! by settlements waiting out a queue outage are not a wedge.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use crate::config::QueueConfig;
use crate::units::now_ms;

/// Liveness facts the worker and the watchdog keep up to date.
#[derive(Debug, Default)]
pub struct Health {
    worker_running: AtomicBool,
    last_tick_ms: AtomicI64,
    /// One per lane the worker serves.
    loops: std::sync::Mutex<Vec<Arc<LoopHealth>>>,
}

/// One lane's fetch loop.
#[derive(Debug)]
pub struct LoopHealth {
    name: &'static str,
    last_loop_ms: AtomicI64,
    /// The loop's job slots: while none is free the fetch loop rightly waits.
    slots: Arc<tokio::sync::Semaphore>,
}

impl LoopHealth {
    /// The fetch loop came round (or is waiting for work).
    pub fn alive(&self) {
        self.last_loop_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Every slot is held: by running jobs, by settlements waiting for the queue to come back,
    /// or by a fetch in progress (each bounded by `job_timeout` or the queue's timeouts).
    fn all_slots_busy(&self) -> bool {
        self.slots.available_permits() == 0
    }
}

impl Health {
    /// Registers a lane's fetch loop; it reports through the returned handle.
    pub fn loop_started(&self, name: &'static str, slots: Arc<tokio::sync::Semaphore>) -> Arc<LoopHealth> {
        let l = Arc::new(LoopHealth { name, last_loop_ms: AtomicI64::new(now_ms()), slots });
        self.loops.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(l.clone());
        l
    }

    pub fn worker_started(&self) {
        self.worker_running.store(true, Ordering::Relaxed);
    }

    /// How long the fetch loop may go without coming round while it has free slots: longer
    /// than two queue round trips at their timeout, and than three polls.
    pub fn stall_limit(q: &QueueConfig) -> Duration {
        (q.poll_interval.get() * 3).max(q.response_timeout.get() * 2).max(Duration::from_secs(30))
    }
    pub fn worker_stopped(&self) {
        self.worker_running.store(false, Ordering::Relaxed);
        self.loops.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
    /// The runtime ran a timer task.
    pub fn tick(&self) {
        self.last_tick_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Why the process is not healthy, if it is not. The fetch loop is wedged if it has not come
    /// round for `stall` while it had free slots; busy slots are bounded by `job_timeout`.
    pub fn problem(&self, stall: Duration) -> Option<String> {
        if !self.worker_running.load(Ordering::Relaxed) {
            return Some("the worker loop is not running".into());
        }
        let stall_ms = i64::try_from(stall.as_millis()).unwrap_or(i64::MAX);
        for l in self.loops.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            let idle_for = now_ms() - l.last_loop_ms.load(Ordering::Relaxed);
            if idle_for > stall_ms && !l.all_slots_busy() {
                return Some(format!(
                    "the worker loop ({} lane) has not run for {}s with free slots",
                    l.name,
                    idle_for / 1000
                ));
            }
        }
        let tick = self.last_tick_ms.load(Ordering::Relaxed);
        if tick > 0 && now_ms() - tick > stall_ms {
            return Some("the runtime's timer task has stalled".into());
        }
        None
    }
}
