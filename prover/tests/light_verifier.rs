//! The light verifier against real proofs (tree depth 8, two steps per
//! chunk), written by the same code as `zksettle prove`: a chain of three
//! epochs (one chunk, two chunks and a fold, one chunk) and a fork of it (a
//! different epoch 1 from the same genesis).
//!
//! Each epoch is final from genesis with the attestations of every epoch up
//! to it; a client that finalized epoch 1 jumps to epoch 3 with those of 2
//! and 3, and refuses epoch 3 as a fork when it finalized the fork's epoch
//! 1 (finding 3 of the soundness review), whatever attestations it is
//! shown; every tampering is rejected with its own error; mutated proofs,
//! attestations and verifier data give errors, never panics; and `zksettle
//! verify`, `account-proof` and `verify-account` behave as `docs/cli.md` and
//! `docs/light-verification.md` say.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plonky2::field::types::{Field, Field64};
use proptest::prelude::*;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::custody::Transfers;
use zksettle_circuits::rules::encoding::{hash, ZERO_DIGEST};
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::{deposit, withdraw};
use zksettle_fixtures::builder::*;
use zksettle_prover::export::{final_verifier_bytes, params_for, trusted};
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::pipeline::job::prove_epoch_to;
use zksettle_verifier::config::F;
use zksettle_verifier::hex::digest_hex;
use zksettle_verifier::{
    verify_proof, Anchor, Attestation, AttestationFault, Digest, Finalized, Freshness, LightClient,
    ProofKind, Trusted, Verifier, VerifyError, DEFAULT_CLOCK_SKEW,
};

/// A proven history, as `zksettle prove` leaves it in its directory.
struct History {
    dir: tempfile::TempDir,
    final_proofs: Vec<Vec<u8>>,
    chain_proofs: Vec<Vec<u8>>,
    attestations: Vec<Attestation>,
    roots: Vec<Digest>,
    finalized: Vec<Finalized>,
}

fn small_market() -> Market {
    let mut m = market();
    m.tree_depth = 8;
    m
}

fn genesis() -> Ledger {
    Ledger::from_state(
        small_market(),
        &state(vec![
            account(3, 100_000 * USD, &[]),
            account(4, 100_000 * USD, &[]),
        ]),
    )
    .unwrap()
}

fn set() -> &'static CircuitSet {
    static SET: OnceLock<CircuitSet> = OnceLock::new();
    SET.get_or_init(|| CircuitSet::build(params_for(&small_market(), 2)))
}

/// Proves `ops_per_epoch` one epoch after the other from genesis, writing
/// every output, the market and the epoch files into a new directory.
fn prove_history(ops_per_epoch: Vec<Vec<Operation>>) -> History {
    let market = small_market();
    let mut ledger = genesis();
    let dir = tempfile::tempdir().unwrap();
    write_json(&dir.path().join("market.json"), &market).unwrap();
    write_json(&dir.path().join("state-0000.json"), &ledger.to_state()).unwrap();
    let mut previous = None;
    let mut h = History {
        final_proofs: vec![],
        chain_proofs: vec![],
        attestations: vec![],
        roots: vec![],
        finalized: vec![],
        dir,
    };
    for ops in ops_per_epoch {
        let epoch = next_epoch(
            &market,
            &ledger.to_state(),
            ledger.root(),
            &Quote::default(),
            ops,
        );
        let n = epoch.epoch;
        let path = |name: &str| h.dir.path().join(format!("{name}-{n:04}"));
        write_json(&path("epoch").with_extension("json"), &epoch).unwrap();
        let proven = prove_epoch_to(
            set(),
            &ledger,
            &epoch,
            previous.as_ref(),
            h.dir.path(),
            &|_| {},
        )
        .unwrap();
        h.final_proofs
            .push(std::fs::read(path("final").with_extension("proof")).unwrap());
        h.chain_proofs
            .push(std::fs::read(path("chain").with_extension("proof")).unwrap());
        let json = std::fs::read(path("attest").with_extension("json")).unwrap();
        h.attestations.push(Attestation::from_json(&json).unwrap());
        h.roots.push(proven.ledger.root());
        let s = &proven.statement;
        h.finalized.push(Finalized {
            epoch: s.epoch,
            timestamp: s.timestamp,
            prev_root: s.prev_root,
            new_root: s.new_root,
            batch_hash: s.batch_hash,
            transfers: s.transfers,
            op_count: s.op_count,
            history: s.history,
        });
        ledger = proven.ledger;
        previous = Some(proven.chain_proof);
    }
    h
}

