//! The ledger store: the venue's state in one embedded, transactional file
//! (redb), so that applying an epoch costs what the epoch touches, not what
//! the venue holds.
//!
//! A ledger directory holds one file, `ledger.redb`, with these tables:
//!
//! | table          | key                          | value                                   |
//! |----------------|------------------------------|-----------------------------------------|
//! | `meta`         | name                         | format version, market, market hash, tree depth, epoch, root, versions kept, last proven epoch |
//! | `registers`    | name                         | `timestamp`, `bad_debt`, `deposits`     |
//! | `accounts`     | leaf index                   | the account (a state file's JSON entry) |
//! | `nodes`        | height << 40 \| index        | a non-empty tree node (32 bytes)        |
//! | `epochs`       | epoch number                 | the applied epoch's record (JSON)       |
//! | `heads`        | epoch number                 | registers and root after that epoch (the versions kept) |
//! | `account_undo` | (epoch, leaf index)          | the account before that epoch (empty: none) |
//! | `node_undo`    | (epoch, node key)            | the node before that epoch (empty: the empty subtree's root) |
//! | `proofs`       | epoch number                 | the proven epoch's record: its statement's roots and its output files' hashes |
//!
//! The tree is stored sparse as [`SparseTree`] keeps it: a node equal to the
//! root of an empty subtree is absent. Applying an epoch
//! ([`LedgerStore::apply_epoch`]) loads only the accounts the epoch names and
//! the nodes on and beside their paths into a partial [`Ledger`], applies the
//! epoch with the ledger's own rules, and writes the changed accounts and
//! nodes, the registers, the new epoch and root and the epoch's record in one
//! redb write transaction: O(touched x depth) reads and writes. A rejected
//! epoch aborts the transaction and writes nothing; a process killed at any
//! point leaves the last committed transaction, so a reopened store holds
//! either the old epoch or the new one, never a mix.
//!
//! **Versions.** The same transaction writes the values the epoch replaced
//! (`account_undo`, `node_undo`) and the registers and root after it
//! (`heads`), and drops what only versions older than the last `keep`
//! needed. Any of the last `keep` versions can then be read as a partial
//! ledger ([`LedgerStore::account_proof_at`], [`LedgerStore::witness_of`]):
//! a node's value at version v is the undo entry of the first epoch after v
//! that changed it, else its current value. This serves account proofs
//! under recent roots and lets a prover that stopped between applying an
//! epoch and proving it rebuild the epoch's witness.
//!
//! **Proven epochs.** [`LedgerStore::mark_proven`] records, in its own
//! transaction after the outputs are written, that an applied epoch was
//! proven: the roots and history its chain proof states and the hashes of
//! its output files. Applied epochs run ahead of proven ones by at most the
//! prover's pipeline depth.
//!
//! [`LedgerStore::open`] refuses a file redb cannot open, a format version
//! this build does not read, a store of another market, and a store whose
//! meta root disagrees with its top node, whose top node is not the hash of
//! its children, whose global leaf disagrees with its registers, whose last
//! epoch record ends at another root, or whose last proven epoch states
//! another root than that epoch's record.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use plonky2::field::types::{Field, Field64, PrimeField64};
use redb::{Database, ReadableTable, TableDefinition, TableHandle};
use serde::{Deserialize, Serialize};
use zksettle_circuits::config::F;
use zksettle_circuits::rules::account::{global_leaf_hash, Account};
use zksettle_circuits::rules::encoding::{digest_hex, hash_pair, serde_digest, Digest};
use zksettle_circuits::rules::epoch::{AccountEntry, Epoch, StateFile};
use zksettle_circuits::rules::error::EpochError;
use zksettle_circuits::rules::market::Market;
use zksettle_circuits::rules::merkle::empty_subtree_roots;
use zksettle_circuits::rules::units::GLOBAL_LEAF;
use zksettle_verifier::AccountProof;

use super::{accounts_touched, EpochWitness, Ledger, LedgerError, SparseTree};

/// The store's file inside a ledger directory.
pub const STORE_FILE: &str = "ledger.redb";

/// The layout this build reads and writes; a store of another version is
/// refused.
pub const FORMAT_VERSION: u64 = 2;

/// Versions kept by default (the head and the 15 before it).
pub const DEFAULT_KEEP: u64 = 16;

/// The fewest versions a store keeps: a pipelined prover applies up to two
/// epochs ahead of the last proven one and must be able to rebuild their
/// witnesses after a restart.
pub const MIN_KEEP: u64 = 4;

/// redb's page cache: bounds the store's share of the process's memory.
const CACHE_BYTES: usize = 256 << 20;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const REGISTERS: TableDefinition<&str, u64> = TableDefinition::new("registers");
const ACCOUNTS: TableDefinition<u32, &[u8]> = TableDefinition::new("accounts");
const NODES: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("nodes");
const EPOCHS: TableDefinition<u64, &[u8]> = TableDefinition::new("epochs");
const HEADS: TableDefinition<u64, &[u8]> = TableDefinition::new("heads");
const ACCOUNT_UNDO: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("account_undo");
const NODE_UNDO: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("node_undo");
const PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("proofs");

const META_FORMAT_VERSION: &str = "format_version";
const META_MARKET: &str = "market";
const META_MARKET_HASH: &str = "market_hash";
const META_TREE_DEPTH: &str = "tree_depth";
const META_EPOCH: &str = "epoch";
const META_ROOT: &str = "root";
const META_KEEP: &str = "keep";
const META_PROVEN: &str = "proven_epoch";
const REGISTER_TIMESTAMP: &str = "timestamp";
const REGISTER_BAD_DEBT: &str = "bad_debt";
const REGISTER_DEPOSITS: &str = "deposits";

