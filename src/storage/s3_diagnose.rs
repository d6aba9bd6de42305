//! What `uploadd doctor` asks of the bucket: every operation uploadd needs, tried on a probe
//! object under each managed prefix (so a key missing one permission on one prefix is named),
//! the lifecycle rule for stale multipart uploads, and the server's clock.

use aws_sdk_s3::primitives::ByteStream;

use super::s3::{S3Store, error_text};
use super::{Diagnosis, Probe};

/// The S3 permission each operation needs (named in the fix when it is refused).
const PERMISSIONS: &[(&str, &str)] = &[
    ("put", "s3:PutObject"),
    ("get", "s3:GetObject"),
    ("list", "s3:ListBucket"),
    ("delete", "s3:DeleteObject"),
    ("multipart create", "s3:PutObject"),
    ("multipart abort", "s3:AbortMultipartUpload"),
    ("multipart list", "s3:ListBucketMultipartUploads"),
];

pub fn permission_for(op: &str) -> &'static str {
    PERMISSIONS.iter().find(|(o, _)| *o == op).map_or("the matching permission", |(_, p)| p)
}

impl S3Store {
    /// The days after which the bucket's lifecycle rule aborts incomplete multipart uploads,
    /// if it has one (not every S3-compatible store supports lifecycle rules).
    pub async fn lifecycle_abort_days(&self) -> Option<i32> {
        let out = self.client().get_bucket_lifecycle_configuration().bucket(self.bucket()).send().await.ok()?;
        out.rules().iter().find_map(|r| r.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()))
    }

    pub async fn diagnose(&self, prefixes: &[String]) -> Diagnosis {
        let mut probes = Vec::new();
        let (bucket, c) = (self.bucket(), self.client());
        for prefix in prefixes {
            let key = format!("{prefix}.uploadd-doctor-{}", uuid::Uuid::new_v4().simple());
            let mut probe = |op: &'static str, r: Result<(), String>| {
                probes.push(Probe { prefix: prefix.clone(), op, result: r });
            };
            let put = c
                .put_object()
                .bucket(bucket)
                .key(&key)
                .body(ByteStream::from_static(b"uploadd doctor probe"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_text(&e));
            let stored = put.is_ok();
            probe("put", put);
            if stored {
                let get = match c.get_object().bucket(bucket).key(&key).send().await {
                    Ok(out) => out.body.collect().await.map(|_| ()).map_err(|e| e.to_string()),
                    Err(e) => Err(error_text(&e)),
                };
                probe("get", get);
            }
            let list = c.list_objects_v2().bucket(bucket).prefix(prefix).max_keys(1).send().await;
            probe("list", list.map(|_| ()).map_err(|e| error_text(&e)));
            if stored {
                let del = c.delete_object().bucket(bucket).key(&key).send().await;
                probe("delete", del.map(|_| ()).map_err(|e| error_text(&e)));
            }
            match c.create_multipart_upload().bucket(bucket).key(&key).send().await {
                Ok(out) => {
                    probe("multipart create", Ok(()));
                    let id = out.upload_id().unwrap_or_default().to_owned();
                    let abort = c.abort_multipart_upload().bucket(bucket).key(&key).upload_id(id).send().await;
                    probe("multipart abort", abort.map(|_| ()).map_err(|e| error_text(&e)));
                }
                Err(e) => probe("multipart create", Err(error_text(&e))),
            }
            let mp = c.list_multipart_uploads().bucket(bucket).prefix(prefix).max_uploads(1).send().await;
            probe("multipart list", mp.map(|_| ()).map_err(|e| error_text(&e)));
        }
        let lifecycle = match c.get_bucket_lifecycle_configuration().bucket(bucket).send().await {
            Ok(out) => Some(out.rules().iter().any(|r| r.abort_incomplete_multipart_upload().is_some())),
            Err(e) if error_text(&e).contains("NoSuchLifecycleConfiguration") => Some(false),
            Err(_) => None,
        };
        // The server's clock, from the Date header of a request it answers (a HEAD of a key
        // that does not exist: its error response keeps its headers).
        let missing = format!(
            "{}.uploadd-doctor-clock-{}",
            prefixes.first().map_or("", String::as_str),
            uuid::Uuid::new_v4().simple()
        );
        let server_date = match c.head_object().bucket(bucket).key(&missing).send().await {
            Err(e) => e.raw_response().and_then(|r| r.headers().get("date")).map(str::to_owned),
            Ok(_) => None,
        };
        let clock_skew_ms = server_date.and_then(|d| {
            let t = chrono::DateTime::parse_from_rfc2822(&d).ok()?;
            Some(crate::units::now_ms() - t.timestamp_millis())
        });
        Diagnosis { probes, lifecycle_abort_rule: lifecycle, clock_skew_ms }
    }
}