/// Three epochs: one chunk, two chunks and a fold, one chunk.
fn chain() -> &'static History {
    static CHAIN: OnceLock<History> = OnceLock::new();
    CHAIN.get_or_init(|| {
        prove_history(vec![
            vec![deposit(5, 50 * USD), op::trade(3, 4, 0, 10, MARKS[0])],
            vec![
                withdraw(4, 2_000 * USD),
                deposit(6, 70 * USD),
                withdraw(5, 20 * USD),
            ],
            vec![withdraw(3, 100 * USD)],
        ])
    })
}

/// Another epoch 1 from the same genesis: the fork.
fn fork() -> &'static History {
    static FORK: OnceLock<History> = OnceLock::new();
    FORK.get_or_init(|| prove_history(vec![vec![deposit(5, 60 * USD)]]))
}

fn trusted_values() -> Trusted {
    trusted(&small_market(), genesis().root())
}

fn verifier() -> Verifier {
    Verifier::from_trusted_bytes(ProofKind::Final, &final_verifier_bytes(set()).unwrap()).unwrap()
}

/// Verifies a proof from genesis with the attestations of `epochs` (1-based).
fn from_genesis(proof: &[u8], epochs: &[usize]) -> Result<Finalized, VerifyError> {
    let c = chain();
    let attestations: Vec<Attestation> = epochs
        .iter()
        .map(|&e| c.attestations[e - 1].clone())
        .collect();
    let trusted = trusted_values();
    verify_proof(
        &verifier(),
        proof,
        &trusted,
        &Anchor::genesis(&trusted),
        &attestations,
        Freshness::Unchecked,
    )
}

fn last() -> &'static [u8] {
    &chain().final_proofs[2]
}

#[test]
fn every_epoch_is_final_from_genesis_with_every_attestation_up_to_it() {
    let c = chain();
    for e in 1..=3 {
        let epochs: Vec<usize> = (1..=e).collect();
        let finalized = from_genesis(&c.final_proofs[e - 1], &epochs).unwrap();
        assert_eq!(finalized, c.finalized[e - 1]);
        // The prelude verified the oracles' signatures: from genesis a
        // proof needs no attestation at all.
        assert_eq!(
            from_genesis(&c.final_proofs[e - 1], &[]).unwrap(),
            c.finalized[e - 1]
        );
        assert_eq!(finalized.new_root, c.roots[e - 1]);
    }
    assert!(
        c.final_proofs.iter().all(|p| p.len() <= 65_536),
        "final proofs of {:?} bytes",
        c.final_proofs.iter().map(Vec::len).collect::<Vec<_>>()
    );
    // The chain proofs make the same statements, under the chain verifier.
    let chain_verifier = Verifier::from_trusted_bytes(
        ProofKind::Chain,
        &zksettle_prover::export::chain_verifier_bytes(set()).unwrap(),
    )
    .unwrap();
    let trusted = trusted_values();
    let finalized = chain_verifier
        .verify(
            &c.chain_proofs[2],
            &trusted,
            &Anchor::genesis(&trusted),
            &c.attestations,
            Freshness::Unchecked,
        )
        .unwrap();
    assert_eq!(finalized, c.finalized[2]);
    assert_eq!(verifier().quorum(), 3);
}

#[test]
fn a_fresh_client_needs_every_attestation_in_order() {
    let missing = |epochs: &[usize]| from_genesis(last(), epochs).unwrap_err();
    assert!(matches!(
        missing(&[3]),
        VerifyError::MissingAttestation {
            epoch: 1,
            first: 1,
            last: 3
        }
    ));
    assert!(matches!(
        missing(&[1, 3]),
        VerifyError::MissingAttestation { epoch: 2, .. }
    ));
    assert!(matches!(
        missing(&[1, 2]),
        VerifyError::MissingAttestation { epoch: 3, .. }
    ));
    assert!(matches!(
        missing(&[1, 2, 3, 3]),
        VerifyError::UnexpectedAttestation {
            epoch: 3,
            expected: 4,
            last: 3
        }
    ));
    assert!(matches!(
        missing(&[2, 1, 3]),
        VerifyError::MissingAttestation { epoch: 1, .. }
    ));
    assert!(matches!(
        missing(&[1, 1, 2, 3]),
        VerifyError::UnexpectedAttestation {
            epoch: 1,
            expected: 2,
            last: 3
        }
    ));
}

