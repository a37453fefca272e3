//! `zksettle verify`: light verification of a final (or chain) proof with
//! `zksettle-verifier` (`docs/design.md` section 12): prints the finalized epoch as
//! JSON, or exits 1 with one line naming the file and the reason.
//!
//! A fresh client (no `--finalized-*`) needs the attestations of every epoch
//! from 1 to the proof's; a client that finalized epoch `N` at root `R`
//! (`--finalized-epoch N --finalized-root R`) needs those of `N+1` to the
//! proof's, and the proof is refused as a fork unless its history passes
//! through `R` at `N`. With `--epoch`, the published epoch file is checked
//! against the proof: its operations hash to the proof's batch hash.
//!
//! The epoch timestamp is the operator's choice, and order expiries and
//! report ages are relative to it: a proof of an old epoch still verifies.
//! With `--max-age S` the proof is refused unless its epoch timestamp is at
//! most `S` seconds before now (the system clock, or `--now`) and at most
//! a minute after it; without it no age is checked.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use zksettle_circuits::rules::encoding::{digest_hex, parse_digest};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::market::Market;
use zksettle_circuits::rules::ops::{batch_hash, decode_batch, SettlementRegisters};
use zksettle_prover::export::trusted;
use zksettle_prover::io::read_json;
use zksettle_verifier::{
    Anchor, Attestation, Finalized, Freshness, ProofKind, Verifier, VerifyError,
};

/// Arguments of `zksettle verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The market the chain follows (its terms and oracle set are trusted).
    #[arg(long)]
    market: PathBuf,
    /// The trusted genesis root, `0x` hex.
    #[arg(long)]
    genesis_root: String,
    /// The proof: a final proof (final-NNNN.proof) or a chain proof
    /// (chain-NNNN.proof).
    #[arg(long)]
    proof: PathBuf,
    /// The attestation of one epoch (attest-NNNN.json); repeat it for every
    /// epoch after the finalized one, up to the proof's, in order. None is
    /// needed from genesis: the proof verified the oracles' signatures.
    #[arg(long)]
    attestation: Vec<PathBuf>,
    /// The latest epoch this client already finalized (with its root).
    #[arg(long, requires = "finalized_root")]
    finalized_epoch: Option<u64>,
    /// The root of the finalized epoch, `0x` hex.
    #[arg(long, requires = "finalized_epoch")]
    finalized_root: Option<String>,
    /// The published epoch file (epoch-NNNN.json) of the proof's epoch: its
    /// operations must hash to the proof's batch hash.
    #[arg(long)]
    epoch: Option<PathBuf>,
    /// Verifier data (default: the shipped data for the default parameters),
    /// as `zksettle export-verifier` writes it.
    #[arg(long, requires = "verifier_digest")]
    verifier: Option<PathBuf>,
    /// The data digest the verifier data must have (`zksettle
    /// export-verifier` prints it): data from elsewhere is pinned by its bytes.
    #[arg(long, requires = "verifier")]
    verifier_digest: Option<String>,
    /// Refuse the proof unless its epoch timestamp is at most this many
    /// seconds before now (and at most a minute after): the operator picks
    /// the timestamp, so only the client's clock bounds how stale the
    /// proven state is. Default: no age check.
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
    /// Now, unix seconds, for `--max-age` (default: the system clock), for
    /// reproducible checks.
    #[arg(long, value_name = "UNIX", requires = "max_age")]
    now: Option<u64>,
}

/// The freshness `--max-age` and `--now` ask for.
fn freshness(max_age: Option<u64>, now: Option<u64>) -> Result<Freshness> {
    let Some(max_age) = max_age else {
        return Ok(Freshness::Unchecked);
    };
    let now = match now {
        Some(now) => now,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs(),
    };
    Ok(Freshness::within(now, max_age))
}

/// The verifiers to try, final first: the shipped ones, or the pinned file.
pub fn load_verifiers(path: Option<&Path>, pin: Option<&str>) -> Result<Vec<Verifier>> {
    match (path, pin) {
        (Some(path), Some(pin)) => {
            let pin = parse_digest(pin).context("--verifier-digest")?;
            let bytes =
                std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let verifier = Verifier::from_pinned_bytes(ProofKind::Final, &bytes, &pin)
                .or_else(|_| Verifier::from_pinned_bytes(ProofKind::Chain, &bytes, &pin))
                .with_context(|| format!("{}", path.display()))?;
            Ok(vec![verifier])
        }
        _ => Ok(vec![
            Verifier::shipped_kind(ProofKind::Final)?,
            Verifier::shipped_kind(ProofKind::Chain)?,
        ]),
    }
}

/// The verifier whose circuit `proof` is a proof of (the first decoding it).
pub fn pick<'a>(verifiers: &'a [Verifier], proof: &[u8]) -> Result<&'a Verifier, VerifyError> {
    let mut first_error = None;
    for verifier in verifiers {
        match verifier.decode(proof) {
            Ok(_) => return Ok(verifier),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error
        .unwrap_or_else(|| VerifyError::MalformedProof("no verifier data to decode with".into())))
}

