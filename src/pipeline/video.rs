//! The video stage (probe, transcode, poster). Placeholder until the video issue lands.

use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use super::{Failure, Produced, Stage};
use crate::app::App;
use crate::config::Profile;
use crate::workdir::JobDir;

use super::validate::Detected;

#[allow(clippy::too_many_arguments)]
pub async fn render_video(
    _app: &Arc<App>,
    _id: Uuid,
    _profile: &Profile,
    detected: &Detected,
    _source: &Path,
    _sha256: &str,
    _size: u64,
    _dir: &JobDir,
) -> Result<Vec<Produced>, Failure> {
    Err(Failure::fail(
        Stage::Video,
        "video_unsupported",
        format!("{} uploads are recognised but this build does not process video yet", detected.mime),
    ))
}

/// A short generated clip for `uploadd demo`, or `None` when ffmpeg is unavailable.
pub async fn sample_clip(_cfg: &crate::config::VideoConfig) -> Option<Vec<u8>> {
    None
}