#[test]
fn a_light_client_follows_jumps_and_never_goes_back() {
    let c = chain();
    let trusted = trusted_values();
    let mut client = LightClient::new(verifier(), trusted.clone());
    client
        .advance(
            &c.final_proofs[0],
            &c.attestations[..1],
            Freshness::Unchecked,
        )
        .unwrap();
    // Epoch 2 is skipped: epoch 3 comes with the attestations of 2 and 3.
    let finalized = client
        .advance(
            &c.final_proofs[2],
            &c.attestations[1..],
            Freshness::Unchecked,
        )
        .unwrap();
    assert_eq!(finalized, &c.finalized[2]);
    for (k, proof) in c.final_proofs.iter().enumerate() {
        assert!(matches!(
            client.advance(proof, &c.attestations[k..], Freshness::Unchecked),
            Err(VerifyError::StaleEpoch { finalized: 3, .. })
        ));
    }
    // Resumed from its finalized epoch 1, a client needs epochs 2 and 3.
    let mut resumed = LightClient::resume(verifier(), trusted, Some(c.finalized[0].clone()));
    assert!(matches!(
        resumed.advance(
            &c.final_proofs[2],
            &c.attestations[2..],
            Freshness::Unchecked
        ),
        Err(VerifyError::MissingAttestation { epoch: 2, .. })
    ));
    resumed
        .advance(
            &c.final_proofs[2],
            &c.attestations[1..],
            Freshness::Unchecked,
        )
        .unwrap();
}

/// Finding 3: a client that finalized the fork's epoch 1 (root R1') is shown
/// epoch 3 of the chain, whose history left R1'. Refused as a fork, with the
/// real attestations, with an attestation of epoch 2 relabelled to start
/// from R1', and for a client that kept only (1, R1') and takes the history
/// before epoch 2 from a forged attestation.
#[test]
fn a_jump_over_epochs_from_another_history_is_a_fork() {
    let (c, f) = (chain(), fork());
    let trusted = trusted_values();
    assert_ne!(c.roots[0], f.roots[0], "the fork's epoch 1 ends elsewhere");
    let mut client = LightClient::new(verifier(), trusted.clone());
    client
        .advance(&f.final_proofs[0], &f.attestations, Freshness::Unchecked)
        .unwrap();
    assert!(matches!(
        client.advance(
            &c.final_proofs[2],
            &c.attestations[1..],
            Freshness::Unchecked
        ),
        Err(VerifyError::Fork { epoch: 2, .. })
    ));
    let mut relabelled = c.attestations[1].clone();
    relabelled.prev_root = f.roots[0];
    relabelled.history_before = f.finalized[0].history;
    let forged = [relabelled.clone(), c.attestations[2].clone()];
    assert!(matches!(
        client.advance(&c.final_proofs[2], &forged, Freshness::Unchecked),
        Err(VerifyError::Fork { .. })
    ));
    let kept_root_only = Anchor {
        epoch: 1,
        root: f.roots[0],
        history: None,
    };
    assert!(matches!(
        verify_proof(
            &verifier(),
            last(),
            &trusted,
            &kept_root_only,
            &forged,
            Freshness::Unchecked
        ),
        Err(VerifyError::Fork { .. })
    ));
    // The fork's own history is accepted by the same client.
    let honest = Anchor {
        epoch: 1,
        root: c.roots[0],
        history: None,
    };
    verify_proof(
        &verifier(),
        last(),
        &trusted,
        &honest,
        &c.attestations[1..],
        Freshness::Unchecked,
    )
    .unwrap();
}

#[test]
fn a_proof_older_than_the_clients_max_age_is_refused_by_its_clock() {
    let c = chain();
    let trusted = trusted_values();
    let stamp = c.finalized[2].timestamp;
    let check = |freshness| {
        verify_proof(
            &verifier(),
            last(),
            &trusted,
            &Anchor::genesis(&trusted),
            &[],
            freshness,
        )
    };
    // Within the max age, up to its edge: accepted.
    for now in [stamp, stamp + 600, stamp + 3_600] {
        assert_eq!(
            check(Freshness::within(now, 3_600)).unwrap(),
            c.finalized[2]
        );
    }
    // Older by the client's clock: refused, naming both times.
    let err = check(Freshness::within(stamp + 3_601, 3_600)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::StaleTimestamp {
            timestamp: stamp,
            now: stamp + 3_601,
            max_age: 3_600
        }
    );
    let message = err.to_string();
    assert!(
        message.contains(&stamp.to_string()) && message.contains(&(stamp + 3_601).to_string()),
        "{message}"
    );
    // Stamped ahead of the client's clock by more than the skew.
    let early = stamp - DEFAULT_CLOCK_SKEW - 1;
    assert_eq!(
        check(Freshness::within(early, 3_600)),
        Err(VerifyError::FutureTimestamp {
            timestamp: stamp,
            now: early,
            max_skew: DEFAULT_CLOCK_SKEW
        })
    );
    assert!(check(Freshness::within(early + 1, 3_600)).is_ok());
    // A light client refusing a stale proof stays where it was.
    let mut client = LightClient::new(verifier(), trusted.clone());
    let first = c.finalized[0].timestamp;
    client
        .advance(&c.final_proofs[0], &[], Freshness::within(first + 10, 60))
        .unwrap();
    assert!(matches!(
        client.advance(
            &c.final_proofs[2],
            &c.attestations[1..],
            Freshness::within(stamp + 61, 60)
        ),
        Err(VerifyError::StaleTimestamp { .. })
    ));
    assert_eq!(client.finalized(), Some(&c.finalized[0]));
    client
        .advance(
            &c.final_proofs[2],
            &c.attestations[1..],
            Freshness::within(stamp + 60, 60),
        )
        .unwrap();
}