/// Why a ledger store cannot be created, opened, read or updated. Every
/// variant names the store's file; the cause, when there is one, is the
/// error's source (`{:#}` prints the chain on one line).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store file in the directory.
    #[error("{path}: no ledger store (create one with `zksettle ledger init`)")]
    Missing {
        /// The expected file.
        path: PathBuf,
    },
    /// `init` over an existing store.
    #[error("{path}: a ledger store already exists")]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The directory or file could not be created or moved into place.
    #[error("{path}: cannot create")]
    Create {
        /// The file or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// redb refuses the file (truncated, corrupted, locked by another
    /// process, not a redb file).
    #[error("{path}: cannot open the store")]
    Open {
        /// The file.
        path: PathBuf,
        /// redb's reason (boxed: redb's errors are large).
        source: Box<redb::DatabaseError>,
    },
    /// redb gave up on the file by panicking (redb 2.6 asserts that the
    /// file is as long as its header says, so a truncated file panics in
    /// `Database::open`); the panic is caught and reported here.
    #[error("{path}: cannot open the store: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// redb's panic message.
        reason: String,
    },
    /// A read or write of the store failed.
    #[error("{path}: store error")]
    Storage {
        /// The file.
        path: PathBuf,
        /// redb's reason (boxed: redb's errors are large).
        source: Box<redb::Error>,
    },
    /// The store was written in a layout this build does not read.
    #[error("{path}: format version {found}, this build reads version {expected}")]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Version this build reads.
        expected: u64,
    },
    /// The store belongs to another market.
    #[error("{path}: the store is for market {stored}, not the given market {given}")]
    MarketMismatch {
        /// The file.
        path: PathBuf,
        /// Market hash in the store.
        stored: String,
        /// Hash of the market given.
        given: String,
    },
    /// A stored item is missing or malformed.
    #[error("{path}: corrupt {item}: {problem}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The item (table and key).
        item: String,
        /// What is wrong.
        problem: String,
    },
    /// The stored root disagrees with the tree or the last epoch record.
    #[error("{path}: root mismatch: {what} is {found}, the store's root is {root}")]
    RootMismatch {
        /// The file.
        path: PathBuf,
        /// What the root was checked against.
        what: String,
        /// The value found there.
        found: String,
        /// The root in the store's meta table.
        root: String,
    },
    /// The market or the state is invalid.
    #[error("{path}")]
    Ledger {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: LedgerError,
    },
    /// The epoch is rejected by the rules; nothing was written.
    #[error("{path}: epoch {epoch} rejected, store unchanged")]
    Rejected {
        /// The file.
        path: PathBuf,
        /// The epoch's number.
        epoch: u64,
        /// The rule broken.
        source: EpochError,
    },
    /// A version (an epoch's state) the store does not keep, or an epoch
    /// it has not applied.
    #[error("{path}: epoch {epoch}: {problem}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The epoch asked for.
        epoch: u64,
        /// What the store holds instead.
        problem: String,
    },
    /// An epoch marked proven out of order, or with another statement than
    /// its record.
    #[error("{path}: epoch {epoch} cannot be marked proven: {problem}")]
    ProofRecord {
        /// The file.
        path: PathBuf,
        /// The epoch.
        epoch: u64,
        /// Why.
        problem: String,
    },
    /// Fewer versions kept than a resumable prover needs.
    #[error("{path}: keeping {keep} versions; a store keeps at least {MIN_KEEP}")]
    Keep {
        /// The file.
        path: PathBuf,
        /// Versions asked for.
        keep: u64,
    },
    /// Applying the epoch touched a leaf that was not loaded (a gap in
    /// [`accounts_touched`]); nothing was written.
    #[error("{path}: epoch {epoch} touched leaf {index}, which was not loaded; nothing written")]
    UnloadedLeaf {
        /// The file.
        path: PathBuf,
        /// The epoch's number.
        epoch: u64,
        /// The leaf.
        index: u64,
    },
}

/// What the store records of an applied epoch (the `epochs` table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochRecord {
    /// Epoch number.
    pub epoch: u64,
    /// Epoch time.
    pub timestamp: u64,
    /// Root before the epoch.
    #[serde(with = "serde_digest")]
    pub prev_root: Digest,
    /// Root after the epoch.
    #[serde(with = "serde_digest")]
    pub new_root: Digest,
    /// Batch commitment of the operations.
    #[serde(with = "serde_digest")]
    pub batch_hash: Digest,
    /// Operations applied.
    pub ops: usize,
    /// Account leaves the epoch loaded (named by its operations, and the
    /// two system accounts).
    pub accounts_loaded: usize,
}

/// What the store records of a proven epoch (the `proofs` table): what its
/// chain proof states and the hashes of the files it was written to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRecord {
    /// Epoch number.
    pub epoch: u64,
    /// Root before the epoch, as the chain proof states it.
    #[serde(with = "serde_digest")]
    pub prev_root: Digest,
    /// Root after the epoch, as the chain proof states it.
    #[serde(with = "serde_digest")]
    pub new_root: Digest,
    /// History accumulator after the epoch, as the chain proof states it.
    #[serde(with = "serde_digest")]
    pub history: Digest,
    /// The output files (names relative to the output directory) with
    /// their SHA-256, hex.
    pub outputs: Vec<OutputFile>,
}

/// One output file of a proven epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputFile {
    /// File name in the output directory.
    pub name: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its length.
    pub bytes: u64,
}

/// The registers and root of the last committed epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Last applied epoch.
    pub epoch: u64,
    /// Its time.
    pub timestamp: u64,
    /// Outstanding bad debt.
    pub bad_debt: u64,
    /// Custodian deposits credited since genesis.
    pub deposits: u64,
    /// Root of the account tree.
    pub root: Digest,
}

/// An open ledger store (see the module documentation).
#[derive(Debug)]
pub struct LedgerStore {
    path: PathBuf,
    db: Database,
    market: Market,
    head: Head,
    keep: u64,
    proven: u64,
}

