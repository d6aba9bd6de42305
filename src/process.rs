//! The only place that spawns child processes (ffprobe, and ffmpeg through `ffmpeg-sidecar`).
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
    #[error("cannot run {program}: {source} (is it installed? check video.ffmpeg / video.ffprobe)")]
    Spawn { program: String, source: std::io::Error },
    #[error("{program} ran longer than its limit of {}s and was killed", limit.as_secs())]
    Timeout { program: String, limit: Duration },
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
    pub nice: i32,
    /// Largest file the child may write (RLIMIT_FSIZE).
    pub max_file_bytes: u64,
}

fn name_of(program: &Path) -> String {
    program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Runs in the child between fork and exec: own process group, lower priority, output cap.
fn confine(cmd: &mut std::process::Command, limits: Limits) {
    cmd.process_group(0);
    let nice = limits.nice;
    let fsize = limits.max_file_bytes;
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
        return Err(failure(name, out.status, tail(&String::from_utf8_lossy(&out.stderr)), limits));
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
    let watch_pid = pid.clone();
    let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = timed_out.clone();
    // The deadline is enforced from a separate task: the event iterator below blocks.
    let watchdog = tokio::spawn(async move {
        tokio::time::sleep_until(deadline.into()).await;
        if watch_pid.load(Ordering::SeqCst) > 0 {
            flag.store(true, Ordering::SeqCst);
            kill_group(watch_pid.swap(0, Ordering::SeqCst));
        }
    });
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
    if timed_out.load(Ordering::SeqCst) {
        return Err(ProcessError::Timeout { program: name, limit: limits.timeout });
    }
    if !status.success() {
        return Err(failure(name, status, tail(&errors.join("\n")), limits));
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
    fn ffmpeg_times_parse() {
        assert_eq!(parse_time("00:00:01.50"), Some(1.5));
        assert_eq!(parse_time("01:02:03.00"), Some(3723.0));
        assert_eq!(parse_time("N/A"), None);
    }

    #[tokio::test]
    async fn a_child_past_its_deadline_is_killed_with_its_group() {
        let start = Instant::now();
        let limits = Limits { timeout: Duration::from_millis(300), nice: 0, max_file_bytes: 1 << 20 };
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
        let limits = Limits { timeout: Duration::from_secs(5), nice: 0, max_file_bytes: 1 << 20 };
        let e = run_capture(Path::new("/nonexistent/ffprobe"), &[], limits).await.unwrap_err();
        assert!(matches!(e, ProcessError::Spawn { .. }) && e.to_string().contains("is it installed"), "{e}");
        let e = run_capture(Path::new("/bin/sh"), &["-c".into(), "echo boom >&2; exit 3".into()], limits)
            .await
            .unwrap_err();
        assert!(matches!(&e, ProcessError::Failed { stderr, .. } if stderr.contains("boom")), "{e}");
    }

    #[tokio::test]
    async fn signals_the_output_cap_and_a_full_disk_are_told_apart_from_bad_input() {
        let limits = Limits { timeout: Duration::from_secs(5), nice: 0, max_file_bytes: 1 << 16 };
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
}