#[test]
fn an_attestation_after_the_proofs_epoch_is_unexpected_not_a_fork() {
    let c = chain();
    let beyond = VerifyError::UnexpectedAttestation {
        epoch: 3,
        expected: 3,
        last: 2,
    };
    assert_eq!(
        from_genesis(&c.final_proofs[1], &[1, 2, 3]),
        Err(beyond.clone())
    );
    let mut client =
        LightClient::resume(verifier(), trusted_values(), Some(c.finalized[0].clone()));
    assert_eq!(
        client
            .advance(
                &c.final_proofs[1],
                &c.attestations[1..],
                Freshness::Unchecked
            )
            .map(|f| f.epoch),
        Err(beyond)
    );
    client
        .advance(
            &c.final_proofs[1],
            &c.attestations[1..2],
            Freshness::Unchecked,
        )
        .unwrap();
}

#[test]
fn a_flipped_byte_anywhere_in_the_proof_is_rejected() {
    let proof = last();
    let public = 8 * verifier_public_inputs();
    let positions = (0..proof.len())
        .step_by(397)
        .chain(proof.len() - public..proof.len());
    for at in positions {
        let mut bad = proof.to_vec();
        bad[at] ^= 0x01;
        assert!(
            from_genesis(&bad, &[1, 2, 3]).is_err(),
            "flipping byte {at} of {} was accepted",
            proof.len()
        );
    }
}

fn verifier_public_inputs() -> usize {
    verifier().decode(last()).unwrap().public_inputs().len()
}

/// The final proof with public input `index` replaced by `value`.
fn with_public_input(index: usize, value: F) -> Vec<u8> {
    match verifier().decode(last()).unwrap() {
        zksettle_verifier::DecodedProof::Final(mut p) => {
            p.public_inputs[index] = value;
            p.to_bytes()
        }
        zksettle_verifier::DecodedProof::Chain(_) => unreachable!(),
    }
}

#[test]
fn a_changed_public_input_is_rejected_with_its_own_error() {
    let original = verifier().decode(last()).unwrap().public_inputs().to_vec();
    assert_eq!(original.len(), 49);
    let mismatch = |e: &VerifyError, name: &str| matches!(e, VerifyError::Attestation { epoch: 3, fault: AttestationFault::Mismatch { field, .. } } if *field == name);
    for (index, element) in original.iter().enumerate() {
        let err =
            from_genesis(&with_public_input(index, *element + F::ONE), &[1, 2, 3]).unwrap_err();
        let expected = match index {
            0..=3 => matches!(
                err,
                VerifyError::PublicInputMismatch {
                    field: "market_hash",
                    ..
                }
            ),
            4..=7 => matches!(
                err,
                VerifyError::PublicInputMismatch {
                    field: "genesis_root",
                    ..
                }
            ),
            8..=11 => mismatch(&err, "prev_root"),
            12..=15 => mismatch(&err, "new_root"),
            16 => matches!(err, VerifyError::MissingAttestation { epoch: 4, .. }),
            17 => mismatch(&err, "timestamp"),
            18..=21 => mismatch(&err, "batch_hash"),
            22..=25 => mismatch(&err, "deposit_log"),
            26 => mismatch(&err, "deposited"),
            27..=30 => mismatch(&err, "withdrawal_log"),
            31 => mismatch(&err, "withdrawn"),
            32..=43 => matches!(
                err,
                VerifyError::Attestation {
                    fault: AttestationFault::ReportHashMismatch { .. },
                    ..
                }
            ),
            44 => mismatch(&err, "op_count"),
            _ => matches!(err, VerifyError::Fork { .. }),
        };
        assert!(expected, "public input {index}: {err}");
    }
}