/// Verifies and prints `{"epoch","timestamp","prev_root","new_root","batch_hash",
/// "transfers":{"deposit_log","deposited","withdrawal_log","withdrawn"},"op_count",
/// "history","proof","verify_ms"}`: the epoch's deposits (exactly the ones
/// its custodians attested) and withdrawals (exactly the ones to pay out).
pub fn run(args: Args) -> Result<()> {
    let market: Market = read_json(&args.market)?;
    market
        .validate()
        .with_context(|| format!("{}", args.market.display()))?;
    let genesis_root = parse_digest(&args.genesis_root).context("--genesis-root")?;
    let trusted = trusted(&market, genesis_root);
    let anchor = match (args.finalized_epoch, &args.finalized_root) {
        (Some(epoch), Some(root)) => Anchor {
            epoch,
            root: parse_digest(root).context("--finalized-root")?,
            history: None,
        },
        _ => Anchor::genesis(&trusted),
    };
    let freshness = freshness(args.max_age, args.now)?;
    let verifiers = load_verifiers(args.verifier.as_deref(), args.verifier_digest.as_deref())?;
    let proof = std::fs::read(&args.proof)
        .with_context(|| format!("{}: cannot read", args.proof.display()))?;
    let mut attestations = Vec::with_capacity(args.attestation.len());
    for path in &args.attestation {
        let bytes =
            std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let attestation =
            Attestation::from_json(&bytes).with_context(|| format!("{}", path.display()))?;
        attestations.push(attestation);
    }
    let clock = Instant::now();
    let at_fault = |e: VerifyError| {
        let file = e
            .attestation_epoch()
            .and_then(|epoch| {
                attestations
                    .iter()
                    .zip(&args.attestation)
                    .find(|(a, _)| a.epoch == epoch)
                    .map(|(_, path)| path)
            })
            .unwrap_or(&args.proof);
        anyhow::Error::new(e).context(file.display().to_string())
    };
    let verifier = pick(&verifiers, &proof).map_err(at_fault)?;
    let finalized = verifier
        .verify(&proof, &trusted, &anchor, &attestations, freshness)
        .map_err(at_fault)?;
    let verify_ms = clock.elapsed().as_secs_f64() * 1000.0;
    if let Some(path) = &args.epoch {
        check_epoch_file(&market, path, &finalized, attestations.last())?;
    }
    let mut line = serde_json::to_value(&finalized)?;
    line["proof"] = serde_json::json!(match verifier.kind() {
        ProofKind::Final => "final",
        ProofKind::Chain => "chain",
    });
    line["verify_ms"] = serde_json::json!((verify_ms * 100.0).round() / 100.0);
    println!("{line}");
    Ok(())
}

/// The published epoch file is the proven epoch's: its number, time and
/// starting root, its operation count, its reports are the attested ones,
/// and its operations hash to the proof's batch hash (so anyone holding the
/// epoch files can replay).
fn check_epoch_file(
    market: &Market,
    path: &Path,
    finalized: &Finalized,
    attested: Option<&Attestation>,
) -> Result<()> {
    let epoch: Epoch = read_json(path)?;
    let fail = |what: String| anyhow::anyhow!("{}: {what}", path.display());
    if epoch.epoch != finalized.epoch {
        return Err(fail(format!(
            "epoch {} is not the proof's epoch {}",
            epoch.epoch, finalized.epoch
        )));
    }
    if epoch.timestamp != finalized.timestamp {
        return Err(fail(format!(
            "timestamp {} is not the proof's {}",
            epoch.timestamp, finalized.timestamp
        )));
    }
    if epoch.prev_root != finalized.prev_root {
        return Err(fail(format!(
            "prev_root {} is not the proof's {}",
            digest_hex(&epoch.prev_root),
            digest_hex(&finalized.prev_root)
        )));
    }
    if epoch.ops.len() as u64 != finalized.op_count {
        return Err(fail(format!(
            "{} operations, the proof's epoch has {}",
            epoch.ops.len(),
            finalized.op_count
        )));
    }
    // Every value must encode as itself (a number beyond the field would hash
    // as its reduction): the items decode back to exactly these operations.
    let items: Vec<_> = epoch.ops.iter().flat_map(|op| op.batch_items()).collect();
    // (A withdrawal's authorization is a witness: it decodes without one.)
    let committed: Vec<_> = epoch.ops.iter().map(|op| op.committed()).collect();
    let canonical = decode_batch(&items, SettlementRegisters::CLOSED).ok();
    if canonical.as_ref().map(|(ops, _)| ops) != Some(&committed) {
        return Err(fail(
            "its operations are not a batch (a value beyond its bound, or a settlement without holders)"
                .into(),
        ));
    }
    let deposits = zksettle_circuits::rules::custody::deposits_of(&epoch.ops);
    if (deposits.deposit_log, deposits.deposited)
        != (
            finalized.transfers.deposit_log,
            finalized.transfers.deposited,
        )
    {
        return Err(fail(format!(
            "its deposits total {} with log {}, the proof credited {} with log {}",
            deposits.deposited,
            digest_hex(&deposits.deposit_log),
            finalized.transfers.deposited,
            digest_hex(&finalized.transfers.deposit_log)
        )));
    }
    let hash = batch_hash(&epoch.ops);
    if hash != finalized.batch_hash {
        return Err(fail(format!(
            "its operations hash to {}, the proof's batch hash is {}",
            digest_hex(&hash),
            digest_hex(&finalized.batch_hash)
        )));
    }
    if let Some(attested) = attested {
        for (index, (report, signed)) in epoch.reports.iter().zip(&attested.reports).enumerate() {
            let canonical = report
                .canonical(market)
                .map_err(|e| fail(format!("report {index}: {e}")))?;
            if canonical.hash() != signed.hash() {
                return Err(fail(format!(
                    "report {index} is not the attested report of oracle {}",
                    signed.oracle
                )));
            }
        }
        if epoch.reports.len() != attested.reports.len() {
            return Err(fail(format!(
                "{} reports, the attestation has {}",
                epoch.reports.len(),
                attested.reports.len()
            )));
        }
    }
    Ok(())
}
