//! The orphans sweep over the three managed prefixes.
//!
//! - `uploads/`: listed in key order and merge-joined with the outputs table in key order (one
//!   page of each in memory), which finds both unreferenced objects and "dangling" rows whose
//!   objects are missing. An unreferenced object is removed only if its upload is not in
//!   progress and it is older than the grace period.
//! - `incoming/`: an original is removed once nothing can still need it — its upload is ready
//!   (after the grace period) or it has no live upload and is older than `incoming_max_age`.
//! - `quarantine/`: removed after `quarantine_retention`.
//!
//! Right before each batch of deletions, the database and the objects' ages are checked again.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{Run, SweepError, upload_id_of};
use crate::db::Status;
use crate::storage::ObjectInfo;
use crate::units::now_ms;

const PAGE: usize = 1000;
const MAX_DANGLING_LISTED: usize = 1000;

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(super) async fn sweep(run: &mut Run<'_>) -> Result<(), SweepError> {
    let outputs = run.app.cfg.storage.output_prefix.clone();
    sweep_outputs(run, &outputs).await?;
    if !run.capped() {
        // Kept originals are outputs too (rows in the same table), under their own prefix.
        let originals = run.app.cfg.storage.originals_prefix.clone();
        sweep_outputs(run, &originals).await?;
    }
    if !run.capped() {
        sweep_incoming(run).await?;
    }
    if !run.capped() {
        sweep_quarantine(run).await?;
    }
    Ok(())
}

/// The output keys under one prefix as a sorted stream, one page at a time.
struct OutputCursor {
    prefix: String,
    buf: VecDeque<String>,
    after: String,
    done: bool,
}

impl OutputCursor {
    fn new(prefix: &str) -> OutputCursor {
        // Every key under the prefix sorts after the prefix itself.
        OutputCursor { prefix: prefix.to_owned(), buf: VecDeque::new(), after: prefix.to_owned(), done: false }
    }

    async fn peek(&mut self, db: &crate::db::Db) -> Result<Option<&String>, SweepError> {
        if self.buf.is_empty() && !self.done {
            let page = db.output_keys_after(&self.after, PAGE as u32).await?;
            if let Some(last) = page.last() {
                self.after = last.clone();
            }
            self.done = page.len() < PAGE;
            // Past the prefix's range: the stream ends there.
            let beyond = page.iter().position(|k| !k.starts_with(&self.prefix));
            if let Some(i) = beyond {
                self.done = true;
                self.buf.extend(page.into_iter().take(i));
            } else {
                self.buf.extend(page);
            }
        }
        Ok(self.buf.front())
    }
}

async fn sweep_outputs(run: &mut Run<'_>, prefix: &str) -> Result<(), SweepError> {
    let prefix = prefix.to_owned();
    let grace = ms(run.app.cfg.sweep.orphans_grace.get());
    let mut cursor = OutputCursor::new(&prefix);
    let mut dangling = Vec::new();
    let mut token = None;
    loop {
        run.renew().await?;
        let page = run.app.storage.list_page(&prefix, token, PAGE).await?;
        let mut candidates: Vec<ObjectInfo> = Vec::new();
        for obj in page.objects {
            if !obj.key.starts_with(&prefix) {
                continue; // never anything outside the prefix
            }
            run.report.examined += 1;
            // Rows whose keys sort before this object have no object: dangling.
            while let Some(d) = cursor.peek(&run.app.db).await? {
                if d.as_str() >= obj.key.as_str() {
                    break;
                }
                if let Some(d) = cursor.buf.pop_front()
                    && d.starts_with(&prefix)
                {
                    dangling.push(d);
                }
            }
            if cursor.peek(&run.app.db).await?.is_some_and(|d| *d == obj.key) {
                cursor.buf.pop_front();
                run.keep("referenced by an upload");
                continue;
            }
            candidates.push(obj);
        }
        let doomed = judge_outputs(run, &prefix, grace, candidates, true).await?;
        delete_outputs(run, &prefix, grace, doomed).await?;
        if run.capped() {
            run.report.notes.push("the dangling check stopped with the run (capped)".into());
            break;
        }
        match page.next {
            Some(t) => token = Some(t),
            None => {
                // Every remaining row under the prefix has no object.
                while cursor.peek(&run.app.db).await?.is_some() {
                    if let Some(d) = cursor.buf.pop_front()
                        && d.starts_with(&prefix)
                    {
                        dangling.push(d);
                    }
                    if dangling.len() > 100_000 {
                        break;
                    }
                }
                break;
            }
        }
    }
    // A row committed after its part of the listing passed looks dangling: confirm each.
    let mut confirmed = 0u64;
    for key in dangling {
        if matches!(run.app.storage.head(&key).await, Ok(None)) {
            confirmed += 1;
            if run.report.dangling.len() < MAX_DANGLING_LISTED {
                run.report.dangling.push(key);
            }
        }
    }
    run.report.dangling_count += confirmed;
    if confirmed > 0 {
        tracing::warn!(count = confirmed, "Rows reference objects that do not exist (dangling); see the sweep report.");
    }
    Ok(())
}

