//! Redis as managed services run it: TLS (`rediss://`) with a private CA, an ACL user with a
//! password — against the test script's real Redis, which serves a TLS port with such users.

mod common;

use std::time::Duration;

use common::*;
use uploadd::db::Status;

fn tls_env(env: &mut TestEnv, url: &str, ca: Option<&str>) {
    env.set("UPLOADD_QUEUE__URL", url);
    env.set("UPLOADD_QUEUE__TLS_CA_FILE", ca.unwrap_or(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_flow_over_tls_with_an_acl_user() {
    let s = services();
    let mut env = TestEnv::new(Stack::Production).await;
    tls_env(&mut env, s.get("UPLOADD_TEST_REDIS_TLS_URL"), Some(s.get("UPLOADD_TEST_REDIS_CA")));
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let id = enqueue_bytes(&app, &env, "a.jpg", &uploadd::media::samples::photo_jpeg(320, 200, 1), None).await;
    let rec = wait_terminal(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(rec.status, Status::Ready, "{:?}", rec.reason);
    worker.shutdown().await;
    // The daemon's own check agrees: TLS, the user's permissions, persistence.
    let out = env.command().args(["doctor", "--json"]).output().unwrap();
    let checks: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    for name in ["redis.acl", "redis.eviction"] {
        let c = checks.iter().find(|c| c["check"] == name).unwrap_or_else(|| panic!("no {name} check"));
        assert_eq!(c["level"], "ok", "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_acl_mistakes_stop_start_up_with_what_to_fix() {
    let s = services();
    let url = s.get("UPLOADD_TEST_REDIS_TLS_URL");
    let ca = s.get("UPLOADD_TEST_REDIS_CA");
    let start = |env: &TestEnv| {
        let out = env.command().args(["jobs", "stats"]).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // The server's certificate is from a CA the system does not trust.
    let mut env = TestEnv::new(Stack::Production).await;
    tls_env(&mut env, url, None);
    let (ok, err) = start(&env);
    assert!(!ok);
    assert!(err.to_lowercase().contains("certificate") && err.contains("queue.tls_ca_file"), "{err}");
    assert_eq!(err.matches("queue.tls_ca_file").count(), 1, "said once, not once per wrapper: {err}");
    // A wrong password.
    let mut env = TestEnv::new(Stack::Production).await;
    tls_env(&mut env, &url.replace("uploadd-test-secret", "wrong"), Some(ca));
    let (ok, err) = start(&env);
    assert!(!ok);
    assert!(err.contains("WRONGPASS") || err.to_lowercase().contains("password"), "{err}");
    assert!(!err.contains("wrong@"), "the password is not echoed: {err}");
    // A user that may not run scripts: the queue cannot work, and start-up says so.
    let mut env = TestEnv::new(Stack::Production).await;
    tls_env(&mut env, s.get("UPLOADD_TEST_REDIS_TLS_NOSCRIPTS_URL"), Some(ca));
    let (ok, err) = start(&env);
    assert!(!ok);
    assert!(err.contains("+@scripting"), "{err}");
    // A CA file that is not there.
    let mut env = TestEnv::new(Stack::Production).await;
    tls_env(&mut env, url, Some("/nonexistent/ca.pem"));
    let (ok, err) = start(&env);
    assert!(!ok);
    assert!(err.contains("/nonexistent/ca.pem"), "{err}");
}
