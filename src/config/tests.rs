//! Config loading, layering, validation and redaction.

use std::path::{Path, PathBuf};

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn no_config_is_the_embedded_default() {
    let c = Config::load_with_env(None, None, &[]).unwrap();
    assert_eq!(c.scan.mode, ScanMode::Off);
    assert_eq!(c.storage.backend, StorageBackend::Local);
    assert_eq!(c.queue_location(), QueueLocation::Sqlite(PathBuf::from("./uploadd-data/queue.db")));
    assert!(c.database_url().starts_with("sqlite://./uploadd-data/uploadd.db"));
    let p = &c.profiles["default"];
    let names: Vec<_> = p.variants.iter().map(|v| (v.name.as_str(), v.width, v.height, v.format, v.quality)).collect();
    assert_eq!(
        names,
        [
            ("display", 1920, 1080, OutputFormat::Jpeg, 85),
            ("thumb", 300, 300, OutputFormat::Jpeg, 80),
            ("webp", 1920, 1080, OutputFormat::Webp, 80)
        ]
    );
}

#[test]
fn env_overrides_are_typed_by_the_defaults() {
    let c = Config::load_with_env(
        None,
        None,
        &env(&[
            ("UPLOADD_QUEUE__URL", "redis://127.0.0.1:6379"),
            ("UPLOADD_SCAN__MODE", "required"),
            ("UPLOADD_WORKER__CONCURRENCY", "7"),
            ("UPLOADD_STORAGE__ACCESS_KEY_ID", "12345"),
            ("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "678910"),
            ("UPLOADD_STORAGE__FORCE_PATH_STYLE", "true"),
            ("UPLOADD_HTTP__LISTEN", "127.0.0.1:9999"),
            ("UPLOADD_CONFIG", "the command line's own"),
            ("UPLOADD_TEST_ANYTHING", "the test harness's own"),
        ]),
    )
    .unwrap();
    assert_eq!(c.queue_location(), QueueLocation::Redis("redis://127.0.0.1:6379".into()));
    assert_eq!(c.scan.mode, ScanMode::Required);
    assert_eq!(c.worker.concurrency, 7);
    assert_eq!(c.storage.access_key_id, "12345");
    assert!(c.storage.force_path_style);
}

#[test]
fn errors_name_the_key() {
    let e = Config::load_with_env(None, None, &env(&[("UPLOADD_WORKER__CONCURRENCY", "many")])).unwrap_err();
    assert!(e.to_string().contains("UPLOADD_WORKER__CONCURRENCY"), "{e}");
    let e = Config::load_with_env(None, None, &env(&[("UPLOADD_SCAN__MODE", "sometimes")])).unwrap_err();
    assert!(e.to_string().contains("scan.mode"), "{e}");
    let e = Config::load_with_env(None, None, &env(&[("UPLOADD_STORAGE__BOGUS", "1")])).unwrap_err();
    assert!(e.to_string().contains("UPLOADD_STORAGE__BOGUS"), "{e}");
    let e = Config::load_with_env(None, None, &env(&[("UPLOADD_STORAGE__BACKEND", "s3")])).unwrap_err();
    assert!(e.to_string().contains("storage.bucket"), "{e}");
    let e = Config::load_with_env(None, None, &env(&[("UPLOADD_SWEEP__INCOMING_MAX_AGE", "1h")])).unwrap_err();
    assert!(e.to_string().contains("sweep.incoming_max_age"), "{e}");
}

#[test]
fn file_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    std::fs::write(&f, "[profiles.avatars]\nallowed_types = [\"image/png\"]\nmax_pixels = \"lots\"\n").unwrap();
    let e = Config::load_with_env(Some(&f), None, &[]).unwrap_err().to_string();
    assert!(e.contains("profiles.avatars.max_pixels"), "{e}");
    std::fs::write(&f, "[worker\n").unwrap();
    let e = Config::load_with_env(Some(&f), None, &[]).unwrap_err().to_string();
    assert!(e.contains("not valid TOML"), "{e}");
}

