//! Shared circuits (built once per shape) and the native side of each test.

use zksettle_circuits::chunk::{ChunkPublicInputs, ChunkWitness};
use zksettle_circuits::rules::{Epoch, Market, StateFile};
use zksettle_prover::assign::chunk_witnesses;
use zksettle_prover::ledger::{EpochWitness, Ledger};

pub use crate::support::scenario::{circuit, small, small_epoch, CAPACITY, DEPTH};

/// A ledger at the test depth and the epoch re-rooted onto it.
pub fn at_small_depth(market: &Market, state: &StateFile, epoch: &Epoch) -> (Ledger, Epoch) {
    let ledger = Ledger::from_state(small(market), state).expect("state loads");
    let mut epoch = small_epoch(market, epoch);
    epoch.prev_root = ledger.root();
    (ledger, epoch)
}

/// The native outcome and the chunk witnesses of an accepted epoch.
pub fn native(ledger: &Ledger, epoch: &Epoch) -> (Ledger, EpochWitness, Vec<ChunkWitness>) {
    let (next, witness) = ledger
        .apply_epoch(epoch)
        .expect("the ledger accepts the epoch");
    let chunks = chunk_witnesses(epoch, &witness, CAPACITY).unwrap();
    (next, witness, chunks)
}

/// Proves every chunk and checks the statements join and match the native run.
/// Checks every chunk (the constraint check that agrees with the prover)
/// and its statement against the native one
/// (`ChunkWitness::expected_statement`) and the ledger's epoch.
pub fn prove_and_check(market: &Market, witness: &EpochWitness, chunks: &[ChunkWitness]) {
    let circuit = circuit(market);
    let statements: Vec<ChunkPublicInputs> = chunks
        .iter()
        .enumerate()
        .map(|(k, chunk)| {
            let statement = circuit
                .check(market, chunk)
                .unwrap_or_else(|e| panic!("chunk {k} is not satisfiable: {e}"));
            assert_eq!(
                Some(&statement),
                chunk.expected_statement(market).as_ref(),
                "chunk {k}: the native statement"
            );
            statement
        })
        .collect();
    let first = statements.first().unwrap();
    let last = statements.last().unwrap();
    assert_eq!(first.root_in, witness.prev_root);
    assert_eq!(
        last.root_out, witness.new_root,
        "the circuit's root is the ledger's"
    );
    assert_eq!(
        last.batch_out, witness.batch_hash,
        "the batch commitment is the ledger's"
    );
    assert_eq!(
        last.transfers_out, witness.transfers,
        "the deposit and withdrawal logs and totals are the ledger's"
    );
    assert!(
        first.deposit_report.covers(&last.transfers_out),
        "the epoch credits exactly its attested deposits"
    );
    assert_eq!(first.market_hash, market.hash());
    assert_eq!(first.report_hashes, witness.sheet.report_hashes);
    assert_eq!(first.price_sheet, witness.sheet.commitment());
    for pair in statements.windows(2) {
        assert_eq!(pair[0].root_out, pair[1].root_in);
        assert_eq!(pair[0].batch_out, pair[1].batch_in);
        assert_eq!(pair[0].carry_out, pair[1].carry_in);
    }
    let ops: u64 = statements.iter().map(|s| s.op_count).sum();
    assert_eq!(ops, witness.ops.len() as u64);
}

/// Proves and verifies one chunk for real; its statement must be the one
/// computed natively.
pub fn prove_one(market: &Market, chunk: &ChunkWitness) {
    let circuit = circuit(market);
    let proof = circuit.prove(market, chunk).expect("the chunk proves");
    assert_eq!(
        Some(circuit.verify(&proof).unwrap()),
        chunk.expected_statement(market)
    );
}

/// Whether the ledger refuses `case` for custody: its deposit report
/// (`EpochError::DepositReport`) or a deposit the report does not attest
/// (`UnattestedDeposit`); the custody tests cover those.
pub fn custody_rejection(case: &zksettle_fixtures::edge::EdgeCase) -> bool {
    use zksettle_circuits::rules::error::{EpochError, Violation};
    let (ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
    matches!(
        ledger.apply_epoch(&epoch),
        Err(EpochError::DepositReport(_))
            | Err(EpochError::Operation {
                violation: Violation::UnattestedDeposit { .. },
                ..
            })
    )
}
