//! The light verifier against real chain proofs (tree depth 8, two steps per
//! chunk; epoch 1 is one chunk, epoch 2 two chunks and a fold), written by
//! the same code as `zksettle prove`: each epoch verifies from its files;
//! every tampering named by the verifier issue is rejected with its own
//! error; random and mutated proofs, verifier data and attestations give an
//! error, never a panic.

use std::sync::OnceLock;

use plonky2::field::types::{Field, Field64, PrimeField64};
use proptest::prelude::*;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::encoding::hash;
use zksettle_circuits::rules::ops::{Deposit, Operation, Trade, Withdraw};
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::*;
use zksettle_prover::export::{chain_verifier_bytes, params_for, trusted};
use zksettle_prover::ledger::Ledger;
use zksettle_prover::pipeline::job::prove_epoch_to;
use zksettle_verifier::config::F;
use zksettle_verifier::{
    verify_chain, Attestation, ChainVerifier, Finalized, LightClient, Trusted, VerifyError,
};

struct Chain {
    verifier_data: Vec<u8>,
    trusted: Trusted,
    proofs: Vec<Vec<u8>>,
    attestations: Vec<Attestation>,
    roots: Vec<zksettle_verifier::Digest>,
}

fn small_market() -> Market {
    let mut m = market();
    m.tree_depth = 8;
    m
}

fn epochs(market: &Market, genesis: &Ledger) -> Vec<Epoch> {
    let first = Epoch {
        ops: vec![
            Operation::Deposit(Deposit {
                account: 5,
                owner: owner(5),
                amount: 50 * USD,
            }),
            Operation::Trade(Trade {
                buyer: 3,
                seller: 4,
                instrument: 0,
                qty: 10,
                price: MARKS[0],
            }),
        ],
        ..epoch(market, genesis.root(), vec![])
    };
    let (after, _) = genesis.apply_epoch(&first).unwrap();
    let second = next_epoch(
        market,
        &after.to_state(),
        after.root(),
        &Quote::default(),
        vec![
            Operation::Withdraw(Withdraw {
                account: 4,
                amount: 2_000 * USD,
            }),
            Operation::Deposit(Deposit {
                account: 6,
                owner: owner(6),
                amount: 70 * USD,
            }),
            Operation::Withdraw(Withdraw {
                account: 5,
                amount: 20 * USD,
            }),
        ],
    );
    vec![first, second]
}

/// Two chained epochs, proven once per test binary.
fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let market = small_market();
        let set = CircuitSet::build(params_for(&market, 2));
        let mut ledger = Ledger::from_state(
            market.clone(),
            &state(vec![
                account(3, 100_000 * USD, &[]),
                account(4, 100_000 * USD, &[]),
            ]),
        )
        .unwrap();
        let trusted = trusted(&market, ledger.root());
        let dir = tempfile::tempdir().unwrap();
        let mut previous = None;
        let (mut proofs, mut attestations, mut roots) = (vec![], vec![], vec![]);
        for epoch in epochs(&market, &ledger) {
            let proven = prove_epoch_to(
                &set,
                &ledger,
                &epoch,
                previous.as_ref(),
                dir.path(),
                &|_| {},
            )
            .unwrap();
            let n = epoch.epoch;
            proofs.push(std::fs::read(dir.path().join(format!("chain-{n:04}.proof"))).unwrap());
            let json = std::fs::read(dir.path().join(format!("attest-{n:04}.json"))).unwrap();
            attestations.push(Attestation::from_json(&json).unwrap());
            roots.push(proven.ledger.root());
            ledger = proven.ledger;
            previous = Some(proven.chain_proof);
        }
        Chain {
            verifier_data: chain_verifier_bytes(&set).unwrap(),
            trusted,
            proofs,
            attestations,
            roots,
        }
    })
}

fn verifier() -> ChainVerifier {
    ChainVerifier::from_trusted_bytes(&chain().verifier_data).unwrap()
}

fn verify(
    proof: &[u8],
    trusted: &Trusted,
    attestation: &Attestation,
) -> Result<Finalized, VerifyError> {
    verify_chain(&verifier(), proof, trusted, attestation)
}

fn last() -> (&'static [u8], &'static Attestation) {
    let c = chain();
    (&c.proofs[1], &c.attestations[1])
}

