//! Every accepted fixture epoch proves with the native engine's roots,
//! decided by the constraint check that agrees with the prover (each
//! statement the natively computed one); every fourth chunk of the generated
//! epochs is also proven and verified for real.

use zksettle_circuits::rules::{Epoch, Market, StateFile};
use zksettle_fixtures::edge::{edge_cases, Expected};
use zksettle_fixtures::{fixture_dir, load_json};

use super::common::{
    at_small_depth, native, prove_and_check, prove_one, small, small_epoch, DEPTH,
};

#[test]
fn every_accepted_edge_case_proves_with_the_ledgers_roots() {
    let mut proven = 0;
    for case in edge_cases().unwrap() {
        if !matches!(case.expected, Expected::Accepted { .. }) {
            continue;
        }
        let fits = case.state.accounts.iter().all(|a| a.index < 1 << DEPTH);
        assert!(fits, "{}: accounts beyond the test tree", case.name);
        let (ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (_, witness, chunks) = native(&ledger, &epoch);
        eprintln!(
            "{}: {} ops, {} chunks",
            case.name,
            epoch.ops.len(),
            chunks.len()
        );
        prove_and_check(&small(&case.market), &witness, &chunks);
        proven += 1;
    }
    assert!(proven >= 20, "only {proven} accepted cases");
}

#[test]
fn generated_epochs_prove_with_the_ledgers_roots() {
    let dir = fixture_dir("generated");
    let market: Market = load_json(&dir.join("market.json"));
    let genesis: StateFile = load_json(&dir.join("state-0000.json"));
    let first: Epoch = load_json(&dir.join("epoch-0001.json"));
    let (mut ledger, _) = at_small_depth(&market, &genesis, &first);
    for number in 1..=3 {
        let epoch: Epoch = load_json(&dir.join(format!("epoch-{number:04}.json")));
        let mut epoch = small_epoch(&market, &epoch);
        epoch.prev_root = ledger.root();
        let (next, witness, chunks) = native(&ledger, &epoch);
        // Every chunk is checked; every fourth is also proven for real.
        prove_and_check(&small(&market), &witness, &chunks);
        for chunk in chunks.iter().step_by(4) {
            prove_one(&small(&market), chunk);
        }
        ledger = next;
    }
}

/// The default chunk circuit (simulated market, tree depth 20, capacity
/// `DEFAULT_CAPACITY`) proves the first generated epoch with its golden root.
/// About a minute in release: `cargo test --release -- --ignored default_parameters`.
#[test]
#[ignore = "builds and proves 2^16-row circuits"]
fn default_parameters_prove_the_first_generated_epoch() {
    use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds, DEFAULT_CAPACITY};
    use zksettle_circuits::gadgets::market::MarketShape;
    use zksettle_circuits::rules::encoding::digest_hex;
    use zksettle_prover::assign::chunk_witnesses;
    use zksettle_prover::ledger::Ledger;

    let dir = fixture_dir("generated");
    let market: Market = load_json(&dir.join("market.json"));
    let genesis: StateFile = load_json(&dir.join("state-0000.json"));
    let epoch: Epoch = load_json(&dir.join("epoch-0001.json"));
    let ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
    let (next, witness) = ledger.apply_epoch(&epoch).unwrap();
    let circuit = ChunkCircuit::build(ChunkParams {
        shape: MarketShape::of(&market),
        capacity: DEFAULT_CAPACITY,
        signatures: zksettle_circuits::chunk::desk_slots(DEFAULT_CAPACITY),
        kinds: OpKinds::ALL,
    });
    assert!(
        circuit.degree_bits() <= 16,
        "the default chunk fits 2^16 rows"
    );
    let mut root = ledger.root();
    for chunk in chunk_witnesses(&epoch, &witness, DEFAULT_CAPACITY).unwrap() {
        let proof = circuit.prove(&market, &chunk).unwrap();
        let statement = circuit.verify(&proof).unwrap();
        assert_eq!(statement.root_in, root);
        root = statement.root_out;
    }
    let expected: serde_json::Value = load_json(&dir.join("expected.json"));
    assert_eq!(digest_hex(&root), expected["roots"][1].as_str().unwrap());
    assert_eq!(root, next.root());
}
