//! `uploadd doctor` against the real services, configured right and configured wrong: each
//! misconfiguration is found, with its fix.

mod common;

use std::collections::BTreeMap;

use common::*;

/// Runs `uploadd doctor --json`: (exit code, check → (level, found, fix)).
fn doctor(env: &TestEnv) -> (i32, BTreeMap<String, (String, String, String)>) {
    let out = env.command().args(["doctor", "--json"]).output().expect("run uploadd doctor");
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    let map = checks
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("check"), (s("level"), s("found"), s("fix")))
        })
        .collect();
    (out.status.code().unwrap_or(-1), map)
}

fn level<'a>(checks: &'a BTreeMap<String, (String, String, String)>, name: &str) -> &'a str {
    checks.get(name).map_or_else(|| panic!("no check {name}: {checks:#?}"), |c| c.0.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_services_pass_every_check() {
    let env = TestEnv::new(Stack::Production).await;
    env.app().await; // migrated
    let (code, checks) = doctor(&env);
    let not_ok: Vec<_> = checks.iter().filter(|(_, c)| c.0 != "ok").collect();
    // The suite's clamd has a custom signature only (no database date), and Garage's bucket
    // has no lifecycle rule: warnings, by design. Nothing else.
    for (name, (lvl, found, _)) in &not_ok {
        assert!(
            lvl.as_str() == "warn" && matches!(name.as_str(), "clamd.signatures" | "storage.lifecycle"),
            "{name}: {lvl} {found}"
        );
    }
    assert_eq!(code, 0, "{checks:#?}");
    for name in [
        "redis",
        "redis.eviction",
        "redis.persistence",
        "redis.acl",
        "queue.depth",
        "queue.lanes",
        "database",
        "database.migrations",
        "database.write",
        "storage",
        "clamd.self_test",
        "ffmpeg",
        "temp.space",
        "temp.locking",
    ] {
        assert_eq!(level(&checks, name), "ok", "{name}: {:?}", checks[name]);
    }
    // The human form: one line per check, the fix under it.
    let out = env.command().arg("doctor").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("ok    redis.eviction")), "{text}");
}