#[test]
fn every_epoch_is_final_with_its_root() {
    let c = chain();
    for (i, (proof, attestation)) in c.proofs.iter().zip(&c.attestations).enumerate() {
        let finalized = verify(proof, &c.trusted, attestation).unwrap();
        assert_eq!(finalized.epoch, i as u64 + 1);
        assert_eq!(finalized.new_root, c.roots[i]);
        assert_eq!(finalized.timestamp, attestation.timestamp);
    }
    assert_eq!(verifier().quorum(), 3);
}

#[test]
fn light_client_follows_the_chain_and_rejects_an_older_proof_as_newer() {
    let c = chain();
    let mut client = LightClient::new(verifier(), c.trusted.clone());
    for (proof, attestation) in c.proofs.iter().zip(&c.attestations) {
        client.advance(proof, attestation).unwrap();
    }
    assert_eq!(client.finalized().map(|f| f.epoch), Some(2));
    for (proof, attestation) in c.proofs.iter().zip(&c.attestations) {
        assert!(matches!(
            client.advance(proof, attestation),
            Err(VerifyError::StaleEpoch { finalized: 2, .. })
        ));
    }
    // A client that only knows epoch 1 with another root sees a fork.
    let mut forked = c.attestations[0].clone();
    forked.epoch = 1;
    let mut known = verify(&c.proofs[0], &c.trusted, &c.attestations[0]).unwrap();
    known.new_root = c.trusted.genesis_root;
    let mut client = LightClient::resume(verifier(), c.trusted.clone(), Some(known));
    assert!(matches!(
        client.advance(&c.proofs[1], &c.attestations[1]),
        Err(VerifyError::Fork { epoch: 2, .. })
    ));
}

#[test]
fn a_flipped_byte_anywhere_in_the_proof_is_rejected() {
    let (proof, attestation) = last();
    let trusted = &chain().trusted;
    // Every byte of the public inputs (at the end) and a stride through the rest.
    let public = 8 + 8 * verifier_public_inputs();
    let positions = (0..proof.len())
        .step_by(373)
        .chain(proof.len() - public..proof.len());
    for at in positions {
        let mut bad = proof.to_vec();
        bad[at] ^= 0x01;
        assert!(
            verify(&bad, trusted, attestation).is_err(),
            "flipping byte {at} of {} was accepted",
            proof.len()
        );
    }
}

fn verifier_public_inputs() -> usize {
    verifier().decode(last().0).unwrap().public_inputs.len()
}

/// The proof with public input `index` replaced by `value`.
fn with_public_input(index: usize, value: F) -> Vec<u8> {
    let mut proof = verifier().decode(last().0).unwrap();
    proof.public_inputs[index] = value;
    proof.to_bytes()
}

#[test]
fn a_changed_public_input_is_rejected() {
    let (proof, attestation) = last();
    let trusted = &chain().trusted;
    let original = verifier().decode(proof).unwrap().public_inputs;
    assert_eq!(original.len(), verifier_public_inputs());
    for (index, element) in original.iter().enumerate() {
        let bumped = *element + F::ONE;
        let err = verify(&with_public_input(index, bumped), trusted, attestation).unwrap_err();
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
            16 => matches!(err, VerifyError::AttestationMismatch { field: "epoch", .. }),
            17 => matches!(
                err,
                VerifyError::AttestationMismatch {
                    field: "timestamp",
                    ..
                }
            ),
            22..=33 => matches!(err, VerifyError::ReportHashMismatch { .. }),
            34 => matches!(err, VerifyError::ProofInvalid(_)),
            _ if index >= 35 => matches!(err, VerifyError::ForeignCircuit),
            _ => matches!(err, VerifyError::ProofInvalid(_)),
        };
        assert!(expected, "public input {index}: {err}");
    }
}

#[test]
fn wrong_trusted_market_or_genesis_is_rejected() {
    let (proof, attestation) = last();
    let mut trusted = chain().trusted.clone();
    trusted.market_hash = hash(&[F::ONE]);
    assert!(matches!(
        verify(proof, &trusted, attestation),
        Err(VerifyError::PublicInputMismatch {
            field: "market_hash",
            ..
        })
    ));
    let mut trusted = chain().trusted.clone();
    trusted.genesis_root = chain().roots[0];
    assert!(matches!(
        verify(proof, &trusted, attestation),
        Err(VerifyError::PublicInputMismatch {
            field: "genesis_root",
            ..
        })
    ));
    let mut trusted = chain().trusted.clone();
    trusted.quorum = 1;
    assert!(matches!(
        verify(proof, &trusted, attestation),
        Err(VerifyError::WrongShape(_))
    ));
}