#[test]
fn wrong_trusted_values_are_rejected() {
    let c = chain();
    let check = |trusted: &Trusted| {
        verify_proof(
            &verifier(),
            last(),
            trusted,
            &Anchor::genesis(trusted),
            &c.attestations,
            Freshness::Unchecked,
        )
    };
    let mut other_terms = trusted_values();
    other_terms.market_terms = hash(&[F::ONE]);
    assert!(matches!(
        check(&other_terms),
        Err(VerifyError::PublicInputMismatch {
            field: "market_hash",
            ..
        })
    ));
    // The oracle keys are bound to the market hash: a client given other
    // keys (which would accept other signatures) refuses the proof.
    let mut other_key = trusted_values();
    other_key.oracles.keys[0] = other_key.oracles.keys[3];
    assert!(matches!(
        check(&other_key),
        Err(VerifyError::PublicInputMismatch {
            field: "market_hash",
            ..
        })
    ));
    let mut other_genesis = trusted_values();
    other_genesis.genesis_root = c.roots[0];
    assert!(matches!(
        check(&other_genesis),
        Err(VerifyError::PublicInputMismatch {
            field: "genesis_root",
            ..
        })
    ));
    let mut other_quorum = trusted_values();
    other_quorum.oracles.quorum = 1;
    assert!(matches!(
        check(&other_quorum),
        Err(VerifyError::WrongShape(_))
    ));
}

#[test]
fn forged_duplicated_missing_or_foreign_reports_are_rejected() {
    let c = chain();
    let check = |edit: &dyn Fn(&mut Attestation), epoch: usize| {
        let mut attestations = c.attestations.clone();
        edit(&mut attestations[epoch - 1]);
        let trusted = trusted_values();
        verify_proof(
            &verifier(),
            last(),
            &trusted,
            &Anchor::genesis(&trusted),
            &attestations,
            Freshness::Unchecked,
        )
        .unwrap_err()
    };
    let fault = |e: VerifyError| match e {
        VerifyError::Attestation { epoch, fault } => (epoch, fault),
        other => panic!("not an attestation's fault: {other}"),
    };
    assert!(matches!(
        fault(check(&|a| a.reports[2] = a.reports[0].clone(), 3)),
        (3, AttestationFault::DuplicateOracle { index: 2, .. })
    ));
    assert!(matches!(
        fault(check(
            &|a| {
                a.reports.pop();
            },
            3
        )),
        (
            3,
            AttestationFault::BelowQuorum {
                reports: 2,
                quorum: 3
            }
        )
    ));
    assert!(matches!(
        fault(check(&|a| a.reports.push(a.reports[0].clone()), 3)),
        (3, AttestationFault::ExtraReports { .. })
    ));
    assert!(matches!(
        fault(check(&|a| a.reports[0].oracle = 99, 3)),
        (3, AttestationFault::UnknownOracle { oracle: 99, .. })
    ));
    // A repriced report of an earlier epoch is not the proven epoch's: the
    // history differs (its signature was the proof's to check).
    let resigned = |a: &mut Attestation| a.reports[0].spot[0] += 100;
    assert!(matches!(check(&resigned, 1), VerifyError::Fork { .. }));
    assert!(matches!(
        fault(check(&resigned, 3)),
        (3, AttestationFault::ReportHashMismatch { index: 0, .. })
    ));
}

#[test]
fn truncated_extended_or_foreign_bytes_are_malformed() {
    let proof = last();
    for bad in [
        &proof[..proof.len() - 1],
        &proof[..1000],
        &[][..],
        &[proof, &[0u8][..]].concat()[..],
        &chain().chain_proofs[2][..],
    ] {
        assert!(matches!(
            from_genesis(bad, &[1, 2, 3]),
            Err(VerifyError::MalformedProof(_) | VerifyError::WrongShape(_))
        ));
    }
    let mut non_canonical = proof.to_vec();
    let at = proof.len() - 8;
    let value = u64::from_le_bytes(non_canonical[at..].try_into().unwrap());
    if let Some(big) = value.checked_add(F::ORDER) {
        non_canonical[at..].copy_from_slice(&big.to_le_bytes());
        assert!(matches!(
            from_genesis(&non_canonical, &[1, 2, 3]),
            Err(VerifyError::MalformedProof(_))
        ));
    }
    assert!(matches!(
        Attestation::from_json(b"{\"epoch\":1}"),
        Err(VerifyError::MalformedAttestation(_))
    ));
    let data = final_verifier_bytes(set()).unwrap();
    assert!(Verifier::from_trusted_bytes(ProofKind::Final, &data[..data.len() / 2]).is_err());
    let pinned = Verifier::data_digest(&data);
    assert!(Verifier::from_pinned_bytes(ProofKind::Final, &data, &pinned).is_ok());
    let mut flipped = data.clone();
    flipped[10] ^= 1;
    assert!(matches!(
        Verifier::from_pinned_bytes(ProofKind::Final, &flipped, &pinned),
        Err(VerifyError::MalformedVerifierData(_))
    ));
}