/// Video jobs waiting while only image-lane daemons run (`--lanes image`) never start: the
/// doctor says which lane nobody fetches and how to serve it; a live video loop clears it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_with_waiting_jobs_and_no_live_daemon_is_reported() {
    use uploadd::queue::Lane;
    use uploadd::worker::lane_worker_name;
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let id = uuid::Uuid::now_v7().to_string();
    let payload = serde_json::json!({"upload_id": id, "source_key": format!("incoming/{id}"),
        "profile": "default", "declared_type": "video/mp4"});
    app.queue.push(&id, &payload.to_string(), &id).await.unwrap();
    app.queue.heartbeat(&lane_worker_name("image-host", Lane::Image)).await.unwrap();
    let (code, checks) = doctor(&env);
    let (lvl, found, fix) = &checks["queue.lanes"];
    assert_eq!(lvl, "warn", "{found}");
    assert!(
        found.contains("video: 1 pending, 0 live") && found.contains("no live daemon fetches the video lane"),
        "{found}"
    );
    assert!(found.contains("image: 0 pending, 1 live"), "{found}");
    assert!(fix.contains("uploadd run --lanes video"), "{fix}");
    assert_eq!(code, 0, "a warning, not a failure");
    app.queue.with_lane(Lane::Video).heartbeat(&lane_worker_name("video-host", Lane::Video)).await.unwrap();
    let (_, checks) = doctor(&env);
    assert_eq!(level(&checks, "queue.lanes"), "ok", "{:?}", checks["queue.lanes"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_evicts_fails_and_says_how_to_fix_it() {
    let redis = PrivateService::start(
        "redis",
        &[("UPLOADD_TEST_REDIS_ARGS", "--maxmemory-policy allkeys-lru --appendonly no")],
    );
    let mut env = TestEnv::new(Stack::Production).await;
    env.set("UPLOADD_QUEUE__URL", &redis.var("UPLOADD_TEST_REDIS_URL"));
    env.app().await;
    let (code, checks) = doctor(&env);
    assert_eq!(code, 1);
    let (lvl, found, fix) = &checks["redis.eviction"];
    assert_eq!(lvl, "fail");
    assert!(found.contains("allkeys-lru") && fix.contains("noeviction"), "{found} / {fix}");
    assert_eq!(level(&checks, "redis.persistence"), "warn", "no persistence at all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_user_missing_a_command_is_named() {
    let user = format!("doctor{}", short_id());
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg("on")
        .arg(">pw")
        .arg("~*")
        .arg("&*")
        .arg("+@all")
        .arg("-xadd")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut env = TestEnv::new(Stack::Production).await;
    env.app().await;
    let url = services().redis().replace("redis://", &format!("redis://{user}:pw@"));
    env.set("UPLOADD_QUEUE__URL", &url);
    let (code, checks) = doctor(&env);
    let _: () = redis::cmd("ACL").arg("DELUSER").arg(&user).query_async(&mut conn).await.unwrap();
    assert_eq!(code, 1);
    let (lvl, found, fix) = &checks["redis.acl"];
    assert_eq!(lvl, "fail");
    assert!(found.contains("XADD") && fix.contains("+xadd"), "{found} / {fix}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_s3_key_fails_put_and_delete_naming_the_permission() {
    let s = services();
    let (bin, cfg) = (s.get("UPLOADD_TEST_GARAGE_BIN"), s.get("UPLOADD_TEST_GARAGE_CONFIG"));
    let id = format!("GK{}", &uuid::Uuid::new_v4().simple().to_string()[..24]);
    let secret = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    let garage = |args: &[&str]| {
        let st = std::process::Command::new(bin).arg("-c").arg(cfg).args(args).output().unwrap();
        assert!(st.status.success(), "garage {args:?}: {}", String::from_utf8_lossy(&st.stderr));
    };
    garage(&["key", "import", "--yes", "-n", "doctor-read-only", &id, &secret]);
    garage(&["bucket", "allow", "--read", s.get("UPLOADD_TEST_S3_BUCKET"), "--key", &id]);
    let mut env = TestEnv::new(Stack::Production).await;
    env.app().await;
    env.set("UPLOADD_STORAGE__ACCESS_KEY_ID", &id);
    env.set("UPLOADD_STORAGE__SECRET_ACCESS_KEY", &secret);
    let (code, checks) = doctor(&env);
    garage(&["key", "delete", "--yes", &id]);
    assert_eq!(code, 1);
    let (lvl, found, fix) = &checks["storage.put"];
    assert_eq!(lvl, "fail", "{checks:#?}");
    assert!(found.contains("put under") && fix.contains("s3:PutObject"), "{found} / {fix}");
    assert_eq!(level(&checks, "storage.multipart_create"), "fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clamd_with_small_limits_fails_the_self_test() {
    let clamd = PrivateService::start("clamd", &[("UPLOADD_TEST_CLAMD_EXTRA", "MaxFileSize 1M;MaxScanSize 1M")]);
    let mut env = TestEnv::new(Stack::EmbeddedScanned).await;
    env.set("UPLOADD_SCAN__CLAMD", &clamd.var("UPLOADD_TEST_CLAMD"));
    env.set("UPLOADD_SCAN__MAX_BYTES", "4MiB");
    let (code, checks) = doctor(&env);
    assert_eq!(code, 1);
    let (lvl, found, fix) = &checks["clamd.self_test"];
    assert_eq!(lvl, "fail");
    assert!(found.contains("MaxFileSize") || found.contains("Limits"), "{found}");
    assert!(fix.contains("config/clamd.conf"), "{fix}");
    assert_eq!(level(&checks, "clamd.signatures"), "warn", "custom signatures only: no date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risky_settings_missing_tools_and_a_small_disk_are_reported() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_HTTP__LISTEN", "0.0.0.0:0");
    env.set("UPLOADD_RETRY__MAX_AGE", "10m");
    env.set("UPLOADD_VIDEO__FFMPEG", "/nonexistent/ffmpeg");
    env.set("UPLOADD_PROFILES__DEFAULT__MAX_BYTES", "1000TiB");
    let (code, checks) = doctor(&env);
    assert_eq!(code, 1);
    for (name, want) in [
        ("config.scan", "warn"),
        ("config.http", "warn"),
        ("config.retry", "warn"),
        ("ffmpeg", "fail"),
        ("temp.space", "fail"),
        ("temp.locking", "ok"),
        ("database.migrations", "fail"),
    ] {
        assert_eq!(level(&checks, name), want, "{name}: {:?}", checks[name]);
    }
    assert!(checks["database.migrations"].2.contains("uploadd migrate"));
}

/// A role that may not create tables (PostgreSQL 15 no longer lets every role create in
/// `public`): `uploadd migrate` alone fails with "permission denied for schema public", and the
/// doctor used to suggest exactly that, then blame table grants for the tables that were never
/// made. It now names the missing privilege, and following its advice works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_role_that_may_not_create_tables_is_told_how_to_migrate() {
    use sqlx::Connection;
    let mut env = TestEnv::new(Stack::Production).await;
    let role = format!("doctor{}", short_id());
    let db_url = fresh_postgres_db(&role).await;
    let mut admin = sqlx::PgConnection::connect(services().postgres()).await.unwrap();
    sqlx::query(&format!("CREATE ROLE {role} LOGIN PASSWORD 'pw'")).execute(&mut admin).await.unwrap();
    let mut owner = sqlx::PgConnection::connect(&db_url).await.unwrap();
    // PostgreSQL 15's default, made explicit.
    sqlx::query("REVOKE CREATE ON SCHEMA public FROM PUBLIC").execute(&mut owner).await.unwrap();
    let url = db_url.replacen("://postgres@", &format!("://{role}:pw@"), 1);
    assert_ne!(url, db_url);
    env.set("UPLOADD_DATABASE__URL", &url);
    let migrate = || env.command().arg("migrate").output().expect("run uploadd migrate");
    assert!(!migrate().status.success(), "the role cannot migrate yet");
    let (code, checks) = doctor(&env);
    assert_eq!(code, 1);
    let (lvl, found, fix) = &checks["database.migrations"];
    assert_eq!(lvl, "fail");
    assert!(
        fix.contains("may not create tables in schema public") && fix.contains("GRANT CREATE ON SCHEMA"),
        "{found} / {fix}"
    );
    assert_eq!(level(&checks, "database.write"), "warn", "{:?}", checks["database.write"]);
    sqlx::query(&format!("GRANT CREATE ON SCHEMA public TO {role}")).execute(&mut owner).await.unwrap();
    let out = migrate();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, checks) = doctor(&env);
    assert_eq!(level(&checks, "database.migrations"), "ok");
    assert_eq!(level(&checks, "database.write"), "ok");
}
