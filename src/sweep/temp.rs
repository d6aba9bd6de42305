//! The temp sweep: job directories no running job holds (their `flock` died with a crashed
//! process) and the store's stale partial writes. A live job's directory is never touched,
//! whatever its age. Job directories belong to `workdir`, partial writes to `storage`: this
//! sweep only decides, each of them removes its own. One run at a time per temp directory
//! (its `flock`, not a database lease: a killed run must not block the restarted daemon).

use super::{Run, SweepError};
use crate::storage::StorageError;

/// Partial writes are renamed into place within seconds; an hour-old one is crash debris.
const PARTIAL_MIN_AGE_MS: i64 = 3_600_000;

pub(super) async fn sweep(run: &mut Run<'_>) -> Result<(), SweepError> {
    let min_age = i64::try_from(run.app.cfg.sweep.temp_min_age.get().as_millis()).unwrap_or(i64::MAX);
    let workdir = run.app.workdir.clone();
    let dirs = {
        let w = workdir.clone();
        tokio::task::spawn_blocking(move || w.job_dirs(min_age))
            .await
            .map_err(|e| SweepError::Io { path: "temp directory".into(), source: std::io::Error::other(e) })?
            .map_err(|source| SweepError::Io { path: workdir.path().display().to_string(), source })?
    };
    for dir in dirs {
        run.report.examined += 1;
        if !dir.abandoned {
            run.keep(if dir.is_job_dir { "held by a running job or too young" } else { "not a job directory" });
            continue;
        }
        crate::failpoint::hit("sweep-delete").await;
        let (w, name) = (workdir.clone(), dir.name.clone());
        let remove = async move {
            tokio::task::spawn_blocking(move || w.remove_job_dir(&name))
                .await
                .map_err(|e| StorageError::Io { context: "temp directory".into(), source: std::io::Error::other(e) })?
                .map_err(|e| StorageError::Io { context: "temp directory".into(), source: e })
        };
        let label = workdir.path().join(&dir.name).display().to_string();
        if !run.remove(&label, "temp directory of a job that is no longer running", remove).await? {
            return Ok(());
        }
    }
    let min_partial = min_age.max(PARTIAL_MIN_AGE_MS);
    let now = crate::units::now_ms();
    for w in run.app.storage.partial_writes().await? {
        run.report.examined += 1;
        if now - w.modified_ms < min_partial {
            run.keep("a write in progress");
            continue;
        }
        let storage = run.app.storage.clone();
        let name = w.key.clone();
        if !run.remove(&w.key, "stale partial write", async move { storage.remove_partial_write(&name).await }).await? {
            break;
        }
    }
    Ok(())
}
