//! `uploadd demo`: the embedded quick start. Enqueues files (or generated samples), runs the
//! real pipeline in-process until every job is terminal, and reports each outcome.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::app::App;
use crate::db::{DbError, Status};
use crate::media::samples;
use crate::producer::{self, EnqueueOptions, ProducerError};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Producer(#[from] ProducerError),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("cannot write samples to {path}: {source}")]
    Samples { path: String, source: std::io::Error },
    #[error("the worker stopped unexpectedly: {0}")]
    Worker(String),
}

/// One output as the demo reports it (part of the `--json` contract).
#[derive(Debug, Clone, Serialize)]
pub struct DemoOutput {
    pub variant: String,
    pub key: String,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: u64,
}

/// One upload's outcome (one `--json` line).
#[derive(Debug, Clone, Serialize)]
pub struct DemoRow {
    pub id: String,
    pub source: String,
    pub status: String,
    pub reason: Option<String>,
    pub detected_type: Option<String>,
    pub outputs: Vec<DemoOutput>,
    /// `{ "blurhash", "thumbhash", "dominant_color" }` for a ready image or video.
    pub placeholders: Option<serde_json::Value>,
}

impl DemoRow {
    pub fn is_terminal(&self) -> bool {
        Status::parse(&self.status).is_some_and(Status::is_terminal)
    }
}

/// Writes the sample files into `dir` and returns their paths. `with_video` adds a short clip
/// (needs ffmpeg).
pub fn write_samples(dir: &Path, video: Option<Vec<u8>>) -> Result<Vec<PathBuf>, DemoError> {
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Samples { path: dir.display().to_string(), source })?;
    let photo = samples::photo_jpeg(2400, 1600, 6);
    let truncated = photo[..photo.len() / 3].to_vec();
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("photo-rotated-exif.jpg", photo),
        ("transparent.png", samples::alpha_png(800, 600)),
        ("gradient.webp", samples::webp_image(1200, 800)),
        ("animation.gif", samples::gif_image(320, 240, 5)),
        ("report-renamed.jpg", samples::pdf_document()),
        ("truncated.jpg", truncated),
    ];
    if let Some(clip) = video {
        files.push(("clip.mp4", clip));
    }
    let mut out = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|source| DemoError::Samples { path: path.display().to_string(), source })?;
        out.push(path);
    }
    Ok(out)
}

/// Enqueues `files` with `profile`, processes them in-process and returns one row per file,
/// in the order given. `progress(done, total)` is called as jobs finish. Stops after `timeout`
/// even if some jobs are still retrying (their rows say so).
pub async fn run(
    app: Arc<App>,
    files: &[PathBuf],
    profile: &str,
    timeout: Duration,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<DemoRow>, DemoError> {
    // Check every file before enqueuing any, so bad input changes nothing.
    for f in files {
        let meta = std::fs::metadata(f)
            .map_err(|source| ProducerError::Unreadable { path: f.display().to_string(), source })?;
        if !meta.is_file() {
            return Err(ProducerError::NotAFile { path: f.display().to_string() }.into());
        }
    }
    let mut ids: Vec<(Uuid, String)> = Vec::with_capacity(files.len());
    for f in files {
        let id = producer::enqueue_file(&app, f, profile, EnqueueOptions::default()).await?;
        ids.push((id, f.display().to_string()));
    }
    let stop = CancellationToken::new();
    let worker = tokio::spawn(crate::worker::run(app.clone(), crate::worker::worker_name(), stop.clone()));
    let started = Instant::now();
    let total = ids.len();
    let rows = loop {
        let rows = collect(&app, &ids).await?;
        let done = rows.iter().filter(|r| r.is_terminal()).count();
        progress(done, total);
        if done == total || started.elapsed() > timeout {
            break rows;
        }
        if worker.is_finished() {
            return Err(DemoError::Worker("worker task ended".into()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    stop.cancel();
    match worker.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(DemoError::Worker(e.to_string())),
        Err(e) => return Err(DemoError::Worker(e.to_string())),
    }
    Ok(rows)
}

async fn collect(app: &App, ids: &[(Uuid, String)]) -> Result<Vec<DemoRow>, DemoError> {
    let mut rows = Vec::with_capacity(ids.len());
    for (id, source) in ids {
        let rec = app.db.get(&id.to_string()).await?;
        rows.push(match rec {
            Some(r) => DemoRow {
                id: r.id,
                source: source.clone(),
                status: r.status.as_str().to_owned(),
                reason: if matches!(r.status, Status::Rejected | Status::Failed | Status::Retrying) {
                    r.reason
                } else {
                    None
                },
                detected_type: r.detected_type,
                outputs: r
                    .outputs
                    .into_iter()
                    .map(|o| DemoOutput {
                        variant: o.variant,
                        key: o.key,
                        content_type: o.content_type,
                        width: o.width,
                        height: o.height,
                        bytes: o.bytes,
                    })
                    .collect(),
                placeholders: r.placeholders,
            },
            None => DemoRow {
                id: id.to_string(),
                source: source.clone(),
                status: "queued".into(),
                reason: None,
                detected_type: None,
                outputs: Vec::new(),
                placeholders: None,
            },
        });
    }
    Ok(rows)
}
