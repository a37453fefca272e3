//! The on-disk cache of built circuit sets (every `zksettle` command, the
//! report and the benches load circuits through it, so they share one cache).
//!
//! The cache directory is `$ZKSETTLE_CACHE`, else `$XDG_CACHE_HOME/zksettle`,
//! else `~/.cache/zksettle`; `ZKSETTLE_CACHE=off` disables it. Entries are
//! keyed by a digest of the circuit crate's sources and the parameters, and
//! written atomically; an unreadable entry is rebuilt. Failing to read or
//! write the cache is never an error: the set is built instead.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::Instant;

use zksettle_circuits::chunk::ChunkParams;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::SOURCE_DIGEST;

use crate::io::write_atomic;

/// Where a circuit set came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Read from the cache file.
    Loaded {
        /// The cache file.
        path: PathBuf,
        /// Seconds to read and decode it.
        secs: f64,
    },
    /// Built in this process.
    Built {
        /// Seconds to build it.
        secs: f64,
        /// The cache file it was stored in, if it was.
        stored: Option<PathBuf>,
    },
}

/// The cache directory, `None` when disabled.
pub fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("ZKSETTLE_CACHE") {
        Some(v) if v == "off" => None,
        Some(v) => Some(v.into()),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("zksettle")),
    }
}

/// The cache file name of the chunk layouts `layouts` under this build of
/// the circuits.
pub fn cache_key(layouts: &[ChunkParams]) -> String {
    let mut hasher = DefaultHasher::new();
    SOURCE_DIGEST.hash(&mut hasher);
    format!("{layouts:?}").hash(&mut hasher);
    format!("circuits-{:016x}.bin", hasher.finish())
}

/// The circuit set of the chunk layouts `layouts`: loaded from the cache
/// when it holds one, else built and stored.
pub fn load_or_build(layouts: &[ChunkParams]) -> (CircuitSet, Origin) {
    let path = cache_dir().map(|d| d.join(cache_key(layouts)));
    if let Some(path) = &path {
        let clock = Instant::now();
        if let Ok(file) = std::fs::File::open(path) {
            let mut reader = std::io::BufReader::new(file);
            match CircuitSet::read_from(layouts, &mut reader) {
                Ok(set) => {
                    let secs = clock.elapsed().as_secs_f64();
                    tracing::info!(path = %path.display(), secs, "circuits loaded");
                    let path = path.clone();
                    return (set, Origin::Loaded { path, secs });
                }
                Err(_) => {
                    tracing::warn!(path = %path.display(), "unreadable circuit cache: rebuilding")
                }
            }
        }
    }
    let clock = Instant::now();
    let set = CircuitSet::build_layouts(layouts);
    let secs = clock.elapsed().as_secs_f64();
    tracing::info!(secs, build_ms = ?set.build_ms, "circuits built");
    let stored = path.filter(|path| match store(&set, path) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "circuit cache not written");
            false
        }
    });
    (set, Origin::Built { secs, stored })
}

fn store(set: &CircuitSet, path: &std::path::Path) -> Result<(), String> {
    let bytes = set
        .to_bytes()
        .map_err(|e| format!("serialising circuits: {e:?}"))?;
    std::fs::create_dir_all(path.parent().unwrap_or(path)).map_err(|e| e.to_string())?;
    write_atomic(path, &bytes).map_err(|e| e.to_string())
}