/// Decides which unreferenced output objects may go. With `count`, records kept ones.
async fn judge_outputs(
    run: &mut Run<'_>,
    prefix: &str,
    grace: i64,
    candidates: Vec<ObjectInfo>,
    count: bool,
) -> Result<Vec<ObjectInfo>, SweepError> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = candidates.iter().map(|o| o.key.clone()).collect();
    let ids: Vec<String> = candidates
        .iter()
        .filter_map(|o| upload_id_of(&o.key, prefix).map(str::to_owned))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let referenced = run.app.db.referenced_output_keys(&keys).await?;
    let live = run.app.db.upload_liveness(&ids).await?;
    let now = now_ms();
    let mut doomed = Vec::new();
    for obj in candidates {
        let reason = if referenced.contains(&obj.key) {
            Some("referenced by an upload")
        } else if upload_id_of(&obj.key, prefix).and_then(|id| live.get(id)).is_some_and(|l| !l.status.is_terminal()) {
            Some("its upload is in progress")
        } else if now - obj.modified_ms < grace {
            Some("younger than the grace period")
        } else {
            None
        };
        match reason {
            Some(r) if count => run.keep(r),
            Some(_) => {}
            None => doomed.push(obj),
        }
    }
    Ok(doomed)
}

async fn delete_outputs(
    run: &mut Run<'_>,
    prefix: &str,
    grace: i64,
    doomed: Vec<ObjectInfo>,
) -> Result<(), SweepError> {
    if doomed.is_empty() {
        return Ok(());
    }
    crate::failpoint::hit("sweep-delete").await;
    run.renew().await?;
    // Lock the uploads these objects belong to, so no job can claim one, re-store and commit
    // between the last check below and the delete; then check again under the lock.
    let ids: Vec<String> = doomed
        .iter()
        .filter_map(|o| upload_id_of(&o.key, prefix).map(str::to_owned))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let until = now_ms() + i64::try_from(LOCK_FOR.as_millis()).unwrap_or(300_000);
    let locked = run.app.db.lock_for_sweep(&ids, until).await?;
    let result = delete_locked(run, prefix, grace, doomed, &locked).await;
    if let Err(e) = run.app.db.unlock_for_sweep(&ids).await {
        tracing::warn!(error = %e, "Could not release the sweep's upload locks; they expire on their own.");
    }
    result
}

/// How long a sweep may hold uploads' locks (a crashed sweep's locks expire after it).
const LOCK_FOR: std::time::Duration = std::time::Duration::from_secs(300);

async fn delete_locked(
    run: &mut Run<'_>,
    prefix: &str,
    grace: i64,
    doomed: Vec<ObjectInfo>,
    locked: &HashSet<String>,
) -> Result<(), SweepError> {
    let (mine, busy): (Vec<ObjectInfo>, Vec<ObjectInfo>) =
        doomed.into_iter().partition(|o| upload_id_of(&o.key, prefix).is_some_and(|id| locked.contains(id)));
    for _ in busy {
        run.keep("its upload is in progress");
    }
    // Re-check right before deleting: a job may have committed (or rewritten) since.
    let fresh = refreshed(run, mine).await;
    let still = judge_outputs(run, prefix, grace, fresh.clone(), false).await?;
    let still_keys: HashSet<&str> = still.iter().map(|o| o.key.as_str()).collect();
    for obj in &fresh {
        if !still_keys.contains(obj.key.as_str()) {
            run.keep("changed during the sweep (re-checked before deleting)");
        }
    }
    crate::failpoint::hit("sweep-locked").await;
    for obj in still {
        let storage = run.app.storage.clone();
        let key = obj.key.clone();
        if !run.remove(&obj.key, "output no upload references", async move { storage.delete(&key).await }).await? {
            break;
        }
    }
    Ok(())
}

/// Re-reads each object's age (a rewritten object is young again); vanished ones drop out.
async fn refreshed(run: &mut Run<'_>, objs: Vec<ObjectInfo>) -> Vec<ObjectInfo> {
    let mut out = Vec::with_capacity(objs.len());
    for o in objs {
        match run.app.storage.head(&o.key).await {
            Ok(Some(now)) => out.push(now),
            Ok(None) => run.keep("already gone"),
            Err(e) => run.error(format!("{}: {e}", o.key)),
        }
    }
    out
}

