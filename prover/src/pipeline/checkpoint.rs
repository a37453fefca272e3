//! Checkpoints: every finished proof of an epoch, saved atomically so an
//! interrupted run resumes where it stopped.
//!
//! A checkpoint directory belongs to one epoch under one set of circuits: a
//! `manifest.json` records the circuits' digests, the chunk capacities and
//! every public input the epoch's chain proof must carry (market hash,
//! genesis root, roots, epoch, timestamp, batch commitment, report hashes,
//! operation count, history). Opening a directory whose manifest differs
//! discards its proofs. A proof read back is used only if it decodes, verifies and
//! states what the pipeline expects at that place; anything else is proven
//! again (and logged).

use std::fs;
use std::path::{Path, PathBuf};

use plonky2::plonk::circuit_data::CommonCircuitData;
use serde::{Deserialize, Serialize};
use zksettle_circuits::config::{D, F};
use zksettle_circuits::recursion::Proof;

use crate::io::{read_json, write_atomic, write_json, IoError};

/// What the proofs in a checkpoint directory are proofs of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Circuit digests of the chunk circuits (one per layout), then the
    /// wrap, fold, chain and final circuits.
    pub circuits: Vec<String>,
    /// Epoch number.
    pub epoch: u64,
    /// Steps per chunk of each layout (what cuts the epoch into chunks).
    pub capacities: Vec<usize>,
    /// The chain statement's public inputs, in layout order (canonical
    /// field elements): every value the epoch's proofs must carry.
    pub statement: Vec<u64>,
}

/// A checkpoint directory.
pub struct Checkpoints {
    dir: PathBuf,
}

const MANIFEST: &str = "manifest.json";

impl Checkpoints {
    /// Opens (creating it if needed) the checkpoint directory of `manifest`,
    /// discarding proofs of anything else.
    pub fn open(dir: &Path, manifest: &Manifest) -> Result<Self, IoError> {
        fs::create_dir_all(dir).map_err(|source| IoError::Write {
            path: dir.into(),
            source,
        })?;
        let path = dir.join(MANIFEST);
        let same = path.exists() && read_json::<Manifest>(&path).ok().as_ref() == Some(manifest);
        if !same {
            if path.exists() {
                tracing::warn!(dir = %dir.display(), "checkpoints of another epoch or circuit: discarded");
            }
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "proof") {
                    let _ = fs::remove_file(entry.path());
                }
            }
            write_json(&path, manifest)?;
        }
        Ok(Self { dir: dir.into() })
    }

    /// The proof saved under `name`, if it decodes and passes `check`.
    pub fn load(
        &self,
        name: &str,
        common: &CommonCircuitData<F, D>,
        check: impl FnOnce(&Proof) -> Result<(), String>,
    ) -> Option<Proof> {
        let path = self.path(name);
        let bytes = fs::read(&path).ok()?;
        let outcome = Proof::from_bytes(bytes, common)
            .map_err(|e| e.to_string())
            .and_then(|proof| check(&proof).map(|()| proof));
        match outcome {
            Ok(proof) => {
                tracing::debug!(checkpoint = name, "resumed");
                Some(proof)
            }
            Err(reason) => {
                tracing::warn!(checkpoint = %path.display(), %reason, "unusable checkpoint: proving again");
                None
            }
        }
    }

    /// Saves a proof under `name`, atomically.
    pub fn save(&self, name: &str, proof: &Proof) -> Result<(), IoError> {
        write_atomic(&self.path(name), &proof.to_bytes())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.proof"))
    }
}
