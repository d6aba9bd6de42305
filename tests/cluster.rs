//! Several daemons on one cluster of services: three `uploadd run` processes, each with its own
//! data directory and worker id as if on three hosts, against one Redis, PostgreSQL and Garage.
//! A mixed batch (images and videos, a bulk tenant queued first and a small one after it); one
//! daemon is SIGKILLed while it holds jobs in the middle of the batch. At the end every job is
//! terminal and ready, each output exists exactly once in the store and in the database, the
//! queue's books are empty, and the small tenant's first job started within the fairness bound.
//! Host 2 serves only the image lane and host 3 only the video lane (`--lanes`), as when video
//! work runs on a separate, bigger machine: every video is made by host 3 — one of them
//! enqueued without a declared type, so it is moved there once its type is detected — and no
//! image by it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use common::*;
use uploadd::db::{Status, UploadRecord};
use uploadd::media::samples;
use uploadd::producer::{EnqueueOptions, enqueue_file};

/// Daemons in the cluster and each one's `worker.concurrency`.
const DAEMONS: usize = 3;
const CONCURRENCY: usize = 2;

fn spawn(env: &TestEnv, host: &Path, failpoints: &str) -> Child {
    env.spawn_daemon_in(host, failpoints)
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

fn clip(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=duration=1:size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:v", "libx264", "-preset", "ultrafast"])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(&out)
        .status()
        .expect("ffmpeg");
    assert!(st.success(), "ffmpeg could not generate {name}");
    out
}

async fn enqueue(app: &uploadd::app::App, path: &Path, tenant: &str) -> String {
    let declared_type = path.extension().is_some_and(|e| e == "mp4").then(|| "video/mp4".to_owned());
    let opts = EnqueueOptions { tenant: Some(tenant.to_owned()), declared_type, ..Default::default() };
    enqueue_file(app, path, "default", opts).await.expect("enqueue").to_string()
}

/// The uploads a daemon's log says it finished (`Upload ready.` lines).
fn finished_by(host: &Path, ids: &BTreeMap<String, (&str, &str)>) -> BTreeSet<String> {
    let log = std::fs::read_to_string(host.join("daemon.log")).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("Upload ready"))
        .filter_map(|l| ids.keys().find(|id| l.contains(id.as_str())).cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_share_one_cluster_and_lose_nothing_when_one_is_killed() {
    require_failpoints();
    let mut env = TestEnv::new(Stack::Production).await;
    env.set("UPLOADD_WORKER__CONCURRENCY", &CONCURRENCY.to_string());
    let app = env.app().await;
    let inputs = env.data_dir().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let video = clip(&inputs, "clip.mp4");
    // The bulk tenant's backlog goes in first, then the small tenant's two jobs.
    let mut kinds: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for i in 0..24u8 {
        let photo = env.file(&format!("bulk{i}.jpg"), &samples::photo_jpeg(640 + u32::from(i), 480, 1 + i % 8));
        kinds.insert(enqueue(&app, &photo, "bulk").await, ("bulk", "image"));
        if i % 12 == 0 {
            kinds.insert(enqueue(&app, &video, "bulk").await, ("bulk", "video"));
        }
    }
    let photo = env.file("small.jpg", &samples::photo_jpeg(800, 600, 6));
    kinds.insert(enqueue(&app, &photo, "small").await, ("small", "image"));
    kinds.insert(enqueue(&app, &video, "small").await, ("small", "video"));
    // A video whose producer did not say what it is: queued in the image lane, moved.
    let undeclared = env.file("undeclared.bin", &std::fs::read(&video).unwrap());
    kinds.insert(enqueue(&app, &undeclared, "small").await, ("small", "video"));

    // Host 1 takes jobs and stops in its store stage (outputs made, nothing stored or
    // committed); hosts 2 and 3 work normally. Host 1 is SIGKILLed there, mid-batch.
    let hosts: Vec<tempfile::TempDir> = (0..DAEMONS).map(|_| tempfile::tempdir().unwrap()).collect();
    let doomed = spawn(&env, hosts[0].path(), "store=sleep(600000)");
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(hosts[0].path().join("daemon.log")).unwrap_or_default();
        if log.contains("Failpoint: sleeping") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "host 1 never reached its store stage:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut alive: Vec<Child> = vec![
        env.spawn_daemon_with(hosts[1].path(), "", &["--lanes", "image"]),
        env.spawn_daemon_with(hosts[2].path(), "", &["--lanes", "video"]),
    ];
    // Let the two healthy hosts get well into the batch, then kill host 1 while it holds jobs.
    let start = Instant::now();
    loop {
        let counts = app.db.count_by_status().await.unwrap();
        if counts.get("ready").copied().unwrap_or(0) >= 6 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the healthy hosts made no progress: {counts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held: Vec<String> = {
        let mut held = Vec::new();
        for id in kinds.keys() {
            let r = app.db.get(id).await.unwrap().unwrap();
            if r.status == Status::Processing {
                held.push(id.clone());
            }
        }
        held
    };
    let mut doomed = doomed;
    signal(&doomed, libc::SIGKILL);
    let _ = doomed.wait();

    // Everything finishes on the two remaining hosts (host 1's jobs once its heartbeat expires).
    let mut records: BTreeMap<String, UploadRecord> = BTreeMap::new();
    for id in kinds.keys() {
        records.insert(id.clone(), wait_terminal(&app, id, Duration::from_secs(240)).await);
    }
    let mut keys: Vec<String> = list_keys(&app, &format!("{}uploads/", env.prefix)).await;
    keys.sort();
    let mut expected = Vec::new();
    for (id, rec) in &records {
        assert_eq!(rec.status, Status::Ready, "{rec:?}");
        let files: &[&str] = match kinds[id].1 {
            "image" => &["display.jpg", "thumb.jpg", "webp.webp"],
            _ => &["poster.jpg", "video.mp4"],
        };
        assert_eq!(rec.outputs.len(), files.len(), "each output once in the database: {rec:?}");
        expected.extend(files.iter().map(|f| format!("{}uploads/{id}/{f}", env.prefix)));
        assert!((1..=2).contains(&rec.deliveries), "at most one crash per job: {rec:?}");
    }
    expected.sort();
    assert_eq!(keys, expected, "each output exactly once in the store, nothing else");
    let redelivered: BTreeSet<&String> = records.iter().filter(|(_, r)| r.deliveries == 2).map(|(id, _)| id).collect();
    assert!(!redelivered.is_empty(), "host 1 held jobs when it was killed");
    for id in &redelivered {
        assert!(held.contains(*id), "only jobs host 1 held were delivered twice: {id}");
    }
    let stats = app.queue.stats().await.unwrap();
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.dead), (0, 0, 0, 0), "{stats:?}");
    // Lanes: the video-only host made every video and nothing else; the image-only host no video.
    let videos: BTreeSet<String> = kinds.iter().filter(|(_, k)| k.1 == "video").map(|(id, _)| id.clone()).collect();
    assert_eq!(finished_by(hosts[2].path(), &kinds), videos, "host 3 (--lanes video) made exactly the videos");
    let by_image_host = finished_by(hosts[1].path(), &kinds);
    assert!(by_image_host.is_disjoint(&videos), "host 2 (--lanes image) made no video: {by_image_host:?}");
    assert_eq!(by_image_host.len(), kinds.len() - videos.len(), "host 2 made every image");

    // Fairness across the cluster: the small tenant's first job started after at most
    // (all slots × 2) of the bulk tenant's, although its jobs were queued after all of them.
    let first_small = records
        .iter()
        .filter(|(id, _)| kinds[*id].0 == "small")
        .filter_map(|(_, r)| r.started_at.clone())
        .min()
        .unwrap();
    let bulk_before = records
        .iter()
        .filter(|(id, r)| kinds[*id].0 == "bulk" && r.started_at.as_deref().is_some_and(|s| s < first_small.as_str()))
        .count();
    let bound = DAEMONS * CONCURRENCY * 2;
    eprintln!(
        "cluster: {} jobs, {} delivered twice (host 1 held {}), {bulk_before} bulk jobs started before the small tenant's first",
        records.len(),
        redelivered.len(),
        held.len()
    );
    assert!(bulk_before <= bound, "{bulk_before} bulk jobs started before the small tenant's first (bound {bound})");

    for child in &alive {
        signal(child, libc::SIGTERM);
    }
    for child in &mut alive {
        assert!(child.wait().unwrap().success(), "a graceful stop exits 0");
    }
}
