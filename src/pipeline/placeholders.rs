//! The placeholders stage: BlurHash, ThumbHash and dominant colour of a ready image (or a
//! video's poster), from the smallest image output already made — decoding a thumbnail costs
//! about a millisecond, the original never is decoded again.
//!
//! Placeholders are a convenience, not the upload: if they cannot be computed (a bug, since
//! the input is our own output) the upload still becomes `ready`, without them, and a
//! warning is logged.

use super::attempt::{Attempt, Produced};
use crate::formats::OutputFormat;
use crate::media::placeholder::{self, Placeholders};
use crate::outcome::Stage;

pub async fn run(a: &Attempt<'_>, produced: &[Produced]) -> Option<Placeholders> {
    let smallest = produced
        .iter()
        .filter_map(|p| Some((p, OutputFormat::from_content_type(p.content_type)?, p.width?, p.height?)))
        .min_by_key(|(_, _, w, h)| u64::from(*w) * u64::from(*h))?;
    let (output, format) = (smallest.0, smallest.1);
    let _t = a.enter(Stage::Placeholders).await;
    let path = output.path.clone();
    let background = a.profile.background_rgb();
    let computed = a
        .app
        .cpu
        .run(move || {
            let data = std::fs::read(&path).map_err(|e| e.to_string())?;
            placeholder::compute(&data, format, background).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    match computed {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(upload = %a.id(), variant = %output.variant, error = %e, "Could not compute placeholders; the upload is ready without them.");
            None
        }
    }
}