/// Why an incoming original must stay, or `None` when it may go (with the reason it may).
fn judge_incoming(status: Option<Status>, age: i64, grace: i64, max_age: i64) -> Result<&'static str, &'static str> {
    match status {
        Some(s) if !s.is_terminal() => Ok("its upload is in progress"),
        Some(Status::Ready) if age >= grace => Err("original of an upload that is ready"),
        Some(Status::Ready) => Ok("younger than the grace period"),
        Some(_) if age >= max_age => Err("original of a rejected, failed or cancelled upload, past incoming_max_age"),
        Some(_) => Ok("kept for inspection or retry until incoming_max_age"),
        None if age >= max_age => Err("no upload ever used it, past incoming_max_age"),
        None => Ok("no upload yet (it may still be queued)"),
    }
}

async fn sweep_incoming(run: &mut Run<'_>) -> Result<(), SweepError> {
    let prefix = run.app.cfg.storage.incoming_prefix.clone();
    let grace = ms(run.app.cfg.sweep.orphans_grace.get());
    let max_age = ms(run.app.cfg.sweep.incoming_max_age.get());
    let mut token = None;
    loop {
        run.renew().await?;
        let page = run.app.storage.list_page(&prefix, token, PAGE).await?;
        let objs: Vec<ObjectInfo> = page.objects.into_iter().filter(|o| o.key.starts_with(&prefix)).collect();
        run.report.examined += objs.len() as u64;
        let decide = |states: &HashMap<String, crate::db::SourceState>, o: &ObjectInfo, now: i64| {
            judge_incoming(states.get(&o.key).map(|s| s.status), now - o.modified_ms, grace, max_age)
        };
        let keys: Vec<String> = objs.iter().map(|o| o.key.clone()).collect();
        let states = run.app.db.source_states(&keys).await?;
        let now = now_ms();
        let mut doomed = Vec::new();
        for o in objs {
            match decide(&states, &o, now) {
                Ok(keep) => run.keep(keep),
                Err(_) => doomed.push(o),
            }
        }
        if !doomed.is_empty() {
            crate::failpoint::hit("sweep-delete").await;
            let fresh = refreshed(run, doomed).await;
            let keys: Vec<String> = fresh.iter().map(|o| o.key.clone()).collect();
            let states = run.app.db.source_states(&keys).await?;
            let now = now_ms();
            for o in fresh {
                match decide(&states, &o, now) {
                    Ok(_) => run.keep("changed during the sweep (re-checked before deleting)"),
                    Err(reason) => {
                        let (storage, key) = (run.app.storage.clone(), o.key.clone());
                        if !run.remove(&o.key, reason, async move { storage.delete(&key).await }).await? {
                            break;
                        }
                    }
                }
            }
        }
        if run.capped() {
            break;
        }
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    Ok(())
}

async fn sweep_quarantine(run: &mut Run<'_>) -> Result<(), SweepError> {
    let prefix = run.app.cfg.storage.quarantine_prefix.clone();
    let retention = ms(run.app.cfg.sweep.quarantine_retention.get());
    let mut token = None;
    loop {
        run.renew().await?;
        let page = run.app.storage.list_page(&prefix, token, PAGE).await?;
        let now = now_ms();
        for o in page.objects.into_iter().filter(|o| o.key.starts_with(&prefix)) {
            run.report.examined += 1;
            if now - o.modified_ms < retention {
                run.keep("within quarantine_retention");
                continue;
            }
            let (storage, key) = (run.app.storage.clone(), o.key.clone());
            if !run.remove(&o.key, "quarantine retention expired", async move { storage.delete(&key).await }).await? {
                break;
            }
        }
        if run.capped() {
            break;
        }
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn incoming_originals_go_only_when_nothing_needs_them() {
        let j = |s, age| judge_incoming(s, age, 24 * H, 7 * 24 * H);
        assert!(j(Some(Status::Processing), 100 * 24 * H).is_ok(), "live upload");
        assert!(j(Some(Status::Retrying), 100 * 24 * H).is_ok(), "live upload");
        assert!(j(Some(Status::Ready), H).is_ok(), "young");
        assert!(j(Some(Status::Ready), 25 * H).is_err(), "leftover after commit");
        assert!(j(Some(Status::Failed), 25 * H).is_ok(), "kept for retry");
        assert!(j(Some(Status::Failed), 8 * 24 * H).is_err());
        assert!(j(None, 2 * 24 * H).is_ok(), "may still be queued");
        assert!(j(None, 8 * 24 * H).is_err(), "abandoned");
        // A store that gave no time: never old enough, whatever the state.
        let unknown = now_ms() - crate::storage::TIME_UNKNOWN_MS;
        for s in [Some(Status::Ready), Some(Status::Failed), None] {
            assert!(j(s, unknown).is_ok(), "{s:?} with no known time");
        }
    }
}
