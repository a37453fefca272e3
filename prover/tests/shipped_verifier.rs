//! The verifier data shipped in `zksettle-verifier` is the final and chain
//! circuits of today's circuits for the default parameters: rebuilding the
//! circuits must give the same bytes, hence the same data digests (the pins
//! `Verifier::shipped` checks, in `.data-digest` files) and the same
//! circuit digests. If this fails, the circuits changed: regenerate the files with
//! `cargo run --release -p zksettle-prover --bin zksettle -- export-verifier --out verifier/data/final.bin --chain verifier/data/chain.bin`.

use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_prover::export::{
    chain_circuit_digest, chain_verifier_bytes, default_layouts, final_circuit_digest,
    final_verifier_bytes,
};
use zksettle_verifier::hex::digest_hex;
use zksettle_verifier::{
    ProofKind, Verifier, SHIPPED_CHAIN_DATA, SHIPPED_CHAIN_DATA_DIGEST, SHIPPED_CHAIN_DIGEST,
    SHIPPED_FINAL_DATA, SHIPPED_FINAL_DATA_DIGEST, SHIPPED_FINAL_DIGEST,
};

#[test]
fn shipped_verifier_data_is_todays_final_and_chain_circuits() {
    let set = CircuitSet::build_layouts(&default_layouts());
    let regenerate = "the circuits changed: run `zksettle export-verifier --out verifier/data/final.bin --chain verifier/data/chain.bin` and commit them";
    assert_eq!(
        final_circuit_digest(&set),
        SHIPPED_FINAL_DIGEST.trim(),
        "{regenerate}"
    );
    assert!(
        final_verifier_bytes(&set).unwrap() == SHIPPED_FINAL_DATA,
        "{regenerate}"
    );
    assert_eq!(
        chain_circuit_digest(&set),
        SHIPPED_CHAIN_DIGEST.trim(),
        "{regenerate}"
    );
    assert!(
        chain_verifier_bytes(&set).unwrap() == SHIPPED_CHAIN_DATA,
        "{regenerate}"
    );
    // The pins are the data digests of the rebuilt bytes.
    for (bytes, pin) in [
        (
            final_verifier_bytes(&set).unwrap(),
            SHIPPED_FINAL_DATA_DIGEST,
        ),
        (
            chain_verifier_bytes(&set).unwrap(),
            SHIPPED_CHAIN_DATA_DIGEST,
        ),
    ] {
        assert_eq!(
            digest_hex(&Verifier::data_digest(&bytes)),
            pin.trim(),
            "{regenerate}"
        );
    }
    for (kind, digest) in [
        (ProofKind::Final, final_circuit_digest(&set)),
        (ProofKind::Chain, chain_circuit_digest(&set)),
    ] {
        let shipped = Verifier::shipped_kind(kind).unwrap();
        assert_eq!(shipped.quorum(), 3);
        assert_eq!(shipped.kind(), kind);
        assert_eq!(shipped.circuit_digest(), digest);
    }
}