#[test]
fn forged_duplicated_missing_or_foreign_reports_are_rejected() {
    let (proof, attestation) = last();
    let trusted = &chain().trusted;
    let check = |a: &Attestation| verify(proof, trusted, a);

    let mut forged = attestation.clone();
    forged.reports[1].signature[7] ^= 0x40;
    assert!(matches!(
        check(&forged),
        Err(VerifyError::BadSignature { index: 1, .. })
    ));

    // Signed by a key outside the trusted set, claiming a trusted oracle.
    let mut impostor = attestation.clone();
    let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let message = zksettle_verifier::hex::digest_bytes(&impostor.reports[0].hash());
    impostor.reports[0].signature = ed25519_dalek::Signer::sign(&key, &message).to_bytes();
    assert!(matches!(
        check(&impostor),
        Err(VerifyError::BadSignature { index: 0, .. })
    ));

    let mut duplicated = attestation.clone();
    duplicated.reports[2] = duplicated.reports[0].clone();
    assert!(matches!(
        check(&duplicated),
        Err(VerifyError::DuplicateOracle { index: 2, .. })
    ));

    let mut short = attestation.clone();
    short.reports.pop();
    assert!(matches!(
        check(&short),
        Err(VerifyError::BelowQuorum {
            reports: 2,
            quorum: 3
        })
    ));

    let mut extra = attestation.clone();
    extra.reports.push(attestation.reports[0].clone());
    assert!(matches!(
        check(&extra),
        Err(VerifyError::ExtraReports { .. })
    ));

    let mut unknown = attestation.clone();
    unknown.reports[0].oracle = 99;
    assert!(matches!(
        check(&unknown),
        Err(VerifyError::UnknownOracle { oracle: 99, .. })
    ));

    let mut repriced = attestation.clone();
    repriced.reports[0].spot[0] += 100;
    assert!(matches!(
        check(&repriced),
        Err(VerifyError::ReportHashMismatch { index: 0, .. })
    ));

    let other_epoch = &chain().attestations[0];
    assert!(matches!(
        check(other_epoch),
        Err(VerifyError::AttestationMismatch { field: "epoch", .. })
    ));
    let mut relabelled = other_epoch.clone();
    relabelled.epoch = attestation.epoch;
    relabelled.timestamp = attestation.timestamp;
    assert!(matches!(
        check(&relabelled),
        Err(VerifyError::ReportHashMismatch { .. })
    ));
}

