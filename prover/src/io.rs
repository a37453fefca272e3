//! File input and output with typed errors: JSON reading that names the file,
//! and atomic writes (temporary file in the same directory, then rename), so
//! a failed command never leaves a partial output.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// Reading failed.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The content is not the expected JSON.
    #[error("{path}: malformed JSON: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Cause, with line and column.
        source: serde_json::Error,
    },
    /// Writing failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Reads and parses a JSON file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, IoError> {
    let bytes = fs::read(path).map_err(|source| IoError::Read {
        path: path.into(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| IoError::Parse {
        path: path.into(),
        source,
    })
}

/// Serialises `value` as pretty JSON with a trailing newline.
pub fn to_json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced,
/// then renamed over the destination.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let fail = |source| IoError::Write {
        path: path.into(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// Writes a value as JSON atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), IoError> {
    write_atomic(path, &to_json_bytes(value))
}
