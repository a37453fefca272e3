//! What light clients receive from the operator's side: the final and
//! chain circuits' verifier data (what `zksettle export-verifier` writes and
//! `zksettle-verifier` ships), the trusted values of a market, the statement
//! an epoch's proofs must make, and the attestation of an epoch (its record
//! in the history and its oracle reports).

use plonky2::util::serialization::DefaultGateSerializer;
use zksettle_circuits::chunk::{
    desk_slots, light_desk_slots, ChunkParams, OpKinds, DEFAULT_CAPACITY, LIGHT_CAPACITY,
};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::encoding::{digest_hex, hex_encode, Digest};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::market::Market;
use zksettle_verifier::{extend_history, Attestation, PublicInputs, Trusted};

use crate::ledger::EpochWitness;

use crate::sim::market::simulated_market;

/// Chunk layouts of the shipped verifier data: the simulated market's shape
/// (the generated fixtures'), the light and heavy layouts at their default
/// capacities.
pub fn default_layouts() -> Vec<ChunkParams> {
    layouts_for(&simulated_market(7), LIGHT_CAPACITY, DEFAULT_CAPACITY)
}

/// The universal layout (every operation type) for a market and a chunk
/// capacity.
pub fn params_for(market: &Market, capacity: usize) -> ChunkParams {
    ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        signatures: desk_slots(capacity),
        kinds: OpKinds::ALL,
    }
}

/// The chunk layouts for a market: light (every operation but liquidation,
/// `light_capacity` steps; none when 0) then heavy (every operation,
/// `capacity` steps). The pipeline proves each chunk with the first that
/// holds it.
pub fn layouts_for(market: &Market, light_capacity: usize, capacity: usize) -> Vec<ChunkParams> {
    let heavy = params_for(market, capacity);
    let light = ChunkParams {
        capacity: light_capacity,
        signatures: light_desk_slots(light_capacity),
        kinds: OpKinds::LIGHT,
        ..heavy
    };
    if light_capacity == 0 {
        vec![heavy]
    } else {
        vec![light, heavy]
    }
}

/// Verifier data of the chain circuit, as `zksettle-verifier` decodes it.
pub fn chain_verifier_bytes(set: &CircuitSet) -> Result<Vec<u8>, String> {
    set.chain
        .data
        .verifier_data()
        .to_bytes(&DefaultGateSerializer)
        .map_err(|e| format!("serialising the chain verifier data: {e:?}"))
}

/// The chain circuit's digest, `0x` hex (the pin next to the shipped data).
pub fn chain_circuit_digest(set: &CircuitSet) -> String {
    digest_hex(&set.chain.data.verifier_only.circuit_digest)
}

/// Verifier data of the final circuit, as `zksettle-verifier` decodes it.
pub fn final_verifier_bytes(set: &CircuitSet) -> Result<Vec<u8>, String> {
    set.final_circuit
        .data
        .verifier_data()
        .to_bytes(&DefaultGateSerializer)
        .map_err(|e| format!("serialising the final verifier data: {e:?}"))
}

/// The final circuit's digest, `0x` hex (25 Keccak bytes).
pub fn final_circuit_digest(set: &CircuitSet) -> String {
    format!(
        "0x{}",
        hex_encode(&set.final_circuit.data.verifier_only.circuit_digest.0)
    )
}

/// What a light client of `market`'s chain from `genesis_root` trusts.
pub fn trusted(market: &Market, genesis_root: Digest) -> Trusted {
    Trusted {
        genesis_root,
        market_terms: market.terms_digest(),
        oracles: market.oracles.clone(),
    }
}

/// The statement the chain and final proofs of an applied epoch must make:
/// the ledger's roots, batch commitment, operation count and report hashes,
/// and the history `history_before` extended by the epoch's record.
pub fn expected_statement(
    market: &Market,
    genesis_root: Digest,
    epoch: &Epoch,
    witness: &EpochWitness,
    history_before: &Digest,
) -> PublicInputs {
    let mut statement = PublicInputs {
        market_hash: market.hash(),
        genesis_root,
        prev_root: witness.prev_root,
        new_root: witness.new_root,
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        batch_hash: witness.batch_hash,
        transfers: witness.transfers,
        report_hashes: witness.sheet.report_hashes.clone(),
        op_count: epoch.ops.len() as u64,
        history: *history_before,
    };
    statement.history = extend_history(history_before, &statement.record().digest());
    statement
}

/// The attestation of an applied `epoch` (`attest-NNNN.json`): its record
/// in the history (after `history_before`) and its reports as the circuit
/// hashed them, with their signatures.
pub fn attestation(
    market: &Market,
    epoch: &Epoch,
    witness: &EpochWitness,
    history_before: &Digest,
) -> Attestation {
    Attestation {
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        prev_root: witness.prev_root,
        new_root: witness.new_root,
        batch_hash: witness.batch_hash,
        transfers: witness.transfers,
        op_count: epoch.ops.len() as u64,
        history_before: *history_before,
        reports: epoch.reports.iter().map(|r| r.attested(market)).collect(),
    }
}