impl LedgerStore {
    /// The store file of a ledger directory.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(STORE_FILE)
    }

    /// Creates a store in `dir` (created if missing) holding `ledger`. The
    /// file is written under a staging name and renamed into place once
    /// committed, so a killed `init` leaves no store. Refuses a directory
    /// that already holds one.
    pub fn create(dir: &Path, ledger: &Ledger) -> Result<Self, StoreError> {
        Self::create_keeping(dir, ledger, DEFAULT_KEEP)
    }

    /// [`Self::create`], keeping the last `keep` versions (at least
    /// [`MIN_KEEP`]). The ledger's epoch counts as proven: it is where the
    /// venue's proofs start.
    pub fn create_keeping(dir: &Path, ledger: &Ledger, keep: u64) -> Result<Self, StoreError> {
        let path = Self::file(dir);
        if path.exists() {
            return Err(StoreError::Exists { path });
        }
        if keep < MIN_KEEP {
            return Err(StoreError::Keep { path, keep });
        }
        fs::create_dir_all(dir).map_err(|source| StoreError::Create {
            path: dir.into(),
            source,
        })?;
        let staging = dir.join(format!(".{STORE_FILE}.init-{}", std::process::id()));
        let _ = fs::remove_file(&staging);
        let result = write_genesis(&staging, ledger, keep);
        if let Err(error) = result {
            let _ = fs::remove_file(&staging);
            return Err(error);
        }
        fs::rename(&staging, &path).map_err(|source| StoreError::Create {
            path: path.clone(),
            source,
        })?;
        Self::open(dir, ledger.market().clone())
    }

    /// Opens the store in `dir` for `market`, checking the format version,
    /// the market and the root (see the module documentation).
    pub fn open(dir: &Path, market: Market) -> Result<Self, StoreError> {
        refusing_panics(dir, || {
            let (path, db) = open_file(dir)?;
            Self::checked(path, db, market)
        })
    }

    /// Opens the store in `dir` under the market it was created with (kept
    /// in its meta table), with the checks of [`Self::open`].
    pub fn open_with_stored_market(dir: &Path) -> Result<Self, StoreError> {
        refusing_panics(dir, || Self::open_stored_market(dir))
    }

    fn open_stored_market(dir: &Path) -> Result<Self, StoreError> {
        let (path, db) = open_file(dir)?;
        let bytes = (|| -> Result<Option<Vec<u8>>, Redb> {
            let txn = db.begin_read()?;
            let meta = txn.open_table(META)?;
            let bytes = meta.get(META_MARKET)?.map(|v| v.value().to_vec());
            Ok(bytes)
        })()
        .map_err(|Redb(source)| StoreError::Storage {
            path: path.clone(),
            source,
        })?;
        let corrupt = |problem: String| StoreError::Corrupt {
            path: path.clone(),
            item: format!("meta[{META_MARKET}]"),
            problem,
        };
        let bytes = bytes.ok_or_else(|| corrupt("missing".into()))?;
        let market: Market = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        Self::checked(path, db, market)
    }

    fn checked(path: PathBuf, db: Database, market: Market) -> Result<Self, StoreError> {
        market.validate().map_err(|e| StoreError::Ledger {
            path: path.clone(),
            source: e.into(),
        })?;
        // The head is read from the file by `check`; these zeros never
        // leave this function.
        let mut store = Self {
            path,
            db,
            market,
            head: Head {
                epoch: 0,
                timestamp: 0,
                bad_debt: 0,
                deposits: 0,
                root: Digest::default(),
            },
            keep: 0,
            proven: 0,
        };
        (store.head, store.keep, store.proven) = store.check()?;
        Ok(store)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The market.
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// Registers and root of the last committed epoch.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Versions kept: the head and the `keep - 1` before it (fewer while
    /// the store is younger).
    pub fn keep(&self) -> u64 {
        self.keep
    }

    /// The oldest epoch whose state the store can still read.
    pub fn oldest_version(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(self.storage())?;
        let heads = txn.open_table(HEADS).map_err(self.storage())?;
        let first = heads.first().map_err(self.storage())?;
        Ok(first.map_or(self.head.epoch, |(epoch, _)| epoch.value()))
    }

    /// The root after epoch `epoch`: its record's, or the stored version's
    /// for the store's first epoch.
    pub fn root_at(&self, epoch: u64) -> Result<Digest, StoreError> {
        if epoch == self.head.epoch {
            return Ok(self.head.root);
        }
        if let Some(record) = self.epoch_record(epoch)? {
            return Ok(record.new_root);
        }
        let txn = self.db.begin_read().map_err(self.storage())?;
        let heads = txn.open_table(HEADS).map_err(self.storage())?;
        let bytes = heads.get(epoch).map_err(self.storage())?;
        bytes
            .and_then(|b| decode_head(epoch, b.value()))
            .map(|head| head.root)
            .ok_or_else(|| StoreError::Version {
                path: self.path.clone(),
                epoch,
                problem: "neither applied here nor a version kept".into(),
            })
    }

    /// The last proven epoch (the store's first epoch until one is proven).
    pub fn proven_epoch(&self) -> u64 {
        self.proven
    }

    /// The record of a proven epoch (`None`: not marked proven here).
    pub fn proof_record(&self, epoch: u64) -> Result<Option<ProofRecord>, StoreError> {
        self.record(PROOFS, epoch)
    }

    /// The JSON record of `epoch` in `table` (`epochs` or `proofs`).
    fn record<T: serde::de::DeserializeOwned>(
        &self,
        table: TableDefinition<u64, &[u8]>,
        epoch: u64,
    ) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_read().map_err(self.storage())?;
        let records = txn.open_table(table).map_err(self.storage())?;
        let bytes = records.get(epoch).map_err(self.storage())?;
        bytes
            .map(|bytes| {
                serde_json::from_slice(bytes.value())
                    .map_err(|e| self.corrupt(format!("{}[{epoch}]", table.name()), e.to_string()))
            })
            .transpose()
    }

    /// Records that epoch `record.epoch`, applied here, was proven, in one
    /// transaction. It must be the epoch after the last proven one, and its
    /// roots must be its record's: a proof of another state is refused.
    pub fn mark_proven(&mut self, record: &ProofRecord) -> Result<(), StoreError> {
        let refuse = |problem: String| StoreError::ProofRecord {
            path: self.path.clone(),
            epoch: record.epoch,
            problem,
        };
        if record.epoch != self.proven + 1 {
            return Err(refuse(format!("the last proven epoch is {}", self.proven)));
        }
        let applied = self.epoch_record(record.epoch)?.ok_or_else(|| {
            refuse(format!(
                "not applied (the store is at epoch {})",
                self.head.epoch
            ))
        })?;
        if (applied.prev_root, applied.new_root) != (record.prev_root, record.new_root) {
            return Err(refuse(format!(
                "its proof goes from {} to {}, the applied epoch from {} to {}",
                digest_hex(&record.prev_root),
                digest_hex(&record.new_root),
                digest_hex(&applied.prev_root),
                digest_hex(&applied.new_root)
            )));
        }
        let mut txn = self.db.begin_write().map_err(self.storage())?;
        txn.set_quick_repair(true);
        {
            let mut proofs = txn.open_table(PROOFS).map_err(self.storage())?;
            let bytes = serde_json::to_vec(record).unwrap_or_default();
            proofs
                .insert(record.epoch, bytes.as_slice())
                .map_err(self.storage())?;
            let mut meta = txn.open_table(META).map_err(self.storage())?;
            meta.insert(META_PROVEN, record.epoch.to_le_bytes().as_slice())
                .map_err(self.storage())?;
        }
        txn.commit().map_err(self.storage())?;
        self.proven = record.epoch;
        Ok(())
    }

    /// The account at `index` with its Merkle path under the root of
    /// version `epoch` (one of the versions kept), or `None` for an index
    /// beyond the tree or the global leaf.
    pub fn account_proof_at(
        &self,
        index: u64,
        epoch: u64,
    ) -> Result<Option<AccountProof>, StoreError> {
        let Ok(leaf) = u32::try_from(index) else {
            return Ok(None);
        };
        if index >= self.market.capacity() || leaf == GLOBAL_LEAF {
            return Ok(None);
        }
        let ledger = self.ledger_at(epoch, &BTreeSet::from([leaf]))?;
        Ok(ledger.account_proof(index))
    }

    /// The witness of an epoch this store applied, rebuilt from the version
    /// before it (which must still be kept): what a prover that stopped
    /// between applying an epoch and proving it resumes from. The epoch must
    /// be the one applied (its record's roots and batch commitment).
    pub fn witness_of(&self, epoch: &Epoch) -> Result<(EpochRecord, EpochWitness), StoreError> {
        let version = |problem: String| StoreError::Version {
            path: self.path.clone(),
            epoch: epoch.epoch,
            problem,
        };
        let record = self.epoch_record(epoch.epoch)?.ok_or_else(|| {
            version(format!(
                "not applied (the store is at epoch {})",
                self.head.epoch
            ))
        })?;
        let before = self.ledger_at(
            epoch
                .epoch
                .checked_sub(1)
                .ok_or_else(|| version("no epoch before it".into()))?,
            &accounts_touched(epoch),
        )?;
        let (_, witness) = before
            .apply_epoch(epoch)
            .map_err(|source| StoreError::Rejected {
                path: self.path.clone(),
                epoch: epoch.epoch,
                source,
            })?;
        if (witness.prev_root, witness.new_root, witness.batch_hash)
            != (record.prev_root, record.new_root, record.batch_hash)
            || (epoch.timestamp, epoch.ops.len()) != (record.timestamp, record.ops)
        {
            return Err(version(
                "another epoch of that number was applied here (roots, batch or time differ)"
                    .into(),
            ));
        }
        Ok((record, witness))
    }

    /// A partial ledger at version `epoch` holding the accounts `touched`
    /// (and the system accounts) and the nodes on and beside their paths.
    fn ledger_at(&self, epoch: u64, touched: &BTreeSet<u32>) -> Result<Ledger, StoreError> {
        let txn = self.db.begin_read().map_err(self.storage())?;
        let accounts = txn.open_table(ACCOUNTS).map_err(self.storage())?;
        let nodes = txn.open_table(NODES).map_err(self.storage())?;
        if epoch == self.head.epoch {
            return self.load(&accounts, &nodes, touched, None);
        }
        let heads = txn.open_table(HEADS).map_err(self.storage())?;
        let Some(bytes) = heads.get(epoch).map_err(self.storage())? else {
            let oldest = heads
                .first()
                .map_err(self.storage())?
                .map_or(self.head.epoch, |(e, _)| e.value());
            return Err(StoreError::Version {
                path: self.path.clone(),
                epoch,
                problem: format!(
                    "not a version kept (the store keeps epochs {oldest} to {})",
                    self.head.epoch
                ),
            });
        };
        let head = decode_head(epoch, bytes.value())
            .ok_or_else(|| self.corrupt(format!("heads[{epoch}]"), "malformed".into()))?;
        let undo = Undo {
            after: epoch,
            head: self.head.epoch,
            accounts: txn.open_table(ACCOUNT_UNDO).map_err(self.storage())?,
            nodes: txn.open_table(NODE_UNDO).map_err(self.storage())?,
        };
        let ledger = self.load(&accounts, &nodes, touched, Some((&undo, head)))?;
        if ledger.root() != head.root {
            return Err(self.root_mismatch(
                &format!("the root rebuilt at epoch {epoch}"),
                &ledger.root(),
                &head.root,
            ));
        }
        Ok(ledger)
    }

    /// Applies `epoch` by the ledger's rules and commits it, with its record,
    /// in one transaction. Rejected: [`StoreError::Rejected`] and nothing
    /// written. Returns the record and the epoch's witness (its `prev_tree`
    /// holds the paths of the leaves the epoch touches, all the chunk
    /// witnesses read).
    pub fn apply_epoch(
        &mut self,
        epoch: &Epoch,
    ) -> Result<(EpochRecord, EpochWitness), StoreError> {
        let mut txn = self.db.begin_write().map_err(self.storage())?;
        // Two-phase commit with the allocator state saved: reopening after
        // a kill is a header read, not a scan of the whole file.
        txn.set_quick_repair(true);
        let touched = accounts_touched(epoch);
        let (before, after, witness) = {
            let accounts = txn.open_table(ACCOUNTS).map_err(self.storage())?;
            let nodes = txn.open_table(NODES).map_err(self.storage())?;
            let before = self.load(&accounts, &nodes, &touched, None)?;
            let (after, witness) =
                before
                    .apply_epoch(epoch)
                    .map_err(|source| StoreError::Rejected {
                        path: self.path.clone(),
                        epoch: epoch.epoch,
                        source,
                    })?;
            (before, after, witness)
        };
        let loaded = |index: u64| {
            index == u64::from(GLOBAL_LEAF)
                || u32::try_from(index).is_ok_and(|i| touched.contains(&i))
        };
        let unloaded = witness
            .steps
            .iter()
            .flat_map(|step| &step.updates)
            .find(|update| !loaded(update.index));
        if let Some(update) = unloaded {
            return Err(StoreError::UnloadedLeaf {
                path: self.path.clone(),
                epoch: epoch.epoch,
                index: update.index,
            });
        }
        let record = EpochRecord {
            epoch: epoch.epoch,
            timestamp: epoch.timestamp,
            prev_root: witness.prev_root,
            new_root: witness.new_root,
            batch_hash: witness.batch_hash,
            ops: epoch.ops.len(),
            accounts_loaded: touched.len(),
        };
        let head = Head {
            epoch: after.epoch,
            timestamp: after.timestamp,
            bad_debt: after.bad_debt,
            deposits: after.deposits,
            root: after.root(),
        };
        let number = epoch.epoch;
        {
            let mut accounts = txn.open_table(ACCOUNTS).map_err(self.storage())?;
            let mut account_undo = txn.open_table(ACCOUNT_UNDO).map_err(self.storage())?;
            for &index in &touched {
                let old = before.accounts.get(&index);
                let new = after.accounts.get(&index);
                if old == new {
                    continue;
                }
                let old_bytes = old.map(|a| encode_account(index, a)).unwrap_or_default();
                account_undo
                    .insert((number, index), old_bytes.as_slice())
                    .map_err(self.storage())?;
                match new {
                    Some(account) => accounts
                        .insert(index, encode_account(index, account).as_slice())
                        .map(drop),
                    None => accounts.remove(index).map(drop),
                }
                .map_err(self.storage())?;
            }
            let mut nodes = txn.open_table(NODES).map_err(self.storage())?;
            let mut node_undo = txn.open_table(NODE_UNDO).map_err(self.storage())?;
            for ((height, index), node) in after.tree.changes_since(&before.tree) {
                let key = node_key(height, index);
                let old = before
                    .tree
                    .stored((height, index))
                    .map(|d| digest_bytes(&d));
                node_undo
                    .insert((number, key), old.as_ref().map_or(&[][..], |b| &b[..]))
                    .map_err(self.storage())?;
                match node {
                    Some(node) => nodes.insert(key, &digest_bytes(&node)).map(drop),
                    None => nodes.remove(key).map(drop),
                }
                .map_err(self.storage())?;
            }
            write_head(&txn, &head).map_err(self.storage())?;
            let mut heads = txn.open_table(HEADS).map_err(self.storage())?;
            heads
                .insert(number, encode_head(&head).as_slice())
                .map_err(self.storage())?;
            // Versions older than the last `keep` go, with the undo entries
            // only they needed: version v needs the entries of epochs > v.
            if let Some(oldest) = (number + 1).checked_sub(self.keep) {
                heads
                    .retain_in(..oldest, |_, _| false)
                    .map_err(self.storage())?;
                account_undo
                    .retain_in(..=(oldest, u32::MAX), |_, _| false)
                    .map_err(self.storage())?;
                node_undo
                    .retain_in(..=(oldest, u64::MAX), |_, _| false)
                    .map_err(self.storage())?;
            }
            let mut epochs = txn.open_table(EPOCHS).map_err(self.storage())?;
            let bytes = serde_json::to_vec(&record).unwrap_or_default();
            epochs
                .insert(record.epoch, bytes.as_slice())
                .map_err(self.storage())?;
        }
        txn.commit().map_err(self.storage())?;
        self.head = head;
        Ok((record, witness))
    }

    /// The account at `index` with its Merkle path under the store's root,
    /// or `None` for an index beyond the tree or the global leaf.
    pub fn account_proof(&self, index: u64) -> Result<Option<AccountProof>, StoreError> {
        let Ok(leaf) = u32::try_from(index) else {
            return Ok(None);
        };
        if index >= self.market.capacity() || leaf == GLOBAL_LEAF {
            return Ok(None);
        }
        let txn = self.db.begin_read().map_err(self.storage())?;
        let accounts = txn.open_table(ACCOUNTS).map_err(self.storage())?;
        let nodes = txn.open_table(NODES).map_err(self.storage())?;
        let ledger = self.load(&accounts, &nodes, &BTreeSet::from([leaf]), None)?;
        Ok(ledger.account_proof(index))
    }

    /// The record of an applied epoch (`None`: not applied in this store).
    pub fn epoch_record(&self, epoch: u64) -> Result<Option<EpochRecord>, StoreError> {
        self.record(EPOCHS, epoch)
    }

    /// The whole state as a state file (what `zksettle ledger export`
    /// writes), checked: its root must be the store's root.
    pub fn to_state(&self) -> Result<StateFile, StoreError> {
        let txn = self.db.begin_read().map_err(self.storage())?;
        let accounts = txn.open_table(ACCOUNTS).map_err(self.storage())?;
        let mut entries = Vec::new();
        for row in accounts.iter().map_err(self.storage())? {
            let (index, bytes) = row.map_err(self.storage())?;
            let (index, account) = self.decode_account(index.value(), bytes.value())?;
            entries.push(AccountEntry::from_account(index, &account));
        }
        let state = StateFile {
            epoch: self.head.epoch,
            timestamp: self.head.timestamp,
            bad_debt: self.head.bad_debt,
            deposits: self.head.deposits,
            accounts: entries,
        };
        let ledger = Ledger::from_state(self.market.clone(), &state).map_err(|source| {
            StoreError::Ledger {
                path: self.path.clone(),
                source,
            }
        })?;
        if ledger.root() != self.head.root {
            return Err(self.root_mismatch(
                "the root of the stored accounts",
                &ledger.root(),
                &self.head.root,
            ));
        }
        Ok(state)
    }

    /// Checks the stored meta, registers and root; returns the head, the
    /// versions kept and the last proven epoch.
    fn check(&self) -> Result<(Head, u64, u64), StoreError> {
        let txn = self.db.begin_read().map_err(self.storage())?;
        let meta = txn.open_table(META).map_err(self.storage())?;
        let meta_bytes = |key: &str| -> Result<Vec<u8>, StoreError> {
            meta.get(key)
                .map_err(self.storage())?
                .map(|v| v.value().to_vec())
                .ok_or_else(|| self.corrupt(format!("meta[{key}]"), "missing".into()))
        };
        let meta_u64 = |key: &str| -> Result<u64, StoreError> {
            let bytes = meta_bytes(key)?;
            let array: [u8; 8] = bytes
                .try_into()
                .map_err(|_| self.corrupt(format!("meta[{key}]"), "not 8 bytes".into()))?;
            Ok(u64::from_le_bytes(array))
        };
        let meta_digest = |key: &str| -> Result<Digest, StoreError> {
            let bytes = meta_bytes(key)?;
            bytes
                .as_slice()
                .try_into()
                .ok()
                .and_then(digest_from_bytes)
                .ok_or_else(|| self.corrupt(format!("meta[{key}]"), "not a digest".into()))
        };
        let version = meta_u64(META_FORMAT_VERSION)?;
        if version != FORMAT_VERSION {
            return Err(StoreError::FormatVersion {
                path: self.path.clone(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let market_hash = meta_digest(META_MARKET_HASH)?;
        if market_hash != self.market.hash() {
            return Err(StoreError::MarketMismatch {
                path: self.path.clone(),
                stored: digest_hex(&market_hash),
                given: digest_hex(&self.market.hash()),
            });
        }
        let depth = meta_u64(META_TREE_DEPTH)?;
        if depth != u64::from(self.market.tree_depth) {
            return Err(self.corrupt(
                format!("meta[{META_TREE_DEPTH}]"),
                format!("{depth}, the market's is {}", self.market.tree_depth),
            ));
        }
        let registers = txn.open_table(REGISTERS).map_err(self.storage())?;
        let register = |key: &str| -> Result<u64, StoreError> {
            registers
                .get(key)
                .map_err(self.storage())?
                .map(|v| v.value())
                .ok_or_else(|| self.corrupt(format!("registers[{key}]"), "missing".into()))
        };
        let head = Head {
            epoch: meta_u64(META_EPOCH)?,
            timestamp: register(REGISTER_TIMESTAMP)?,
            bad_debt: register(REGISTER_BAD_DEBT)?,
            deposits: register(REGISTER_DEPOSITS)?,
            root: meta_digest(META_ROOT)?,
        };
        let nodes = txn.open_table(NODES).map_err(self.storage())?;
        let depth = self.market.tree_depth;
        let empty = empty_subtree_roots(depth);
        let node = |height: u32, index: u64| -> Result<Digest, StoreError> {
            Ok(self
                .read_node(&nodes, height, index)?
                .unwrap_or(empty[height as usize]))
        };
        let top = node(depth, 0)?;
        if top != head.root {
            return Err(self.root_mismatch("the tree's top node", &top, &head.root));
        }
        let children = hash_pair(&node(depth - 1, 0)?, &node(depth - 1, 1)?);
        if children != head.root {
            return Err(self.root_mismatch(
                "the hash of the top node's children",
                &children,
                &head.root,
            ));
        }
        let global = node(0, GLOBAL_LEAF.into())?;
        if global != global_leaf_hash(head.bad_debt, head.deposits) {
            return Err(self.corrupt(
                format!("nodes[leaf {GLOBAL_LEAF}]"),
                "the global leaf is not the hash of the bad_debt and deposits registers".into(),
            ));
        }
        let epochs = txn.open_table(EPOCHS).map_err(self.storage())?;
        if let Some(last) = epochs.last().map_err(self.storage())? {
            let (number, bytes) = last;
            let record: EpochRecord = serde_json::from_slice(bytes.value())
                .map_err(|e| self.corrupt(format!("epochs[{}]", number.value()), e.to_string()))?;
            if record.epoch != head.epoch {
                return Err(self.corrupt(
                    format!("epochs[{}]", number.value()),
                    format!(
                        "the last record is epoch {}, meta says epoch {}",
                        record.epoch, head.epoch
                    ),
                ));
            }
            if record.new_root != head.root {
                return Err(self.root_mismatch(
                    &format!("epoch {}'s recorded new root", record.epoch),
                    &record.new_root,
                    &head.root,
                ));
            }
        }
        let keep = meta_u64(META_KEEP)?;
        if keep < MIN_KEEP {
            return Err(self.corrupt(format!("meta[{META_KEEP}]"), format!("{keep} < {MIN_KEEP}")));
        }
        let proven = meta_u64(META_PROVEN)?;
        if proven > head.epoch {
            return Err(self.corrupt(
                format!("meta[{META_PROVEN}]"),
                format!(
                    "epoch {proven} proven, the store is at epoch {}",
                    head.epoch
                ),
            ));
        }
        let proofs = txn.open_table(PROOFS).map_err(self.storage())?;
        if let Some((number, bytes)) = proofs.last().map_err(self.storage())? {
            let item = format!("proofs[{}]", number.value());
            let proof: ProofRecord = serde_json::from_slice(bytes.value())
                .map_err(|e| self.corrupt(item.clone(), e.to_string()))?;
            if proof.epoch != proven {
                return Err(self.corrupt(
                    item,
                    format!(
                        "the last proven epoch is {}, meta says {proven}",
                        proof.epoch
                    ),
                ));
            }
            let applied = epochs
                .get(proven)
                .map_err(self.storage())?
                .ok_or_else(|| self.corrupt(item.clone(), "no record of that epoch".into()))?;
            let applied: EpochRecord = serde_json::from_slice(applied.value())
                .map_err(|e| self.corrupt(format!("epochs[{proven}]"), e.to_string()))?;
            if applied.new_root != proof.new_root {
                return Err(self.root_mismatch(
                    &format!("the root epoch {proven}'s proof states"),
                    &proof.new_root,
                    &applied.new_root,
                ));
            }
        }
        Ok((head, keep, proven))
    }

    /// A partial ledger at the head holding the accounts `touched` (and the
    /// system accounts), the global leaf, and every node on and beside
    /// their paths.
    ///
    /// With `undo`, the ledger is the version after `undo.after` (with that
    /// version's registers `at`): each value is the undo entry of the first
    /// later epoch that replaced it, else the current one.
    fn load(
        &self,
        accounts: &impl ReadableTable<u32, &'static [u8]>,
        nodes: &impl ReadableTable<u64, &'static [u8; 32]>,
        touched: &BTreeSet<u32>,
        undo: Option<(&Undo, Head)>,
    ) -> Result<Ledger, StoreError> {
        let depth = self.market.tree_depth;
        let mut positions = BTreeSet::from([(depth, 0)]);
        for leaf in touched
            .iter()
            .map(|&i| u64::from(i))
            .chain([u64::from(GLOBAL_LEAF)])
        {
            for height in 0..depth {
                let at = leaf >> height;
                positions.insert((height, at));
                positions.insert((height, at ^ 1));
            }
        }
        let mut loaded_nodes = Vec::with_capacity(positions.len());
        for (height, index) in positions {
            let node = match undo.map(|(u, _)| u.node(self, node_key(height, index))) {
                Some(Ok(Some(old))) => self.node_from_bytes(height, index, &old)?,
                Some(Err(e)) => return Err(e),
                Some(Ok(None)) | None => self.read_node(nodes, height, index)?,
            };
            if let Some(node) = node {
                loaded_nodes.push(((height, index), node));
            }
        }
        let mut loaded_accounts = BTreeMap::new();
        for &index in touched {
            let bytes = match undo.map(|(u, _)| u.account(self, index)) {
                Some(Ok(Some(old))) => Some(old),
                Some(Err(e)) => return Err(e),
                Some(Ok(None)) | None => accounts
                    .get(index)
                    .map_err(self.storage())?
                    .map(|b| b.value().to_vec()),
            };
            if let Some(bytes) = bytes.filter(|b| !b.is_empty()) {
                let (index, account) = self.decode_account(index, &bytes)?;
                loaded_accounts.insert(index, account);
            }
        }
        let head = undo.map_or(self.head, |(_, at)| at);
        Ok(Ledger {
            market: self.market.clone(),
            epoch: head.epoch,
            timestamp: head.timestamp,
            bad_debt: head.bad_debt,
            deposits: head.deposits,
            accounts: loaded_accounts,
            tree: SparseTree::from_nodes(depth, loaded_nodes),
            journal: Vec::new(),
        })
    }

    /// A node from an undo entry: empty bytes for the empty subtree's root.
    fn node_from_bytes(
        &self,
        height: u32,
        index: u64,
        bytes: &[u8],
    ) -> Result<Option<Digest>, StoreError> {
        if bytes.is_empty() {
            return Ok(None);
        }
        <&[u8; 32]>::try_from(bytes)
            .ok()
            .and_then(digest_from_bytes)
            .map(Some)
            .ok_or_else(|| {
                self.corrupt(
                    format!("node_undo[height {height}, index {index}]"),
                    "not a digest".into(),
                )
            })
    }

    fn read_node(
        &self,
        nodes: &impl ReadableTable<u64, &'static [u8; 32]>,
        height: u32,
        index: u64,
    ) -> Result<Option<Digest>, StoreError> {
        let Some(bytes) = nodes.get(node_key(height, index)).map_err(self.storage())? else {
            return Ok(None);
        };
        digest_from_bytes(bytes.value()).map(Some).ok_or_else(|| {
            self.corrupt(
                format!("nodes[height {height}, index {index}]"),
                "not a digest".into(),
            )
        })
    }

    fn decode_account(&self, index: u32, bytes: &[u8]) -> Result<(u32, Account), StoreError> {
        let item = || format!("accounts[{index}]");
        let entry: AccountEntry =
            serde_json::from_slice(bytes).map_err(|e| self.corrupt(item(), e.to_string()))?;
        if entry.index != index {
            return Err(self.corrupt(item(), format!("holds account {}", entry.index)));
        }
        let account = entry
            .to_account(&self.market, None)
            .map_err(|e| self.corrupt(item(), e.to_string()))?;
        Ok((index, account))
    }

    fn storage<E: Into<Redb>>(&self) -> impl Fn(E) -> StoreError + '_ {
        move |error| StoreError::Storage {
            path: self.path.clone(),
            source: error.into().0,
        }
    }

    fn corrupt(&self, item: String, problem: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            item,
            problem,
        }
    }

    fn root_mismatch(&self, what: &str, found: &Digest, root: &Digest) -> StoreError {
        StoreError::RootMismatch {
            path: self.path.clone(),
            what: what.into(),
            found: digest_hex(found),
            root: digest_hex(root),
        }
    }
}

/// The undo tables of a read transaction, for reading the version after
/// epoch `after` of a store at epoch `head`.
struct Undo {
    after: u64,
    head: u64,
    accounts: redb::ReadOnlyTable<(u64, u32), &'static [u8]>,
    nodes: redb::ReadOnlyTable<(u64, u64), &'static [u8]>,
}

impl Undo {
    /// The node's bytes at the version (`None`: no later epoch replaced
    /// it, so the current value holds).
    fn node(&self, store: &LedgerStore, key: u64) -> Result<Option<Vec<u8>>, StoreError> {
        for epoch in self.after + 1..=self.head {
            if let Some(bytes) = self.nodes.get((epoch, key)).map_err(store.storage())? {
                return Ok(Some(bytes.value().to_vec()));
            }
        }
        Ok(None)
    }

    /// The account's bytes at the version (`None`: as [`Self::node`]; an
    /// empty vector: no account there then).
    fn account(&self, store: &LedgerStore, index: u32) -> Result<Option<Vec<u8>>, StoreError> {
        for epoch in self.after + 1..=self.head {
            if let Some(bytes) = self.accounts.get((epoch, index)).map_err(store.storage())? {
                return Ok(Some(bytes.value().to_vec()));
            }
        }
        Ok(None)
    }
}

/// A version's registers and root (the `heads` table): timestamp, bad
/// debt and deposits little-endian, then the root's 32 bytes.
fn encode_head(head: &Head) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(56);
    for value in [head.timestamp, head.bad_debt, head.deposits] {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes.extend_from_slice(&digest_bytes(&head.root));
    bytes
}

fn decode_head(epoch: u64, bytes: &[u8]) -> Option<Head> {
    if bytes.len() != 56 {
        return None;
    }
    let word =
        |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or_default());
    Some(Head {
        epoch,
        timestamp: word(0),
        bad_debt: word(1),
        deposits: word(2),
        root: digest_from_bytes(bytes[24..56].try_into().ok()?)?,
    })
}

