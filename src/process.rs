//! The only place that spawns child processes (ffprobe, ffmpeg through `ffmpeg-sidecar`, and
//! the HEIF decoder `uploadd heif-decode`).
//!
//! Every child runs in its own process group with a niceness and a file-size limit, has a
//! wall-clock deadline, and is killed — its whole group, so no orphaned grandchildren — at the
//! deadline or when the job that started it is dropped. Arguments are always an array, never a
//! shell line.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(
        "cannot run {program}: {source} (is it installed? check video.ffmpeg / video.ffprobe / images.heif_decoder)"
    )]
    Spawn { program: String, source: std::io::Error },
    #[error("{program} ran longer than its limit of {}s and was killed", limit.as_secs())]
    Timeout { program: String, limit: Duration },
    /// Made no progress (its output time did not advance) for [`Limits::stall`].
    #[error("{program} made no progress for {}s and was killed", after.as_secs())]
    Stalled { program: String, after: Duration },
    #[error("{program} failed ({status}): {stderr}")]
    Failed { program: String, status: String, stderr: String },
    /// Killed from outside (SIGKILL from the OOM killer, SIGTERM/SIGINT from an operator): not
    /// the input's fault. A crash (SIGSEGV, SIGABRT…) stays [`ProcessError::Failed`].
    #[error("{program} was killed by signal {signal}: {stderr}")]
    Killed { program: String, signal: i32, stderr: String },
    /// Wrote past [`Limits::max_file_bytes`] (SIGXFSZ).
    #[error("{program} wrote more than its output limit of {limit} bytes")]
    OutputLimit { program: String, limit: u64 },
    /// The disk it writes to is full (ENOSPC/EDQUOT in its messages).
    #[error("{program} ran out of disk space: {stderr}")]
    DiskFull { program: String, stderr: String },
    #[error("{program}: {message}")]
    Io { program: String, message: String },
}

/// How a child is confined.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// ffmpeg only: killed when its output time has not advanced for this long.
    pub stall: Option<Duration>,
    pub nice: i32,
    /// Largest file the child may write (RLIMIT_FSIZE).
    pub max_file_bytes: u64,
    /// Address-space cap (RLIMIT_AS): an allocation past it fails in the child instead of
    /// growing until the OOM killer picks a process. Not for ffmpeg, whose thread stacks and
    /// mappings make its virtual size a poor measure of its memory.
    pub max_memory: Option<u64>,
}

fn name_of(program: &Path) -> String {
    program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Runs in the child between fork and exec: own process group, lower priority, output and
/// memory caps, an empty environment.
fn confine(cmd: &mut std::process::Command, limits: Limits) {
    cmd.process_group(0);
    // Nothing of the daemon's environment (storage keys, database URLs) reaches a child: a
    // decoder exploited by a hostile file finds no credentials.
    cmd.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin");
    let nice = limits.nice;
    let fsize = limits.max_file_bytes;
    let memory = limits.max_memory;
    // SAFETY: only async-signal-safe libc calls (setpriority, setrlimit) run in the child.
    unsafe {
        cmd.pre_exec(move || {
            // If the daemon dies (even by SIGKILL), its children die with it: no orphaned
            // ffmpeg keeps burning CPU. (Children are spawned from runtime worker threads,
            // which live as long as the daemon.)
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            libc::setpriority(libc::PRIO_PROCESS, 0, nice);
            let lim = libc::rlimit { rlim_cur: fsize as libc::rlim_t, rlim_max: fsize as libc::rlim_t };
            libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            if let Some(bytes) = memory {
                let lim = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
            }
            Ok(())
        });
    }
}

fn kill_group(pid: i32) {
    if pid > 0 {
        // SAFETY: signalling a process group we created (the child is its leader).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Kills the child's process group when dropped (a cancelled job leaves no process behind).
struct KillOnDrop(Arc<AtomicI32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        kill_group(self.0.swap(0, Ordering::SeqCst));
    }
}

/// Runs a program to completion and returns its stdout (ffprobe).
pub async fn run_capture(program: &Path, args: &[String], limits: Limits) -> Result<Vec<u8>, ProcessError> {
    let name = name_of(program);
    let mut std_cmd = std::process::Command::new(program);
    std_cmd.args(args).stdin(std::process::Stdio::null());
    confine(&mut std_cmd, limits);
    let mut cmd = tokio::process::Command::from(std_cmd);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).kill_on_drop(true);
    let child = cmd.spawn().map_err(|source| ProcessError::Spawn { program: name.clone(), source })?;
    let pid = Arc::new(AtomicI32::new(child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0)));
    let guard = KillOnDrop(pid.clone());
    let out = match tokio::time::timeout(limits.timeout, child.wait_with_output()).await {
        Ok(r) => r.map_err(|e| ProcessError::Io { program: name.clone(), message: e.to_string() })?,
        Err(_) => {
            drop(guard);
            return Err(ProcessError::Timeout { program: name, limit: limits.timeout });
        }
    };
    pid.store(0, Ordering::SeqCst);
    if !out.status.success() {
        let stderr = redact_paths(&String::from_utf8_lossy(&out.stderr), args);
        return Err(failure(name, out.status, tail(&stderr), limits));
    }
    Ok(out.stdout)
}

