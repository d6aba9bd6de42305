//! The temp sweep: job directories no running job holds (their `flock` died with a crashed
//! process) and the local store's stale partial writes. A live job's directory is never
//! touched, whatever its age.

use std::path::Path;

use super::{Run, SweepError};
use crate::storage::Storage;
use crate::units::now_ms;
use crate::workdir::is_abandoned;

pub(super) async fn sweep(run: &mut Run<'_>) -> Result<(), SweepError> {
    let min_age = i64::try_from(run.app.cfg.sweep.temp_min_age.get().as_millis()).unwrap_or(i64::MAX);
    let temp = run.app.cfg.temp_dir();
    sweep_dir(run, &temp, min_age, true).await?;
    if let Storage::Local(l) = &run.app.storage {
        let partial = l.root().join(crate::storage::PARTIAL_DIR);
        sweep_dir(run, &partial, min_age, false).await?;
    }
    Ok(())
}

fn age_ms(path: &Path) -> i64 {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| now_ms() - i64::try_from(d.as_millis()).unwrap_or(0))
}

async fn sweep_dir(run: &mut Run<'_>, dir: &Path, min_age: i64, job_dirs: bool) -> Result<(), SweepError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(SweepError::Io { path: dir.display().to_string(), source });
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        run.report.examined += 1;
        let abandoned = if job_dirs {
            if !name.starts_with("job-") || !path.is_dir() {
                run.keep("not a job directory");
                continue;
            }
            is_abandoned(&path, min_age, now_ms()) && age_ms(&path) >= min_age
        } else {
            // Partial writes are renamed into place within seconds; old ones are crash debris.
            age_ms(&path) >= min_age.max(3_600_000)
        };
        if !abandoned {
            run.keep(if job_dirs { "held by a running job or too young" } else { "a write in progress" });
            continue;
        }
        let p = path.clone();
        let remove = async move {
            let r = if p.is_dir() { tokio::fs::remove_dir_all(&p).await } else { tokio::fs::remove_file(&p).await };
            r.map_err(|e| crate::storage::StorageError::Io { context: p.display().to_string(), source: e })
        };
        let reason = if job_dirs { "temp directory of a job that is no longer running" } else { "stale partial write" };
        if !run.remove(&path.display().to_string(), reason, remove).await? {
            break;
        }
    }
    Ok(())
}
