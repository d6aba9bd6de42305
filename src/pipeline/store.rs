//! The store stage: every output goes to `{output_prefix}{id}/{variant}.{ext}` with its
//! Content-Type and Cache-Control, atomically (a reader sees no object or the whole one); a
//! kept original goes to `{originals_prefix}{id}/original.{ext}`, privately. Keys are built
//! from server-side values only; re-storing after a crash overwrites the same keys.

use super::attempt::{Attempt, Produced, Stop, output_key, storage_failure};
use super::validate::Detected;
use crate::db::OutputRecord;
use futures_util::{StreamExt, TryStreamExt};

use crate::outcome::{Failure, Stage};
use crate::storage::{Fetched, PutOptions};

/// Outputs uploaded at once.
const PARALLEL_PUTS: usize = 4;

pub async fn run(
    a: &Attempt<'_>,
    fetched: &Fetched,
    detected: &Detected,
    produced: &[Produced],
) -> Result<Vec<OutputRecord>, Stop> {
    let _t = a.enter(Stage::Store).await;
    let (app, id) = (a.app, a.id());
    let prefix = &app.cfg.storage.output_prefix;
    let cache = (!app.cfg.storage.cache_control.is_empty()).then_some(app.cfg.storage.cache_control.as_str());
    // Up to four uploads at once (a job's outputs are a handful; each streams from its file), in
    // the outputs' order. (The futures are collected first: a closure inside the stream would
    // make the pipeline's future not `Send`.)
    let puts: Vec<_> = produced.iter().map(|p| put_output(app, prefix, id, cache, p)).collect();
    let mut outputs: Vec<OutputRecord> = futures_util::stream::iter(puts).buffered(PARALLEL_PUTS).try_collect().await?;
    if a.profile.keep_original {
        // Under its own prefix, privately: the original still carries the client's metadata.
        let key = output_key(&app.cfg.storage.originals_prefix, id, "original", detected.media.extension());
        let private = app.cfg.storage.originals_cache_control.as_str();
        let cache = (!private.is_empty()).then_some(private);
        let opts = PutOptions { content_type: detected.mime(), cache_control: cache, sha256: Some(&fetched.sha256) };
        app.storage.put_file(&key, &a.source, opts).await.map_err(|e| storage_failure(Stage::Store, e))?;
        outputs.push(OutputRecord {
            variant: "original".into(),
            key,
            content_type: detected.mime().to_owned(),
            bytes: fetched.bytes,
            width: None,
            height: None,
            sha256: fetched.sha256.clone(),
        });
    }
    Ok(outputs)
}

/// Uploads one output under its deterministic key.
async fn put_output(
    app: &crate::app::App,
    prefix: &str,
    id: uuid::Uuid,
    cache: Option<&str>,
    p: &Produced,
) -> Result<OutputRecord, Failure> {
    let key = output_key(prefix, id, &p.variant, p.extension);
    let opts = PutOptions { content_type: p.content_type, cache_control: cache, sha256: Some(&p.sha256) };
    app.storage.put_file(&key, &p.path, opts).await.map_err(|e| storage_failure(Stage::Store, e))?;
    app.metrics.bytes_out.inc_by(p.bytes);
    crate::failpoint::hit("store-each").await;
    Ok(OutputRecord {
        variant: p.variant.clone(),
        key,
        content_type: p.content_type.to_owned(),
        bytes: p.bytes,
        width: p.width,
        height: p.height,
        sha256: p.sha256.clone(),
    })
}
