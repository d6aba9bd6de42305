//! The multipart sweep: abort in-progress multipart uploads (left by browsers that never
//! completed a presigned upload; S3 bills their parts forever) initiated more than
//! `multipart_max_age` ago, under the managed prefixes only. Parts still uploading can
//! complete after an abort, so the sweep lists again and re-aborts what is still there.

use std::collections::HashSet;

use super::{Run, SweepError};
use crate::storage::Storage;
use crate::units::now_ms;

pub(super) async fn sweep(run: &mut Run<'_>) -> Result<(), SweepError> {
    let Storage::S3(s3) = &run.app.storage else {
        run.report.notes.push("the local store has no multipart uploads; nothing to do".into());
        return Ok(());
    };
    let cfg = &run.app.cfg;
    let prefixes = [
        cfg.storage.incoming_prefix.clone(),
        cfg.storage.output_prefix.clone(),
        cfg.storage.originals_prefix.clone(),
        cfg.storage.quarantine_prefix.clone(),
    ];
    let max_age = i64::try_from(cfg.sweep.multipart_max_age.get().as_millis()).unwrap_or(i64::MAX);
    if let Some(note) = lifecycle_note(s3).await {
        run.report.notes.push(note);
    }
    let mut aborted: HashSet<(String, String)> = HashSet::new();
    let mut marker = None;
    loop {
        run.renew().await?;
        let Some(page) = run.app.storage.list_multipart(marker).await? else {
            break;
        };
        let now = now_ms();
        for u in page.uploads {
            run.report.examined += 1;
            if !prefixes.iter().any(|p| u.key.starts_with(p.as_str())) {
                run.keep("outside the managed prefixes");
                continue;
            }
            if now - u.initiated_ms < max_age {
                run.keep("younger than multipart_max_age");
                continue;
            }
            let (storage, key, id) = (run.app.storage.clone(), u.key.clone(), u.upload_id.clone());
            let label = format!("{} (upload {})", u.key, u.upload_id);
            if !run
                .remove(&label, "stale multipart upload", async move { storage.abort_multipart(&key, &id).await })
                .await?
            {
                break;
            }
            aborted.insert((u.key, u.upload_id));
        }
        if run.capped() {
            break;
        }
        match page.next {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    if run.report.dry_run || aborted.is_empty() {
        return Ok(());
    }
    // Never assume one abort is final: a part in flight can resurrect the upload.
    let mut marker = None;
    loop {
        let Some(page) = run.app.storage.list_multipart(marker).await? else {
            break;
        };
        for u in page.uploads {
            if aborted.contains(&(u.key.clone(), u.upload_id.clone()))
                && let Err(e) = run.app.storage.abort_multipart(&u.key, &u.upload_id).await
            {
                run.error(format!("re-abort {}: {e}", u.key));
            }
        }
        match page.next {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    Ok(())
}

/// Tells operators whether the bucket already has an AbortIncompleteMultipartUpload rule
/// (then this sweep is a backstop).
async fn lifecycle_note(s3: &crate::storage::S3Store) -> Option<String> {
    s3.lifecycle_abort_days().await.map(|days| {
        format!("the bucket also has an AbortIncompleteMultipartUpload lifecycle rule ({days} days); this sweep is a backstop")
    })
}
