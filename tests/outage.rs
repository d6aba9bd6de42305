//! Dependency outages. Each test stops a shared service, so this binary's tests run one at a
//! time (a mutex), apart from the other test binaries (cargo runs binaries sequentially).

mod common;

use std::time::Duration;

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clamd_down_means_wait_and_retry_never_skip_the_scan() {
    let _serial = SERIAL.lock().await;
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let s = services();
    s.control("stop", "clamd");
    let result = std::panic::AssertUnwindSafe(async {
        let worker = RunningWorker::start(&app);
        let clean = enqueue_bytes(&app, &env, "photo.jpg", &samples::photo_jpeg(640, 480, 1), None).await;
        let infected = enqueue_bytes(&app, &env, "eicar.jpg", &samples::eicar(), None).await;
        for id in [&clean, &infected] {
            let r = wait_status(&app, id, Duration::from_secs(30), |r| r.status == Status::Retrying && r.attempts >= 2)
                .await;
            assert_eq!(r.reason_code.as_deref(), Some("scanner_unavailable"));
            assert!(r.outputs.is_empty() && r.detected_type.is_none(), "nothing processed unscanned");
        }
        assert!(list_keys(&app, &format!("{}uploads/", env.prefix)).await.is_empty());
        let (ready, checks) = uploadd::http::readiness(&app).await;
        assert!(!ready, "not ready while clamd is down: {checks:?}");
        assert_ne!(checks["clamd"], "ok");
        assert_eq!(checks["database"], "ok");
        s.control("start", "clamd");
        let r = wait_terminal(&app, &clean, Duration::from_secs(60)).await;
        assert_eq!(r.status, Status::Ready, "{r:?}");
        let r = wait_terminal(&app, &infected, Duration::from_secs(60)).await;
        assert_eq!((r.status, r.reason_code.as_deref()), (Status::Rejected, Some("infected")));
        worker.shutdown().await;
    });
    let outcome = futures_util::FutureExt::catch_unwind(result).await;
    s.control("start", "clamd");
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
