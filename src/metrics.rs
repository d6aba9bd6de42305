//! Prometheus metrics (`prometheus` crate), all in one registry served at `/metrics`.
//!
//! Label values are bounded sets (stage, outcome, kind, profile name from config or `unknown`,
//! sweep kind):
//! never an upload id or a file name.

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Every metric uploadd exports.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub jobs: IntCounterVec,
    pub stage_duration: HistogramVec,
    pub stage_failures: IntCounterVec,
    pub retries: IntCounter,
    pub in_flight: IntGauge,
    pub queue_jobs: IntGaugeVec,
    pub queue_pending: IntGaugeVec,
    pub queue_lane_pending: IntGaugeVec,
    pub queue_lane_live_workers: IntGaugeVec,
    pub queue_wait: HistogramVec,
    pub queue_oldest_age: Gauge,
    pub queue_errors: IntCounter,
    pub requeued: IntCounterVec,
    pub bytes_in: IntCounter,
    pub bytes_out: IntCounter,
    pub infected: IntCounter,
    pub video_transcode_seconds: Histogram,
    pub video_progress: Gauge,
    pub sweep_objects: IntCounterVec,
    pub sweep_runs: IntCounterVec,
    pub sweep_last_success: prometheus::GaugeVec,
    pub webhook_deliveries: IntCounterVec,
    pub heartbeat: Gauge,
    pub ready: IntGaugeVec,
    pub breaker_open: IntGaugeVec,
    pub deferred: IntCounterVec,
    pub doctor_check_ok: IntGaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn must<T>(r: prometheus::Result<T>) -> T {
    // Metric definitions are static; a failure here is a programming error caught by the tests.
    match r {
        Ok(v) => v,
        Err(e) => panic!("invalid metric definition: {e}"),
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let reg = |c: Box<dyn prometheus::core::Collector>| must(registry.register(c));
        let stage_buckets =
            vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];
        let m = Metrics {
            jobs: must(IntCounterVec::new(
                Opts::new("uploadd_jobs_total", "Jobs that reached an outcome, by profile and outcome."),
                &["profile", "outcome"],
            )),
            stage_duration: must(HistogramVec::new(
                HistogramOpts::new("uploadd_stage_duration_seconds", "Time spent in each pipeline stage.")
                    .buckets(stage_buckets),
                &["stage"],
            )),
            stage_failures: must(IntCounterVec::new(
                Opts::new("uploadd_stage_failures_total", "Stage failures by stage and kind (transient, permanent)."),
                &["stage", "kind"],
            )),
            retries: must(IntCounter::new("uploadd_retries_total", "Jobs scheduled for another attempt.")),
            in_flight: must(IntGauge::new("uploadd_jobs_in_flight", "Jobs being processed by this daemon.")),
            queue_jobs: must(IntGaugeVec::new(
                Opts::new("uploadd_queue_jobs", "Jobs in the queue by state (pending, scheduled, running, dead)."),
                &["state"],
            )),
            queue_pending: must(IntGaugeVec::new(
                Opts::new("uploadd_queue_pending_jobs", "Jobs waiting in the queue by priority (high, normal, low)."),
                &["priority"],
            )),
            queue_lane_pending: must(IntGaugeVec::new(
                Opts::new("uploadd_queue_lane_pending_jobs", "Jobs waiting in the queue by lane (image, video)."),
                &["lane"],
            )),
            queue_lane_live_workers: must(IntGaugeVec::new(
                Opts::new(
                    "uploadd_queue_lane_live_workers",
                    "Worker loops with a live heartbeat on the shared queue, by the lane they fetch (image, video).",
                ),
                &["lane"],
            )),
            queue_wait: must(HistogramVec::new(
                HistogramOpts::new(
                    "uploadd_queue_wait_seconds",
                    "Time from enqueue to a job's first start in a lane, by lane and priority (retries not counted).",
                )
                .buckets(vec![
                    0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 14400.0,
                ]),
                &["lane", "priority"],
            )),
            queue_oldest_age: must(Gauge::new(
                "uploadd_queue_oldest_pending_age_seconds",
                "Age of the oldest job waiting in the queue.",
            )),
            queue_errors: must(IntCounter::new(
                "uploadd_queue_errors_total",
                "Failed queue operations (fetch, settle, heartbeat).",
            )),
            requeued: must(IntCounterVec::new(
                Opts::new(
                    "uploadd_queue_requeued_jobs_total",
                    "Jobs handed back to the queue unfinished, by reason: worker_lost (a worker's heartbeat \
                     expired), fetch_reply_lost (fetched by a request whose reply never arrived), shutdown \
                     (still running when the shutdown grace expired).",
                ),
                &["reason"],
            )),
            bytes_in: must(IntCounter::new("uploadd_bytes_in_total", "Bytes of originals fetched.")),
            bytes_out: must(IntCounter::new("uploadd_bytes_out_total", "Bytes of outputs stored.")),
            infected: must(IntCounter::new("uploadd_infected_files_total", "Files clamd reported infected.")),
            video_transcode_seconds: must(Histogram::with_opts(
                HistogramOpts::new("uploadd_video_transcode_seconds", "Wall time of video transcodes.")
                    .buckets(vec![1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0]),
            )),
            video_progress: must(Gauge::new(
                "uploadd_video_transcode_progress_ratio",
                "Progress (0–1) of the most recently updated running transcode.",
            )),
            sweep_objects: must(IntCounterVec::new(
                Opts::new(
                    "uploadd_sweep_objects_total",
                    "Objects seen by sweeps, by sweep and result (examined, removed, kept, error).",
                ),
                &["sweep", "result"],
            )),
            sweep_runs: must(IntCounterVec::new(
                Opts::new("uploadd_sweep_runs_total", "Sweep runs by sweep and outcome (success, failure, skipped)."),
                &["sweep", "outcome"],
            )),
            sweep_last_success: must(prometheus::GaugeVec::new(
                Opts::new(
                    "uploadd_sweep_last_success_timestamp_seconds",
                    "When each sweep last completed successfully.",
                ),
                &["sweep"],
            )),
            webhook_deliveries: must(IntCounterVec::new(
                Opts::new(
                    "uploadd_webhook_deliveries_total",
                    "Webhook delivery attempts by result (delivered, failed, refused).",
                ),
                &["result"],
            )),
            heartbeat: must(Gauge::new(
                "uploadd_worker_heartbeat_timestamp_seconds",
                "Last time the worker loop proved it was alive.",
            )),
            ready: must(IntGaugeVec::new(
                Opts::new(
                    "uploadd_dependency_up",
                    "Whether each dependency passed its last readiness check (1) or not (0).",
                ),
                &["dependency"],
            )),
            breaker_open: must(IntGaugeVec::new(
                Opts::new(
                    "uploadd_dependency_circuit_open",
                    "1 while a dependency's circuit breaker is open (the worker fetches nothing meanwhile).",
                ),
                &["dependency"],
            )),
            deferred: must(IntCounterVec::new(
                Opts::new(
                    "uploadd_jobs_deferred_total",
                    "Jobs handed back without spending an attempt, by cause (a dependency that was down, or \
                     video_capacity when every transcode slot was busy, lane_move when the detected type \
                     belonged to the other lane).",
                ),
                &["cause"],
            )),
            doctor_check_ok: must(IntGaugeVec::new(
                Opts::new(
                    "uploadd_doctor_check_ok",
                    "1 when the check of `uploadd doctor` passed (ok or warn) at its last run in the daemon, 0 when it failed.",
                ),
                &["check"],
            )),
            registry: registry.clone(),
        };
        reg(Box::new(m.jobs.clone()));
        reg(Box::new(m.stage_duration.clone()));
        reg(Box::new(m.stage_failures.clone()));
        reg(Box::new(m.retries.clone()));
        reg(Box::new(m.in_flight.clone()));
        reg(Box::new(m.queue_jobs.clone()));
        reg(Box::new(m.queue_pending.clone()));
        reg(Box::new(m.queue_lane_pending.clone()));
        reg(Box::new(m.queue_lane_live_workers.clone()));
        reg(Box::new(m.queue_wait.clone()));
        reg(Box::new(m.queue_oldest_age.clone()));
        reg(Box::new(m.queue_errors.clone()));
        reg(Box::new(m.requeued.clone()));
        for reason in ["worker_lost", "fetch_reply_lost", "shutdown"] {
            m.requeued.with_label_values(&[reason]);
        }
        reg(Box::new(m.bytes_in.clone()));
        reg(Box::new(m.bytes_out.clone()));
        reg(Box::new(m.infected.clone()));
        reg(Box::new(m.video_transcode_seconds.clone()));
        reg(Box::new(m.video_progress.clone()));
        reg(Box::new(m.sweep_objects.clone()));
        reg(Box::new(m.sweep_runs.clone()));
        reg(Box::new(m.sweep_last_success.clone()));
        reg(Box::new(m.webhook_deliveries.clone()));
        reg(Box::new(m.heartbeat.clone()));
        reg(Box::new(m.ready.clone()));
        reg(Box::new(m.breaker_open.clone()));
        reg(Box::new(m.deferred.clone()));
        reg(Box::new(m.doctor_check_ok.clone()));
        for dep in crate::outcome::Dependency::ALL {
            m.breaker_open.with_label_values(&[dep.as_str()]);
            m.deferred.with_label_values(&[dep.as_str()]);
        }
        m.deferred.with_label_values(&["video_capacity"]);
        m.deferred.with_label_values(&["lane_move"]);
        let build = must(IntGaugeVec::new(
            Opts::new("uploadd_build_info", "Build information; the value is always 1."),
            &["version"],
        ));
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        reg(Box::new(build));
        reg(Box::new(prometheus::process_collector::ProcessCollector::for_self()));
        // Pre-create the label sets dashboards and alerts query, so they exist from the start.
        for state in ["pending", "scheduled", "running", "dead"] {
            m.queue_jobs.with_label_values(&[state]);
        }
        for priority in crate::queue::PRIORITIES {
            m.queue_pending.with_label_values(&[priority]);
        }
        for lane in crate::formats::Lane::ALL {
            m.queue_lane_pending.with_label_values(&[lane.as_str()]);
            m.queue_lane_live_workers.with_label_values(&[lane.as_str()]);
            for priority in crate::queue::PRIORITIES {
                m.queue_wait.with_label_values(&[lane.as_str(), priority]);
            }
        }
        for stage in crate::outcome::Stage::ALL {
            m.stage_duration.with_label_values(&[stage.as_str()]);
            for kind in ["transient", "permanent"] {
                m.stage_failures.with_label_values(&[stage.as_str(), kind]);
            }
        }
        for result in ["delivered", "failed", "refused"] {
            m.webhook_deliveries.with_label_values(&[result]);
        }
        m
    }

    /// Zero series for a sweep the daemon has scheduled. Only those: a disabled sweep must not
    /// look like one that never succeeds (`UploaddSweepNeverSucceeded`).
    pub fn init_sweep(&self, sweep: &str) {
        for result in ["examined", "removed", "kept", "error"] {
            self.sweep_objects.with_label_values(&[sweep, result]);
        }
        for outcome in ["success", "failure", "skipped"] {
            self.sweep_runs.with_label_values(&[sweep, outcome]);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            return format!("# error encoding metrics: {e}\n");
        }
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Times a stage; the histogram is observed when the guard drops, so cancelled stages count.
    pub fn time_stage(&self, stage: crate::outcome::Stage) -> prometheus::HistogramTimer {
        self.stage_duration.with_label_values(&[stage.as_str()]).start_timer()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_with_conventional_names() {
        let m = Metrics::new();
        m.jobs.with_label_values(&["default", "ready"]).inc();
        let text = m.render();
        assert!(text.contains("uploadd_jobs_total{outcome=\"ready\",profile=\"default\"} 1"), "{text}");
        assert!(text.contains("uploadd_build_info{version="));
        assert!(text.contains("process_resident_memory_bytes"));
        assert!(text.contains("uploadd_stage_duration_seconds_bucket{stage=\"scan\""));
        assert!(!text.contains("uploadd_sweep_runs_total"), "no sweep series until one is scheduled");
        m.init_sweep("orphans");
        let text = m.render();
        assert!(text.contains("uploadd_sweep_runs_total{outcome=\"success\",sweep=\"orphans\"} 0"), "{text}");
        assert!(!text.contains("sweep=\"temp\""), "{text}");
    }
}