thread_local! {
    /// Set while this thread opens a store: its panics are reported as
    /// errors, not printed.
    static OPENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `open` (opening and checking the store of `dir`), turning a panic
/// inside redb into [`StoreError::Unreadable`]. The panic hook stays silent
/// for this thread while it opens; other threads print as before.
fn refusing_panics(
    dir: &Path,
    open: impl FnOnce() -> Result<LedgerStore, StoreError>,
) -> Result<LedgerStore, StoreError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !OPENING.with(|opening| opening.get()) {
                previous(info);
            }
        }));
    });
    OPENING.with(|opening| opening.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open));
    OPENING.with(|opening| opening.set(false));
    result.unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // The one panic known on opening (redb 2.6's page manager).
        let reason = if reason.contains("raw_file_len") {
            format!("the file is shorter than its header says (truncated): redb: {reason}")
        } else {
            format!("redb panicked: {reason}")
        };
        Err(StoreError::Unreadable {
            path: LedgerStore::file(dir),
            reason,
        })
    })
}

/// The store file of `dir`, opened by redb.
fn open_file(dir: &Path) -> Result<(PathBuf, Database), StoreError> {
    let path = LedgerStore::file(dir);
    if !path.exists() {
        return Err(StoreError::Missing { path });
    }
    let db = redb::Builder::new()
        .set_cache_size(CACHE_BYTES)
        .open(&path)
        .map_err(|source| StoreError::Open {
            path: path.clone(),
            source: Box::new(source),
        })?;
    Ok((path, db))
}

