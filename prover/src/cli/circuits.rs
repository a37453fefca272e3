//! The circuit set a command proves with: loaded from the on-disk cache
//! when it holds one built by this code for these parameters, else built
//! (about 40 s for the default parameters) and stored.
//!
//! The cache directory is `$ZKSETTLE_CACHE`, else `$XDG_CACHE_HOME/zksettle`,
//! else `~/.cache/zksettle`; `ZKSETTLE_CACHE=off` disables it. Entries are
//! keyed by a digest of the circuit crate's sources and the parameters, and
//! written atomically; an unreadable entry is rebuilt.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use zksettle_circuits::chunk::ChunkParams;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::Market;
use zksettle_circuits::SOURCE_DIGEST;
use zksettle_prover::export::params_for;
use zksettle_prover::io::write_atomic;

/// The cache directory, `None` when disabled.
fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("ZKSETTLE_CACHE") {
        Some(v) if v == "off" => None,
        Some(v) => Some(v.into()),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("zksettle")),
    }
}

fn cache_key(params: &ChunkParams) -> String {
    let mut hasher = DefaultHasher::new();
    SOURCE_DIGEST.hash(&mut hasher);
    format!("{params:?}").hash(&mut hasher);
    format!("circuits-{:016x}.bin", hasher.finish())
}

/// The circuits for `market`'s shape and `capacity` steps per chunk.
pub fn load_or_build(market: &Market, capacity: usize) -> Result<CircuitSet> {
    anyhow::ensure!(capacity > 0, "--capacity must be at least 1");
    let params = params_for(market, capacity);
    let path = cache_dir().map(|d| d.join(cache_key(&params)));
    if let Some(path) = &path {
        let clock = Instant::now();
        if let Ok(bytes) = std::fs::read(path) {
            match CircuitSet::from_bytes(params, &bytes) {
                Ok(set) => {
                    tracing::info!(path = %path.display(), ms = clock.elapsed().as_millis() as u64, "circuits loaded");
                    return Ok(set);
                }
                Err(_) => {
                    tracing::warn!(path = %path.display(), "unreadable circuit cache: rebuilding")
                }
            }
        }
    }
    let clock = Instant::now();
    eprintln!("building circuits (once per parameter set; cached afterwards)...");
    let set = CircuitSet::build(params);
    tracing::info!(ms = clock.elapsed().as_millis() as u64, build_ms = ?set.build_ms, "circuits built");
    if let Some(path) = &path {
        let stored = set
            .to_bytes()
            .map_err(|e| anyhow::anyhow!("serialising circuits: {e:?}"))
            .and_then(|bytes| {
                std::fs::create_dir_all(path.parent().unwrap_or(path))?;
                Ok(write_atomic(path, &bytes)?)
            });
        match stored {
            Ok(()) => tracing::info!(path = %path.display(), "circuits cached"),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "circuit cache not written")
            }
        }
    }
    Ok(set)
}