/// Why a child that exited unsuccessfully failed: killed from outside, over its output cap, a
/// full disk, or (anything else, crashes included) its own trouble with the input.
fn failure(program: String, status: std::process::ExitStatus, stderr: String, limits: Limits) -> ProcessError {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(libc::SIGXFSZ) => ProcessError::OutputLimit { program, limit: limits.max_file_bytes },
        Some(signal @ (libc::SIGKILL | libc::SIGTERM | libc::SIGINT | libc::SIGHUP)) => {
            ProcessError::Killed { program, signal, stderr }
        }
        None if stderr.contains("No space left on device") || stderr.contains("Disk quota exceeded") => {
            ProcessError::DiskFull { program, stderr }
        }
        _ => ProcessError::Failed { program, status: status.to_string(), stderr },
    }
}

/// A child's messages without this host's paths: every absolute path among its arguments (also
/// inside `file:…` or `lut3d=file=…`) becomes its file name. The messages end up in reasons
/// producers read; the daemon's temp layout is none of their business.
fn redact_paths(stderr: &str, args: &[String]) -> String {
    let mut paths: Vec<&str> = args
        .iter()
        .flat_map(|a| a.split([':', '=', ',', ' ', '\'']))
        .filter(|p| p.starts_with('/') && p.len() > 1)
        .collect();
    // Longest first, so a directory never replaces part of a file inside it.
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut out = stderr.to_owned();
    for p in paths {
        let name = p.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("input");
        out = out.replace(p, name);
    }
    out
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let t = lines[start..].join(" | ");
    t.chars().take(500).collect()
}

