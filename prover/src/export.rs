//! What light clients receive from the operator's side: the chain
//! circuit's verifier data (what `zksettle export-verifier` writes and
//! `zksettle-verifier` ships), the trusted values of a market and the
//! oracle attestation of an epoch.

use plonky2::util::serialization::DefaultGateSerializer;
use zksettle_circuits::chunk::{ChunkParams, OpKinds, DEFAULT_CAPACITY};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::encoding::{digest_hex, Digest};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::market::Market;
use zksettle_verifier::{Attestation, Trusted};

use crate::sim::market::simulated_market;

/// Parameters of the shipped verifier data: the simulated market's shape
/// (the generated fixtures'), default chunk capacity, every operation type.
pub fn default_params() -> ChunkParams {
    params_for(&simulated_market(7), DEFAULT_CAPACITY)
}

/// Parameters for a market and a chunk capacity.
pub fn params_for(market: &Market, capacity: usize) -> ChunkParams {
    ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        kinds: OpKinds::ALL,
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

/// What a light client of `market`'s chain from `genesis_root` trusts.
pub fn trusted(market: &Market, genesis_root: Digest) -> Trusted {
    Trusted {
        genesis_root,
        market_hash: market.hash(),
        oracle_keys: market.oracles.keys.clone(),
        quorum: market.oracles.quorum as usize,
    }
}

/// The oracle attestation of `epoch` (`attest-NNNN.json`): its reports as
/// the circuit hashed them, with their signatures.
pub fn attestation(market: &Market, epoch: &Epoch) -> Attestation {
    Attestation {
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        reports: epoch.reports.iter().map(|r| r.attested(market)).collect(),
    }
}
