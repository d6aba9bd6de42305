//! Dependency outages. The first test stops the suite's shared clamd, so this binary's tests
//! run one at a time (a mutex), apart from the other test binaries (cargo runs binaries
//! sequentially). The long one runs against services of its own.

mod common;

use std::time::{Duration, Instant};

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clamd_down_means_wait_and_never_skip_the_scan() {
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
            let r = wait_status(&app, id, Duration::from_secs(30), |r| r.status == Status::Retrying).await;
            assert_eq!(r.reason_code.as_deref(), Some("scanner_unavailable"));
            assert!(r.outputs.is_empty() && r.detected_type.is_none(), "nothing processed unscanned");
        }
        // The outage is clamd's, not the jobs': their attempts are not spent while it lasts.
        tokio::time::sleep(Duration::from_secs(5)).await;
        for id in [&clean, &infected] {
            let r = app.db.get(id).await.unwrap().unwrap();
            assert!(r.attempts <= 1, "attempts spent on an outage: {r:?}");
        }
        assert!(list_keys(&app, &format!("{}uploads/", env.prefix)).await.is_empty());
        let (ready, checks) = uploadd::http::readiness(&app).await;
        assert!(!ready, "not ready while clamd is down: {checks:?}");
        assert_ne!(checks["clamd"], "ok");
        assert_eq!(checks["database"], "ok");
        assert!(checks.contains_key("circuit:clamd"), "the open breaker is reported: {checks:?}");
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

/// clamd and S3 down for five minutes and PostgreSQL for two, all at once, with the shipped
/// retry settings (8 attempts, 1 s base): every job ends `ready`. The daemon holds off while
/// a dependency is down instead of spending the jobs' attempts, and resumes when it answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_outages_of_clamd_s3_and_postgres_lose_no_job() {
    let _serial = SERIAL.lock().await;
    let clamd = PrivateService::start("clamd", &[]);
    let garage = PrivateService::start("garage", &[]);
    let pg = PrivateService::start("postgres", &[]);
    let mut env = TestEnv::new(Stack::Production).await;
    for k in ["UPLOADD_RETRY__BASE_DELAY", "UPLOADD_RETRY__MAX_DELAY", "UPLOADD_RETRY__MAX_ATTEMPTS"] {
        env.vars.retain(|(key, _)| key != k);
    }
    let id = short_id();
    env.set("UPLOADD_SCAN__CLAMD", &clamd.var("UPLOADD_TEST_CLAMD"));
    env.set("UPLOADD_STORAGE__ENDPOINT", &garage.var("UPLOADD_TEST_S3_ENDPOINT"));
    let admin = pg.var("UPLOADD_TEST_POSTGRES_URL");
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("private postgres");
        sqlx::query(&format!("CREATE DATABASE outage_{id}")).execute(&mut conn).await.unwrap();
    }
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).expect("postgres url");
    env.set("UPLOADD_DATABASE__URL", &format!("{base}/outage_{id}"));
    env.set("UPLOADD_DATABASE__CONNECT_TIMEOUT", "3s");
    env.set("UPLOADD_STORAGE__REQUEST_TIMEOUT", "10s");
    let app = env.app().await;
    let mut jobs = Vec::new();
    for i in 0..6 {
        let bytes = if i % 2 == 0 { samples::photo_jpeg(500, 400, 1) } else { samples::alpha_png(300, 300) };
        jobs.push(enqueue_bytes(&app, &env, &format!("f{i}.img"), &bytes, None).await);
    }
    let started = Instant::now();
    clamd.control("stop");
    garage.control("stop");
    pg.control("stop");
    let worker = RunningWorker::start(&app);
    let restart = |svc: &PrivateService, after: Duration| {
        let wait = after.saturating_sub(started.elapsed());
        std::thread::sleep(wait);
        svc.control("start");
    };
    tokio::task::block_in_place(|| {
        restart(&pg, Duration::from_secs(120));
        restart(&clamd, Duration::from_secs(300));
        restart(&garage, Duration::from_secs(300));
    });
    for id in &jobs {
        let rec = wait_terminal(&app, id, Duration::from_secs(180)).await;
        assert_eq!(rec.status, Status::Ready, "{rec:?}");
        assert!(rec.attempts <= 3, "attempts spent on outages: {rec:?}");
    }
    println!(
        "six jobs through 5-minute clamd/S3 and 2-minute PostgreSQL outages, all ready after {:?}",
        started.elapsed()
    );
    worker.shutdown().await;
}