/// Writes a new store file at `path` holding `ledger`, in one transaction.
fn write_genesis(path: &Path, ledger: &Ledger, keep: u64) -> Result<(), StoreError> {
    let storage = |Redb(source): Redb| StoreError::Storage {
        path: path.into(),
        source,
    };
    let db = redb::Builder::new()
        .set_cache_size(CACHE_BYTES)
        .create(path)
        .map_err(|source| StoreError::Open {
            path: path.into(),
            source: Box::new(source),
        })?;
    let mut txn = db.begin_write().map_err(|e| storage(e.into()))?;
    txn.set_quick_repair(true);
    (|| -> Result<(), Redb> {
        let mut meta = txn.open_table(META)?;
        meta.insert(META_FORMAT_VERSION, FORMAT_VERSION.to_le_bytes().as_slice())?;
        let market = serde_json::to_vec(ledger.market()).unwrap_or_default();
        meta.insert(META_MARKET, market.as_slice())?;
        meta.insert(
            META_MARKET_HASH,
            digest_bytes(&ledger.market().hash()).as_slice(),
        )?;
        meta.insert(
            META_TREE_DEPTH,
            u64::from(ledger.market().tree_depth)
                .to_le_bytes()
                .as_slice(),
        )?;
        meta.insert(META_KEEP, keep.to_le_bytes().as_slice())?;
        meta.insert(META_PROVEN, ledger.epoch().to_le_bytes().as_slice())?;
        drop(meta);
        let head = Head {
            epoch: ledger.epoch(),
            timestamp: ledger.timestamp(),
            bad_debt: ledger.bad_debt(),
            deposits: ledger.deposits(),
            root: ledger.root(),
        };
        write_head(&txn, &head)?;
        txn.open_table(HEADS)?
            .insert(head.epoch, encode_head(&head).as_slice())?;
        let mut accounts = txn.open_table(ACCOUNTS)?;
        for (index, account) in ledger.accounts() {
            accounts.insert(index, encode_account(index, account).as_slice())?;
        }
        let mut nodes = txn.open_table(NODES)?;
        for ((height, index), node) in ledger.tree.nodes() {
            nodes.insert(node_key(height, index), &digest_bytes(&node))?;
        }
        drop((accounts, nodes));
        txn.open_table(EPOCHS)?;
        txn.open_table(ACCOUNT_UNDO)?;
        txn.open_table(NODE_UNDO)?;
        txn.open_table(PROOFS)?;
        Ok(())
    })()
    .map_err(storage)?;
    txn.commit().map_err(|e| storage(e.into()))
}