#[test]
fn video_renditions_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    let load = |rendition: &str| {
        let text = format!(
            "[profiles.clips]\nallowed_types = [\"video/mp4\"]\n[[profiles.clips.video.renditions]]\n{rendition}\n"
        );
        std::fs::write(&f, text).unwrap();
        Config::load_with_env(Some(&f), None, &[]).map_err(|e| e.to_string())
    };
    let c = load("name = \"720p\"\nmax_width = 1280\nmax_height = 720").unwrap();
    let r = &c.profiles["clips"].video.renditions[0];
    assert_eq!((r.name.as_str(), r.max_width, r.max_height, r.crf), ("720p", 1280, 720, None));
    for (bad, why) in [
        ("name = \"poster\"\nmax_width = 640\nmax_height = 360", "already the name"),
        ("name = \"video\"\nmax_width = 640\nmax_height = 360", "reserved"),
        ("name = \"../x\"\nmax_width = 640\nmax_height = 360", "reserved"),
        ("name = \"small\"\nmax_width = 8\nmax_height = 360", "between 16 and 8192"),
        ("name = \"small\"\nmax_width = 640\nmax_height = 360\ncrf = 60", "crf must be 0–51"),
    ] {
        let e = load(bad).unwrap_err();
        assert!(e.contains("profiles.clips.video.renditions") && e.contains(why), "{bad}: {e}");
    }
}

#[test]
fn redaction_hides_secrets() {
    assert_eq!(redact_url("postgres://u:hunter2@db:5432/x"), "postgres://u:<redacted>@db:5432/x");
    assert_eq!(redact_url("redis://:pw@127.0.0.1:6379/0"), "redis://:<redacted>@127.0.0.1:6379/0");
    assert_eq!(redact_url("postgres://db/x?user=a&password=b"), "postgres://db/x?user=a&password=<redacted>");
    let c = Config::load_with_env(
        None,
        None,
        &env(&[
            ("UPLOADD_DATABASE__URL", "postgres://u:hunter2@db/x"),
            ("UPLOADD_STORAGE__ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "s3cr3tvalue"),
            ("UPLOADD_WEBHOOKS__SECRET", "whsecretvalue"),
        ]),
    )
    .unwrap();
    let out = c.redacted_toml();
    for secret in ["hunter2", "AKIAEXAMPLE", "s3cr3tvalue", "whsecretvalue"] {
        assert!(!out.contains(secret), "{secret} leaked:\n{out}");
    }
}

#[test]
fn shipped_config_file_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/uploadd.toml");
    let c = Config::load_with_env(Some(&path), None, &[]).unwrap();
    assert_eq!(c.scan.mode, ScanMode::Required);
    assert!(c.profiles.contains_key("default"));
}

#[test]
fn misspelled_overrides_fail_and_name_the_closest_key() {
    for (var, closest) in [
        ("UPLOADD_WORKER_CONCURRENCY", "UPLOADD_WORKER__CONCURRENCY"),
        ("UPLOADD_WORKER__CONCURENCY", "UPLOADD_WORKER__CONCURRENCY"),
        ("UPLOADD_SCAN_MODE", "UPLOADD_SCAN__MODE"),
        ("UPLOADD_DATABSE__URL", "UPLOADD_DATABASE__URL"),
    ] {
        let e = Config::load_with_env(None, None, &env(&[(var, "3")])).unwrap_err().to_string();
        assert!(e.contains(var) && e.contains(&format!("did you mean {closest}?")), "{var}: {e}");
    }
    // Profiles are named by the operator: any name is a key.
    let c = Config::load_with_env(None, None, &env(&[("UPLOADD_PROFILES__AVATAR__MAX_PIXELS", "1000")])).unwrap();
    assert_eq!(c.profiles["avatar"].max_pixels, 1000);
}

#[test]
fn lanes_and_their_concurrency_default_to_both_and_are_checked() {
    use crate::formats::Lane;
    let c = Config::load_with_env(None, None, &[]).unwrap();
    assert_eq!(c.served_lanes().unwrap(), [Lane::Image, Lane::Video]);
    assert_eq!((c.lane_concurrency(Lane::Image), c.lane_concurrency(Lane::Video)), (4, 1));
    let c = Config::load_with_env(
        None,
        None,
        &env(&[
            ("UPLOADD_WORKER__LANES", "[\"video\"]"),
            ("UPLOADD_WORKER__IMAGE_CONCURRENCY", "6"),
            ("UPLOADD_WORKER__VIDEO_CONCURRENCY", "3"),
        ]),
    )
    .unwrap();
    assert_eq!(c.served_lanes().unwrap(), [Lane::Video]);
    assert_eq!((c.lane_concurrency(Lane::Image), c.lane_concurrency(Lane::Video)), (6, 3));
    for bad in ["[\"audio\"]", "[]"] {
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_WORKER__LANES", bad)])).unwrap_err();
        assert!(e.to_string().contains("worker.lanes"), "{bad}: {e}");
    }
}
