//! Where blobs live, read from `SIGNET_BLOB_URL`: `file:///path` or
//! `s3://bucket[/prefix]?endpoint=http://127.0.0.1:8333&region=us-east-1`.

use std::path::PathBuf;

use crate::error::CoreError;

/// A parsed blob location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    File(PathBuf),
    S3(S3Location),
}

/// An S3-compatible bucket, addressed path-style (`endpoint/bucket/key`), which every
/// self-hosted server (SeaweedFS, MinIO, Ceph) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Keys start with this (no leading or trailing `/`); empty for the bucket's root.
    pub prefix: String,
    /// `None` means AWS itself for the region.
    pub endpoint: Option<String>,
    pub region: String,
}

/// The access key pair for the S3 backend: from the settings file, overridden by
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in the environment.
#[derive(Clone, Default)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

fn bad(url: &str, why: &str) -> CoreError {
    CoreError::internal(format!("blob URL {url}: {why}"))
}

impl BlobLocation {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(raw, &e.to_string()))?;
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| bad(raw, "file:// needs an absolute local path"))?;
                if url.query().is_some() {
                    return Err(bad(raw, "file:// takes no query"));
                }
                Ok(Self::File(path))
            }
            "s3" => {
                let bucket = url
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| bad(raw, "no bucket (s3://bucket?endpoint=…)"))?
                    .to_owned();
                let prefix = url.path().trim_matches('/').to_owned();
                if prefix.split('/').any(|part| part == ".." || part == ".") {
                    return Err(bad(raw, "the key prefix may not hold . or .."));
                }
                let mut endpoint = None;
                let mut region = None;
                for (key, value) in url.query_pairs() {
                    match key.as_ref() {
                        "endpoint" => {
                            let parsed = url::Url::parse(&value)
                                .map_err(|e| bad(raw, &format!("endpoint: {e}")))?;
                            if !matches!(parsed.scheme(), "http" | "https") {
                                return Err(bad(raw, "endpoint must be http:// or https://"));
                            }
                            endpoint = Some(value.trim_end_matches('/').to_owned());
                        }
                        "region" => region = Some(value.into_owned()),
                        other => {
                            return Err(bad(
                                raw,
                                &format!("unknown parameter {other} (endpoint, region)"),
                            ));
                        }
                    }
                }
                Ok(Self::S3(S3Location {
                    bucket,
                    prefix,
                    endpoint,
                    region: region.unwrap_or_else(|| "us-east-1".to_owned()),
                }))
            }
            other => Err(bad(raw, &format!("unknown scheme {other}: (file or s3)"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read() {
        assert_eq!(
            BlobLocation::parse("file:///var/lib/signet/blobs").unwrap(),
            BlobLocation::File(PathBuf::from("/var/lib/signet/blobs"))
        );
        assert_eq!(
            BlobLocation::parse(
                "s3://signet/prod/blobs?endpoint=http://127.0.0.1:8333/&region=cn-east-1"
            )
            .unwrap(),
            BlobLocation::S3(S3Location {
                bucket: "signet".into(),
                prefix: "prod/blobs".into(),
                endpoint: Some("http://127.0.0.1:8333".into()),
                region: "cn-east-1".into(),
            })
        );
        let BlobLocation::S3(plain) = BlobLocation::parse("s3://signet").unwrap() else {
            panic!("s3")
        };
        assert_eq!(
            (plain.prefix.as_str(), plain.region.as_str()),
            ("", "us-east-1")
        );
        for wrong in [
            "ftp://x",
            "s3://",
            "s3://b?endpoint=ftp://x",
            "s3://b?bucket=x",
            "file://host/x",
            "blobs",
        ] {
            assert!(BlobLocation::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let creds = S3Credentials {
            access_key_id: "AK".into(),
            secret_access_key: "very-secret".into(),
        };
        assert!(!format!("{creds:?}").contains("very-secret"));
    }
}