/// A mutation of some bytes: flips, a truncation, an extension, or noise.
fn mutate(bytes: &[u8], kind: u8, at: usize, noise: &[u8]) -> Vec<u8> {
    let at = at % bytes.len().max(1);
    let mut out = bytes.to_vec();
    match kind % 4 {
        0 => {
            for (i, n) in noise.iter().enumerate() {
                if let Some(b) = out.get_mut((at + i * 97) % bytes.len().max(1)) {
                    *b ^= n | 1;
                }
            }
        }
        1 => out.truncate(at),
        2 => out.extend_from_slice(noise),
        _ => return noise.to_vec(),
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_proofs_are_errors_not_panics(
        kind in 0u8..4, at in any::<usize>(), noise in proptest::collection::vec(any::<u8>(), 1..64)
    ) {
        let bad = mutate(last(), kind, at, &noise);
        prop_assume!(bad != last());
        prop_assert!(from_genesis(&bad, &[1, 2, 3]).is_err());
    }

    #[test]
    fn mutated_attestations_are_errors_not_panics(
        epoch in 0usize..3, kind in 0u8..4, at in any::<usize>(),
        noise in proptest::collection::vec(any::<u8>(), 1..64)
    ) {
        let c = chain();
        let json = serde_json::to_vec(&c.attestations[epoch]).unwrap();
        let bad = mutate(&json, kind, at, &noise);
        if let Ok(parsed) = Attestation::from_json(&bad) {
            prop_assume!(parsed != c.attestations[epoch]);
            let mut attestations = c.attestations.clone();
            attestations[epoch] = parsed;
            let trusted = trusted_values();
            let result = verify_proof(
                &verifier(), last(), &trusted, &Anchor::genesis(&trusted), &attestations, Freshness::Unchecked,
            );
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn mutated_verifier_data_is_an_error_not_a_panic(
        kind in 0u8..4, at in any::<usize>(), noise in proptest::collection::vec(any::<u8>(), 1..64)
    ) {
        let data = final_verifier_bytes(set()).unwrap();
        let bad = mutate(&data, kind, at, &noise);
        prop_assume!(bad != data);
        let pinned = Verifier::data_digest(&data);
        prop_assert!(Verifier::from_pinned_bytes(ProofKind::Final, &bad, &pinned).is_err());
        prop_assert!(
            Verifier::from_trusted_bytes(ProofKind::Final, &data[..at % data.len()]).is_err()
        );
    }
}

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

fn zksettle(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_zksettle"))
        .args(args)
        .output()
        .unwrap()
}

fn file(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// Writes this set's final verifier data into the chain's directory and
/// returns its path and data digest (`--verifier`, `--verifier-digest`).
fn pinned_verifier(dir: &Path) -> (String, String) {
    static PINNED: OnceLock<(String, String)> = OnceLock::new();
    PINNED
        .get_or_init(|| {
            let data = final_verifier_bytes(set()).unwrap();
            let path = dir.join("final.bin");
            std::fs::write(&path, &data).unwrap();
            (
                path.display().to_string(),
                digest_hex(&Verifier::data_digest(&data)),
            )
        })
        .clone()
}

/// `zksettle verify` of the chain's epoch-3 final proof with `extra` arguments.
fn verify_cli(proof: &Path, extra: &[String]) -> std::process::Output {
    let dir = chain().dir.path();
    let (data, pin) = pinned_verifier(dir);
    let genesis = digest_hex(&genesis().root());
    let mut args = vec![
        "verify".to_string(),
        "--market".into(),
        file(dir, "market.json"),
        "--genesis-root".into(),
        genesis,
        "--proof".into(),
        proof.display().to_string(),
        "--verifier".into(),
        data,
        "--verifier-digest".into(),
        pin,
    ];
    args.extend(extra.iter().cloned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    zksettle(&refs)
}

fn attest(epochs: &[u64]) -> Vec<String> {
    let dir = chain().dir.path();
    epochs
        .iter()
        .flat_map(|e| {
            [
                "--attestation".to_string(),
                file(dir, &format!("attest-{e:04}.json")),
            ]
        })
        .collect()
}

fn refused(output: &std::process::Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
}

fn accepted(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn final3() -> PathBuf {
    chain().dir.path().join("final-0003.proof")
}

#[test]
fn zksettle_verify_needs_the_attestations_since_the_finalized_epoch() {
    let c = chain();
    let r1 = digest_hex(&c.roots[0]);
    let finalized = |root: &str| {
        vec![
            "--finalized-epoch".to_string(),
            "1".into(),
            "--finalized-root".into(),
            root.to_string(),
        ]
    };
    let line = accepted(&verify_cli(&final3(), &attest(&[1, 2, 3])));
    assert_eq!(line["epoch"], 3);
    // Epoch 3's transfers: no deposit, one withdrawal of 100 USD; the
    // withdrawal log names account 3, the amount, its nonce and its owner.
    let transfers = &line["transfers"];
    assert_eq!(transfers["deposited"], 0);
    assert_eq!(transfers["withdrawn"], 100 * USD);
    assert_eq!(transfers["deposit_log"], digest_hex(&ZERO_DIGEST));
    let epoch3: Epoch =
        serde_json::from_slice(&std::fs::read(c.dir.path().join("epoch-0003.json")).unwrap())
            .unwrap();
    let Some(Operation::Withdraw(w)) = epoch3.ops.first() else {
        panic!("epoch 3 is one withdrawal")
    };
    let logged = Transfers::NONE.withdrawal(3, &owner(3), 100 * USD, w.nonce);
    assert_eq!(
        transfers["withdrawal_log"],
        digest_hex(&logged.withdrawal_log)
    );
    // Epoch 2 credited its one attested deposit and debited two withdrawals.
    assert_eq!(c.finalized[1].transfers.deposited, 70 * USD);
    assert_eq!(c.finalized[1].transfers.withdrawn, 2_020 * USD);
    assert_eq!(c.attestations[1].transfers, c.finalized[1].transfers);
    // From genesis the proof alone suffices (oracle signatures are proven).
    let alone = accepted(&verify_cli(&final3(), &[]));
    assert_eq!(alone["new_root"], digest_hex(&c.roots[2]));
    assert_eq!(line["proof"], "final");
    assert_eq!(line["new_root"], digest_hex(&c.roots[2]));
    refused(
        &verify_cli(&final3(), &attest(&[3])),
        "no attestation for epoch 1",
    );
    let mut only_3 = finalized(&r1);
    only_3.extend(attest(&[3]));
    refused(
        &verify_cli(&final3(), &only_3),
        "no attestation for epoch 2",
    );
    let mut two_and_3 = finalized(&r1);
    two_and_3.extend(attest(&[2, 3]));
    assert_eq!(accepted(&verify_cli(&final3(), &two_and_3))["epoch"], 3);
    let mut wrong_root = finalized(&digest_hex(&c.roots[1]));
    wrong_root.extend(attest(&[2, 3]));
    refused(&verify_cli(&final3(), &wrong_root), "fork at epoch 2");
    let mut stale = vec![
        "--finalized-epoch".to_string(),
        "3".into(),
        "--finalized-root".into(),
        digest_hex(&c.roots[2]),
    ];
    stale.extend(attest(&[]));
    refused(
        &verify_cli(&final3(), &stale),
        "epoch 3 is not newer than the finalized epoch 3",
    );
    // A bad attestation names its file.
    let dir = tempfile::tempdir().unwrap();
    let mut forged = c.attestations[1].clone();
    forged.reports[0].oracle = 99;
    let forged_path = dir.path().join("attest-0002.json");
    write_json(&forged_path, &forged).unwrap();
    let mut args = attest(&[1]);
    args.extend([
        "--attestation".to_string(),
        forged_path.display().to_string(),
    ]);
    args.extend(attest(&[3]));
    let output = verify_cli(&final3(), &args);
    refused(&output, "attest-0002.json");
    refused(&output, "oracle 99 is not in the trusted set");
    // Unpinned verifier data is refused by the command line itself.
    pinned_verifier(c.dir.path());
    let output = zksettle(&[
        "verify",
        "--market",
        &file(c.dir.path(), "market.json"),
        "--genesis-root",
        &digest_hex(&genesis().root()),
        "--proof",
        &final3().display().to_string(),
        "--verifier",
        &file(c.dir.path(), "final.bin"),
    ]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
}

#[test]
fn zksettle_verify_max_age_refuses_a_proof_older_than_now_minus_max_age() {
    let stamp = chain().finalized[2].timestamp;
    let bound = |now: u64, max_age: u64| {
        vec![
            "--max-age".to_string(),
            max_age.to_string(),
            "--now".into(),
            now.to_string(),
        ]
    };
    let line = accepted(&verify_cli(&final3(), &bound(stamp + 600, 3_600)));
    assert_eq!(line["timestamp"], stamp);
    let old = verify_cli(&final3(), &bound(stamp + 7_200, 3_600));
    refused(
        &old,
        &format!(
            "the proof's epoch timestamp {stamp} is more than 3600 s before now {}",
            stamp + 7_200
        ),
    );
    refused(&old, "final-0003.proof");
    refused(
        &verify_cli(&final3(), &bound(stamp - 3_600, 3_600)),
        &format!(
            "the proof's epoch timestamp {stamp} is more than 60 s after now {}",
            stamp - 3_600
        ),
    );
    // Without --now, the system clock (some time after the fixtures' epochs).
    let any_age = vec!["--max-age".to_string(), u64::MAX.to_string()];
    accepted(&verify_cli(&final3(), &any_age));
}

#[test]
fn zksettle_verify_checks_the_published_epoch_file() {
    let dir = chain().dir.path();
    let mut args = attest(&[1, 2, 3]);
    args.extend(["--epoch".to_string(), file(dir, "epoch-0003.json")]);
    accepted(&verify_cli(&final3(), &args));
    let original: Epoch =
        serde_json::from_slice(&std::fs::read(dir.join("epoch-0003.json")).unwrap()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let changed = |edit: &dyn Fn(&mut Epoch)| {
        let mut epoch = original.clone();
        edit(&mut epoch);
        let path = scratch.path().join("epoch-0003.json");
        write_json(&path, &epoch).unwrap();
        let mut args = attest(&[1, 2, 3]);
        args.extend(["--epoch".to_string(), path.display().to_string()]);
        verify_cli(&final3(), &args)
    };
    refused(
        &changed(&|e| {
            if let Operation::Withdraw(w) = &mut e.ops[0] {
                w.amount += 1;
            }
        }),
        "its operations hash to",
    );
    refused(&changed(&|e| e.ops.push(withdraw(3, 1))), "operations");
    refused(&changed(&|e| e.timestamp += 1), "timestamp");
    // An amount beyond the field hashes as its reduction: refused, not equal.
    refused(
        &changed(&|e| {
            if let Operation::Withdraw(w) = &mut e.ops[0] {
                w.amount += 0xffff_ffff_0000_0001;
            }
        }),
        "not a batch",
    );
    refused(
        &changed(&|e| e.reports[0].mark[0] += 100),
        "report 0 is not the attested report",
    );
}

#[test]
fn account_proofs_round_trip_and_refuse_tampering() {
    let c = chain();
    let dir = c.dir.path();
    let proof_path = dir.join("account-3.json");
    let output = zksettle(&[
        "account-proof",
        "--market",
        &file(dir, "market.json"),
        "--state",
        &file(dir, "state-0003.json"),
        "--account",
        "3",
        "--out",
        &proof_path.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let root = digest_hex(&c.roots[2]);
    let check = |path: &Path| {
        zksettle(&[
            "verify-account",
            "--market",
            &file(dir, "market.json"),
            "--root",
            &root,
            "--proof",
            &path.display().to_string(),
        ])
    };
    let line = accepted(&check(&proof_path));
    assert_eq!(line["index"], 3);
    let expected_cash = genesis().account(3).cash
        - 100 * USD
        - 10 * MARKS[0] / 100
        - zksettle_circuits::rules::ops::trade_fee(10, MARKS[0], BTC, 3, 1_250) as u64;
    assert_eq!(line["account"]["cash"], expected_cash);
    let mut proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
    let tampered = |edit: &dyn Fn(&mut serde_json::Value), name: &str| {
        let mut p = proof.clone();
        edit(&mut p);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(&p).unwrap()).unwrap();
        check(&path)
    };
    refused(
        &tampered(
            &|p| p["account"]["cash"] = (expected_cash + 1).into(),
            "leaf.json",
        ),
        "hashes to",
    );
    let sibling = digest_hex(&hash(&[F::TWO]));
    refused(
        &tampered(&|p| p["siblings"][3] = sibling.clone().into(), "path.json"),
        "reaches",
    );
    refused(
        &tampered(&|p| p["index"] = 4.into(), "index.json"),
        "reaches",
    );
    // One sibling per level of the market's depth-8 tree, no fewer or more.
    refused(
        &tampered(
            &|p| {
                p["siblings"].as_array_mut().unwrap().pop();
            },
            "short.json",
        ),
        "the path has 7 siblings, the market's tree has depth 8",
    );
    refused(
        &tampered(
            &|p| {
                p["siblings"]
                    .as_array_mut()
                    .unwrap()
                    .push(sibling.clone().into());
            },
            "long.json",
        ),
        "the path has 9 siblings, the market's tree has depth 8",
    );
    // Another root than the trusted one.
    proof["root"] = digest_hex(&c.roots[1]).into();
    std::fs::write(dir.join("root.json"), serde_json::to_vec(&proof).unwrap()).unwrap();
    refused(&check(&dir.join("root.json")), "the trusted root is");
    // The global leaf and an index beyond the tree have no account proof.
    for account in ["2", "256"] {
        let output = zksettle(&[
            "account-proof",
            "--market",
            &file(dir, "market.json"),
            "--state",
            &file(dir, "state-0003.json"),
            "--account",
            account,
        ]);
        refused(&output, "is not an account");
    }
}

#[test]
fn zksettle_inspect_prints_the_statement() {
    let c = chain();
    let (data, pin) = pinned_verifier(c.dir.path());
    let output = zksettle(&[
        "inspect",
        &final3().display().to_string(),
        "--verifier",
        &data,
        "--verifier-digest",
        &pin,
    ]);
    let line = accepted(&output);
    assert_eq!(line["epoch"], 3);
    assert_eq!(line["history"], digest_hex(&c.finalized[2].history));
}
