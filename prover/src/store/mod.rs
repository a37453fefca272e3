//! The proof store of the cluster: content-addressed objects (epoch inputs,
//! proofs) in a directory (a shared volume) or in S3-compatible object
//! storage, through `object_store`.
//!
//! A store URL is either a directory path (created if missing) or
//! `s3://bucket/prefix` (credentials and endpoint from the usual `AWS_*`
//! environment variables). Objects are written whole: the directory
//! backend writes a staging file and renames it, S3 puts are atomic, so a
//! reader never sees half an object. Keys are hex digests of what the
//! object is (see [`crate::cluster::task`]), so an object, once written, is
//! never rewritten with other content.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest as _, Sha256};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no store this build can open.
    #[error("store {url}: {reason}")]
    Open {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing an object failed.
    #[error("store object {key}: {source}")]
    Object {
        /// The object's key.
        key: String,
        /// Cause.
        source: object_store::Error,
    },
    /// An object the task needs is not in the store.
    #[error("store object {key}: missing")]
    Missing {
        /// The object's key.
        key: String,
    },
}

/// A content-addressed object store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.url)
    }
}

/// The hex SHA-256 of `parts`, each length-prefixed (so no two lists of
/// parts collide by concatenation).
pub fn digest_of(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

impl Store {
    /// Opens the store at `url`: a directory path or `s3://bucket/prefix`.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let fail = |reason: String| StoreError::Open {
            url: url.into(),
            reason,
        };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(fail("no bucket".into()));
            }
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| fail(e.to_string()))?;
            return Ok(Self {
                inner: Arc::new(s3),
                prefix: ObjectPath::from(prefix),
                url: url.into(),
            });
        }
        if url.contains("://") {
            return Err(fail(
                "expected a directory path or s3://bucket/prefix".into(),
            ));
        }
        std::fs::create_dir_all(url).map_err(|e| fail(e.to_string()))?;
        let local = LocalFileSystem::new_with_prefix(url).map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(local),
            prefix: ObjectPath::from(""),
            url: url.into(),
        })
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.as_ref().is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Whether the object `key` exists.
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self.inner.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(StoreError::Object {
                key: key.into(),
                source,
            }),
        }
    }

    /// The bytes of the object `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let fail = |source| StoreError::Object {
            key: key.into(),
            source,
        };
        match self.inner.get(&self.path(key)).await {
            Ok(result) => Ok(result.bytes().await.map_err(fail)?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StoreError::Missing { key: key.into() })
            }
            Err(source) => Err(fail(source)),
        }
    }

    /// Writes the object `key` whole (atomically).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&self.path(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|source| StoreError::Object {
                key: key.into(),
                source,
            })
    }
}