/// Runs ffmpeg through `ffmpeg-sidecar`, reporting progress (seconds of output written) as it
/// goes. Success is judged by the exit status (the sidecar also reports benign "errors").
pub async fn run_ffmpeg(
    ffmpeg: &Path,
    args: Vec<String>,
    limits: Limits,
    mut progress: impl FnMut(f64) + Send + 'static,
) -> Result<(), ProcessError> {
    let name = name_of(ffmpeg);
    let mut cmd = FfmpegCommand::new_with_path(ffmpeg);
    cmd.args(&args);
    confine(cmd.as_inner_mut(), limits);
    let mut child = cmd.spawn().map_err(|source| ProcessError::Spawn { program: name.clone(), source })?;
    let pid = Arc::new(AtomicI32::new(i32::try_from(child.as_inner().id()).unwrap_or(0)));
    let guard = KillOnDrop(pid.clone());
    let deadline = Instant::now() + limits.timeout;
    let started = Instant::now();
    // Milliseconds after `started` of the last progress (output time advancing).
    let last_progress = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watch_pid = pid.clone();
    let killed_for = Arc::new(AtomicI32::new(0)); // 1: deadline, 2: stall
    let (flag, seen) = (killed_for.clone(), last_progress.clone());
    // The limits are enforced from a separate task: the event iterator below blocks.
    let watchdog = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if watch_pid.load(Ordering::SeqCst) <= 0 {
                return;
            }
            let now = Instant::now();
            let quiet = now.duration_since(started).saturating_sub(Duration::from_millis(seen.load(Ordering::SeqCst)));
            let why = if now >= deadline {
                1
            } else if limits.stall.is_some_and(|s| quiet >= s) {
                2
            } else {
                continue;
            };
            flag.store(why, Ordering::SeqCst);
            kill_group(watch_pid.swap(0, Ordering::SeqCst));
            return;
        }
    });
    let mut furthest = -1.0f64;
    let mut progress = move |secs: f64| {
        if secs > furthest {
            furthest = secs;
            last_progress.store(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
        }
        progress(secs);
    };
    let program = name.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut errors: Vec<String> = Vec::new();
        match child.iter() {
            Ok(iter) => {
                for event in iter {
                    match event {
                        FfmpegEvent::Progress(p) => {
                            if let Some(secs) = parse_time(&p.time) {
                                progress(secs);
                            }
                        }
                        FfmpegEvent::Log(LogLevel::Error | LogLevel::Fatal, line) => {
                            if errors.len() >= 20 {
                                errors.remove(0);
                            }
                            errors.push(line);
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
        let status = child.wait().map_err(|e| ProcessError::Io { program: program.clone(), message: e.to_string() })?;
        Ok::<_, ProcessError>((status, errors))
    })
    .await
    .map_err(|e| ProcessError::Io { program: name.clone(), message: e.to_string() })?;
    watchdog.abort();
    pid.store(0, Ordering::SeqCst);
    drop(guard);
    let (status, errors) = result?;
    match killed_for.load(Ordering::SeqCst) {
        1 => return Err(ProcessError::Timeout { program: name, limit: limits.timeout }),
        2 => return Err(ProcessError::Stalled { program: name, after: limits.stall.unwrap_or_default() }),
        _ => {}
    }
    if !status.success() {
        return Err(failure(name, status, tail(&redact_paths(&errors.join("\n"), &args)), limits));
    }
    Ok(())
}

/// `HH:MM:SS.ss` → seconds.
pub fn parse_time(t: &str) -> Option<f64> {
    let mut secs = 0.0;
    for part in t.trim().split(':') {
        secs = secs * 60.0 + part.parse::<f64>().ok()?;
    }
    (secs >= 0.0).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_childs_messages_name_no_host_path() {
        let args: Vec<String> = [
            "-i",
            "file:/tmp/uploadd/tmp/job-1/source",
            "-vf",
            "lut3d=file=/tmp/uploadd/tmp/job-1/tonemap.cube",
            "/tmp/uploadd/tmp/job-1/out.mp4",
        ]
        .map(String::from)
        .to_vec();
        let msg = "/tmp/uploadd/tmp/job-1/source: Invalid data found\n/tmp/uploadd/tmp/job-1/tonemap.cube: bad";
        let r = redact_paths(msg, &args);
        assert_eq!(r, "source: Invalid data found\ntonemap.cube: bad");
        assert!(!r.contains("/tmp"), "{r}");
    }

    #[test]
    fn ffmpeg_times_parse() {
        assert_eq!(parse_time("00:00:01.50"), Some(1.5));
        assert_eq!(parse_time("01:02:03.00"), Some(3723.0));
        assert_eq!(parse_time("N/A"), None);
    }

    #[tokio::test]
    async fn a_child_past_its_deadline_is_killed_with_its_group() {
        let start = Instant::now();
        let limits = Limits {
            timeout: Duration::from_millis(300),
            stall: None,
            nice: 0,
            max_file_bytes: 1 << 20,
            max_memory: None,
        };
        // A grandchild in the background and a child in the foreground, both with a marker.
        let args = vec!["-c".to_owned(), "sleep 31.4159 & sleep 31.4159; echo done".to_owned()];
        let e = run_capture(Path::new("/bin/sh"), &args, limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::Timeout { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let ps = std::process::Command::new("pgrep").args(["-f", "sleep 31.4159"]).output().unwrap();
        let survivors = String::from_utf8_lossy(&ps.stdout).into_owned();
        assert!(survivors.is_empty(), "orphans left: {survivors:?}");
    }

    #[tokio::test]
    async fn missing_programs_and_failures_are_reported() {
        let limits =
            Limits { timeout: Duration::from_secs(5), stall: None, nice: 0, max_file_bytes: 1 << 20, max_memory: None };
        let e = run_capture(Path::new("/nonexistent/ffprobe"), &[], limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::Spawn { .. }) && e.to_string().contains("is it installed"), "{e}");
        let e = run_capture(Path::new("/bin/sh"), &["-c".into(), "echo boom >&2; exit 3".into()], limits)
            .await
            .unwrap_err();
        assert!(matches!(&e, ProcessError::Failed { stderr, .. } if stderr.contains("boom")), "{e}");
    }

    #[tokio::test]
    async fn signals_the_output_cap_and_a_full_disk_are_told_apart_from_bad_input() {
        let limits =
            Limits { timeout: Duration::from_secs(5), stall: None, nice: 0, max_file_bytes: 1 << 16, max_memory: None };
        async fn sh(script: &str, limits: Limits) -> Result<Vec<u8>, ProcessError> {
            run_capture(Path::new("/bin/sh"), &["-c".to_owned(), script.to_owned()], limits).await
        }
        let e = sh("kill -9 $$", limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::Killed { signal: 9, .. }), "{e}");
        let e = sh("ulimit -c 0; kill -SEGV $$", limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::Failed { .. }), "a crash is the input's doing: {e}");
        let out = std::env::temp_dir().join(format!("uploadd-fsize-{}", std::process::id()));
        let e = sh(&format!("exec head -c 200000 /dev/zero > {}", out.display()), limits).await.unwrap_err();
        let _ = std::fs::remove_file(&out);
        assert!(matches!(e, ProcessError::OutputLimit { limit: 65536, .. }), "{e}");
        let e =
            sh("echo 'av_interleaved_write_frame(): No space left on device' >&2; exit 1", limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::DiskFull { .. }), "{e}");
    }

    /// An executable script standing in for ffmpeg (it ignores ffmpeg-sidecar's arguments).
    fn fake_ffmpeg(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("ffmpeg");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn ffmpeg_without_progress_is_killed_as_stalled_but_progress_keeps_it_alive() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            timeout: Duration::from_secs(20),
            stall: Some(Duration::from_millis(800)),
            nice: 0,
            max_file_bytes: 1 << 20,
            max_memory: None,
        };
        let hung = fake_ffmpeg(dir.path(), "sleep 27.1828");
        let start = Instant::now();
        let e = run_ffmpeg(&hung, Vec::new(), limits, |_| {}).await.unwrap_err();
        assert!(matches!(e, ProcessError::Stalled { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(5), "killed soon after the stall limit");
        let busy_dir = tempfile::tempdir().unwrap();
        let busy = fake_ffmpeg(
            busy_dir.path(),
            "for i in 1 2 3 4 5 6 7 8; do echo \"frame=    $i fps=25 q=28.0 size=      1kB time=00:00:0$i.00 bitrate=1.0kbits/s speed=1x\" >&2; sleep 0.3; done",
        );
        let mut seen = Vec::new();
        let (tx, rx) = std::sync::mpsc::channel();
        run_ffmpeg(&busy, Vec::new(), limits, move |s| {
            let _ = tx.send(s);
        })
        .await
        .expect("a run that keeps progressing is not stalled, though it outlives the stall limit");
        seen.extend(rx.try_iter());
        assert!(seen.len() >= 5, "progress was reported: {seen:?}");
    }
}
