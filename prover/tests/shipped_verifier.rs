//! The verifier data shipped in `zksettle-verifier` is the chain circuit of
//! today's circuits for the default parameters: rebuilding the circuits must
//! give the same bytes and the same circuit digest. If this fails, the
//! circuits changed: regenerate the file with
//! `cargo run --release -p zksettle-prover --bin zksettle -- export-verifier --out verifier/data/chain.bin`.

use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_prover::export::{chain_circuit_digest, chain_verifier_bytes, default_params};
use zksettle_verifier::{ChainVerifier, SHIPPED_CIRCUIT_DIGEST, SHIPPED_VERIFIER_DATA};

#[test]
fn shipped_verifier_data_is_todays_chain_circuit() {
    let set = CircuitSet::build(default_params());
    let regenerate = "the circuits changed: run `zksettle export-verifier --out verifier/data/chain.bin` and commit it";
    assert_eq!(
        chain_circuit_digest(&set),
        SHIPPED_CIRCUIT_DIGEST.trim(),
        "{regenerate}"
    );
    assert!(
        chain_verifier_bytes(&set).unwrap() == SHIPPED_VERIFIER_DATA,
        "{regenerate}"
    );
    let shipped = ChainVerifier::shipped().unwrap();
    assert_eq!(shipped.quorum(), 3);
    assert_eq!(
        shipped.circuit_digest(),
        set.chain.data.verifier_only.circuit_digest
    );
}