/// A redb error, boxed (redb's are large); `?` turns any of redb's errors
/// into it.
struct Redb(Box<redb::Error>);

impl<E: Into<redb::Error>> From<E> for Redb {
    fn from(error: E) -> Self {
        Self(Box::new(error.into()))
    }
}

/// Writes the head's epoch and root (meta) and registers.
fn write_head(txn: &redb::WriteTransaction, head: &Head) -> Result<(), Redb> {
    let mut meta = txn.open_table(META)?;
    meta.insert(META_EPOCH, head.epoch.to_le_bytes().as_slice())?;
    meta.insert(META_ROOT, digest_bytes(&head.root).as_slice())?;
    let mut registers = txn.open_table(REGISTERS)?;
    registers.insert(REGISTER_TIMESTAMP, head.timestamp)?;
    registers.insert(REGISTER_BAD_DEBT, head.bad_debt)?;
    registers.insert(REGISTER_DEPOSITS, head.deposits)?;
    Ok(())
}

/// The `nodes` key of the node at `height`, `index` (indices stay below
/// 2^32, the deepest tree's width).
fn node_key(height: u32, index: u64) -> u64 {
    (u64::from(height) << 40) | index
}

fn encode_account(index: u32, account: &Account) -> Vec<u8> {
    serde_json::to_vec(&AccountEntry::from_account(index, account)).unwrap_or_default()
}

/// A digest as 32 bytes: its four elements, little-endian.
fn digest_bytes(digest: &Digest) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (chunk, element) in bytes.chunks_exact_mut(8).zip(digest.elements) {
        chunk.copy_from_slice(&element.to_canonical_u64().to_le_bytes());
    }
    bytes
}

/// The digest of 32 bytes, or `None` if an element is not canonical.
fn digest_from_bytes(bytes: &[u8; 32]) -> Option<Digest> {
    let mut elements = [F::ZERO; 4];
    for (element, chunk) in elements.iter_mut().zip(bytes.chunks_exact(8)) {
        let value = u64::from_le_bytes(chunk.try_into().ok()?);
        if value >= F::ORDER {
            return None;
        }
        *element = F::from_canonical_u64(value);
    }
    Some(Digest { elements })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_round_trip_through_their_bytes_and_non_canonical_bytes_are_refused() {
        let digest = global_leaf_hash(7, 9);
        assert_eq!(digest_from_bytes(&digest_bytes(&digest)), Some(digest));
        assert_eq!(digest_from_bytes(&[0xff; 32]), None);
    }
}
