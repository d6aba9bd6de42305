//! S3 backend (`aws-sdk-s3`), tested against Garage. Streams bodies in both directions,
//! uploads large files in parts (aborting the upload on any failure) and classifies errors:
//! 404 is `NotFound`; everything else is an infrastructure problem the pipeline retries.

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_smithy_http_client::tls;

use super::{
    AsyncChunks, Fetched, ListPage, MultipartInfo, MultipartPage, ObjectInfo, PutOptions, StorageError,
    TIME_UNKNOWN_MS, stream_into_file,
};
use crate::config::StorageConfig;

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    multipart_threshold: u64,
    part_size: u64,
}

impl S3Store {
    pub async fn from_config(cfg: &StorageConfig) -> Result<S3Store, StorageError> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).http_client(http).region(Region::new(cfg.region.clone()));
        if !cfg.access_key_id.is_empty() {
            loader = loader.credentials_provider(Credentials::new(
                cfg.access_key_id.clone(),
                cfg.secret_access_key.clone(),
                None,
                None,
                "uploadd-config",
            ));
        }
        let shared = loader.load().await;
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(cfg.request_timeout.get())
            .build();
        let mut b = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(cfg.force_path_style)
            .timeout_config(timeouts)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(3))
            // Flexible checksums (aws-chunked with trailers) are not understood by every
            // S3-compatible store; Garage rejects streamed file bodies signed that way.
            .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired);
        if !cfg.endpoint.is_empty() {
            b = b.endpoint_url(cfg.endpoint.clone());
        }
        Ok(S3Store {
            client: Client::from_conf(b.build()),
            bucket: cfg.bucket.clone(),
            multipart_threshold: cfg.multipart_threshold.bytes(),
            part_size: cfg.multipart_part_size.bytes(),
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some(ObjectInfo {
                key: key.to_owned(),
                size: out.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                modified_ms: out.last_modified().map_or(TIME_UNKNOWN_MS, |t| t.to_millis().unwrap_or(TIME_UNKNOWN_MS)),
            })),
            Err(e) => match classify("HeadObject", key, e) {
                StorageError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    pub async fn fetch_to_file(&self, key: &str, dest: &Path, limit: u64) -> Result<Fetched, StorageError> {
        // Refuse from the size in the header first: an oversized object is never downloaded.
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify("GetObject", key, e))?;
        if let Some(len) = out.content_length().and_then(|n| u64::try_from(n).ok())
            && len > limit
        {
            return Err(StorageError::TooLarge { limit, size: Some(len) });
        }
        stream_into_file(BodyChunks(out.body), dest, limit).await
    }

    pub async fn put_file(&self, key: &str, src: &Path, opts: PutOptions<'_>) -> Result<u64, StorageError> {
        let size = tokio::fs::metadata(src).await.map_err(|e| StorageError::io(src.display().to_string(), e))?.len();
        if size >= self.multipart_threshold {
            self.put_multipart(key, src, size, opts).await?;
            return Ok(size);
        }
        let body = ByteStream::from_path(src)
            .await
            .map_err(|e| StorageError::io(src.display().to_string(), std::io::Error::other(e.to_string())))?;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(opts.content_type)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .body(body);
        if let Some(cc) = opts.cache_control {
            req = req.cache_control(cc);
        }
        if let Some(sha) = opts.sha256 {
            req = req.metadata("sha256", sha);
        }
        req.send().await.map_err(|e| classify("PutObject", key, e))?;
        Ok(size)
    }

    async fn put_multipart(&self, key: &str, src: &Path, size: u64, opts: PutOptions<'_>) -> Result<(), StorageError> {
        let mut create =
            self.client.create_multipart_upload().bucket(&self.bucket).key(key).content_type(opts.content_type);
        if let Some(cc) = opts.cache_control {
            create = create.cache_control(cc);
        }
        if let Some(sha) = opts.sha256 {
            create = create.metadata("sha256", sha);
        }
        let created = create.send().await.map_err(|e| classify("CreateMultipartUpload", key, e))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| StorageError::S3 {
                op: "CreateMultipartUpload",
                message: "no upload id in the response".into(),
            })?
            .to_owned();
        let result = async {
            let mut parts = Vec::new();
            let mut offset = 0u64;
            let mut number = 1i32;
            while offset < size {
                let len = self.part_size.min(size - offset);
                let body =
                    ByteStream::read_from().path(src).offset(offset).length(Length::Exact(len)).build().await.map_err(
                        |e| StorageError::io(src.display().to_string(), std::io::Error::other(e.to_string())),
                    )?;
                let part = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .content_length(i64::try_from(len).unwrap_or(i64::MAX))
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| classify("UploadPart", key, e))?;
                parts.push(
                    CompletedPart::builder().part_number(number).set_e_tag(part.e_tag().map(str::to_owned)).build(),
                );
                offset += len;
                number += 1;
            }
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .send()
                .await
                .map_err(|e| classify("CompleteMultipartUpload", key, e))?;
            Ok(())
        }
        .await;
        if result.is_err() {
            // Best effort: the multipart sweep aborts whatever this leaves behind.
            let _ = self.abort_multipart(key, &upload_id).await;
        }
        result
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.client.delete_object().bucket(&self.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(e) => match classify("DeleteObject", key, e) {
                StorageError::NotFound(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    pub async fn copy(&self, from: &str, to: &str, opts: PutOptions<'_>) -> Result<(), StorageError> {
        let mut req = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{}", self.bucket, percent_encode_key(from)))
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .content_type(opts.content_type);
        if let Some(cc) = opts.cache_control {
            req = req.cache_control(cc);
        }
        if let Some(sha) = opts.sha256 {
            req = req.metadata("sha256", sha);
        }
        req.send().await.map_err(|e| classify("CopyObject", from, e))?;
        Ok(())
    }

    pub async fn list_page(&self, prefix: &str, token: Option<String>, max: usize) -> Result<ListPage, StorageError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .max_keys(i32::try_from(max.min(1000)).unwrap_or(1000))
            .send()
            .await
            .map_err(|e| classify("ListObjectsV2", prefix, e))?;
        let objects = out
            .contents()
            .iter()
            .filter_map(|o| {
                Some(ObjectInfo {
                    key: o.key()?.to_owned(),
                    size: o.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                    modified_ms: o
                        .last_modified()
                        .map_or(TIME_UNKNOWN_MS, |t| t.to_millis().unwrap_or(TIME_UNKNOWN_MS)),
                })
            })
            .collect();
        let next =
            if out.is_truncated() == Some(true) { out.next_continuation_token().map(str::to_owned) } else { None };
        Ok(ListPage { objects, next })
    }

    pub async fn list_multipart(&self, marker: Option<(String, String)>) -> Result<MultipartPage, StorageError> {
        let (key_marker, id_marker) = marker.unzip();
        let out = self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .set_key_marker(key_marker)
            .set_upload_id_marker(id_marker)
            .max_uploads(1000)
            .send()
            .await
            .map_err(|e| classify("ListMultipartUploads", "", e))?;
        let uploads = out
            .uploads()
            .iter()
            .filter_map(|u| {
                Some(MultipartInfo {
                    key: u.key()?.to_owned(),
                    upload_id: u.upload_id()?.to_owned(),
                    initiated_ms: u.initiated().map_or(TIME_UNKNOWN_MS, |t| t.to_millis().unwrap_or(TIME_UNKNOWN_MS)),
                })
            })
            .collect();
        let next = if out.is_truncated() == Some(true) {
            match (out.next_key_marker(), out.next_upload_id_marker()) {
                (Some(k), Some(u)) => Some((k.to_owned(), u.to_owned())),
                _ => None,
            }
        } else {
            None
        };
        Ok(MultipartPage { uploads, next })
    }

    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        match self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload_id).send().await {
            Ok(_) => Ok(()),
            Err(e) => match classify("AbortMultipartUpload", key, e) {
                StorageError::NotFound(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    pub async fn health_check(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| classify("HeadBucket", &self.bucket, e))?;
        Ok(())
    }
}

struct BodyChunks(ByteStream);

impl AsyncChunks for BodyChunks {
    type Error = StorageError;
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, StorageError> {
        match self.0.next().await {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => {
                Err(StorageError::S3 { op: "GetObject (body)", message: DisplayErrorContext(&e).to_string() })
            }
        }
    }
}

/// An S3 error as one line: the service's code and message when it sent them.
pub(super) fn error_text<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match (err.code(), err.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

fn classify<E>(op: &'static str, key: &str, err: SdkError<E, HttpResponse>) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    // A missing bucket is a 404 too (`NoSuchBucket`): a misconfiguration to retry through, not
    // a missing object. Only a body-less 404 (HEAD) is taken as the object's absence.
    let not_found = match err.code() {
        Some("NoSuchKey" | "NotFound" | "NoSuchUpload") => true,
        Some(_) => false,
        None => status == Some(404),
    };
    if not_found {
        return StorageError::NotFound(key.to_owned());
    }
    StorageError::S3 { op, message: DisplayErrorContext(&err).to_string() }
}

/// Percent-encodes an object key for `x-amz-copy-source` (keeps `/` and unreserved characters).
fn percent_encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_keys_are_encoded() {
        assert_eq!(percent_encode_key("incoming/a b+ü.jpg"), "incoming/a%20b%2B%C3%BC.jpg");
    }
}