#[test]
fn truncated_extended_or_foreign_bytes_are_malformed() {
    let (proof, attestation) = last();
    let trusted = &chain().trusted;
    for bad in [
        &proof[..proof.len() - 1],
        &proof[..1000],
        &[][..],
        &[proof, &[0u8][..]].concat()[..],
    ] {
        assert!(matches!(
            verify(bad, trusted, attestation),
            Err(VerifyError::MalformedProof(_) | VerifyError::WrongShape(_))
        ));
    }
    // A non-canonical field element (p + x instead of x) in the public inputs.
    let mut non_canonical = proof.to_vec();
    let at = proof.len() - 8;
    let value = u64::from_le_bytes(non_canonical[at..].try_into().unwrap());
    if let Some(big) = value.checked_add(F::ORDER) {
        non_canonical[at..].copy_from_slice(&big.to_le_bytes());
        assert!(matches!(
            verify(&non_canonical, trusted, attestation),
            Err(VerifyError::MalformedProof(_))
        ));
    }
    assert!(matches!(
        Attestation::from_json(b"{\"epoch\":1}"),
        Err(VerifyError::MalformedAttestation(_))
    ));
    let data = &chain().verifier_data;
    assert!(ChainVerifier::from_trusted_bytes(&data[..data.len() / 2]).is_err());
    let pinned = ChainVerifier::data_digest(data);
    assert!(ChainVerifier::from_pinned_bytes(data, &pinned).is_ok());
    let mut flipped = data.clone();
    flipped[10] ^= 1;
    assert!(matches!(
        ChainVerifier::from_pinned_bytes(&flipped, &pinned),
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
        let (proof, attestation) = last();
        let bad = mutate(proof, kind, at, &noise);
        prop_assume!(bad != proof);
        prop_assert!(verify(&bad, &chain().trusted, attestation).is_err());
    }

    #[test]
    fn mutated_attestations_are_errors_not_panics(
        kind in 0u8..4, at in any::<usize>(), noise in proptest::collection::vec(any::<u8>(), 1..64)
    ) {
        let (proof, attestation) = last();
        let json = serde_json::to_vec(attestation).unwrap();
        let bad = mutate(&json, kind, at, &noise);
        if let Ok(parsed) = Attestation::from_json(&bad) {
            prop_assume!(&parsed != attestation);
            prop_assert!(verify(proof, &chain().trusted, &parsed).is_err());
        }
    }

    #[test]
    fn mutated_verifier_data_is_an_error_not_a_panic(
        kind in 0u8..4, at in any::<usize>(), noise in proptest::collection::vec(any::<u8>(), 1..64)
    ) {
        let data = &chain().verifier_data;
        let bad = mutate(data, kind, at, &noise);
        prop_assume!(&bad != data);
        let pinned = ChainVerifier::data_digest(data);
        prop_assert!(ChainVerifier::from_pinned_bytes(&bad, &pinned).is_err());
        // Truncated data from a trusted source still decodes to an error.
        prop_assert!(ChainVerifier::from_trusted_bytes(&data[..at % data.len()]).is_err());
    }
}

#[test]
fn public_inputs_round_trip_the_statement() {
    let proof = verifier().decode(last().0).unwrap();
    let statement = verifier().statement(&proof).unwrap();
    assert_eq!(statement.epoch, 2);
    assert_eq!(statement.new_root, chain().roots[1]);
    assert_eq!(statement.prev_root, chain().roots[0]);
    assert!(proof
        .public_inputs
        .iter()
        .all(|e| e.to_canonical_u64() < F::ORDER));
}

/// Runs `zksettle verify` on the small chain's files, with one of them replaced.
fn run_cli(
    attestation: &Attestation,
    proof: &[u8],
    finalized: Option<u64>,
) -> std::process::Output {
    let c = chain();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("market.json"),
        serde_json::to_vec(&small_market()).unwrap(),
    )
    .unwrap();
    std::fs::write(path("chain.bin"), &c.verifier_data).unwrap();
    std::fs::write(path("chain.proof"), proof).unwrap();
    std::fs::write(
        path("attest.json"),
        serde_json::to_vec(attestation).unwrap(),
    )
    .unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_zksettle"));
    command
        .arg("verify")
        .arg("--market")
        .arg(path("market.json"));
    command
        .arg("--genesis-root")
        .arg(zksettle_verifier::hex::digest_hex(&c.trusted.genesis_root));
    command.arg("--proof").arg(path("chain.proof"));
    command.arg("--attestation").arg(path("attest.json"));
    command.arg("--verifier").arg(path("chain.bin"));
    if let Some(epoch) = finalized {
        command.arg("--finalized-epoch").arg(epoch.to_string());
    }
    command.output().unwrap()
}

#[test]
fn zksettle_verify_accepts_the_last_proof_and_names_each_rejection() {
    let (proof, attestation) = last();
    let ok = run_cli(attestation, proof, None);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(line["epoch"], 2);
    assert_eq!(
        line["new_root"],
        zksettle_verifier::hex::digest_hex(&chain().roots[1])
    );

    let mut forged = attestation.clone();
    forged.reports[0].signature[0] ^= 1;
    let mut flipped = proof.to_vec();
    flipped[4000] ^= 1;
    for (output, expected) in [
        (
            run_cli(&forged, proof, None),
            "attest.json: report 0: signature does not verify",
        ),
        (
            run_cli(attestation, &flipped, None),
            "chain.proof: proof invalid",
        ),
        (
            run_cli(attestation, proof, Some(2)),
            "epoch 2 is not newer than the finalized epoch 2",
        ),
        (
            run_cli(&chain().attestations[0], proof, None),
            "attestation epoch is 1, the proof's is 2",
        ),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}
