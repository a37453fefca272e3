//! The checked-in simulated fixture (`fixtures/generated`) applies to its
//! golden roots, and is exactly what the simulator writes today: it is
//! regenerated only on purpose.

use serde::Deserialize;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::{Epoch, Market, StateFile};
use zksettle_fixtures::{fixture_dir, load_json};
use zksettle_prover::ledger::Ledger;
use zksettle_prover::sim::{simulate, Mix, SimConfig};

#[derive(Deserialize)]
struct Expected {
    seed: u64,
    accounts: u32,
    epochs: u64,
    ops: usize,
    roots: Vec<String>,
}

#[test]
fn generated_fixture_applies_to_its_golden_roots() {
    let dir = fixture_dir("generated");
    let expected: Expected = load_json(&dir.join("expected.json"));
    let market: Market = load_json(&dir.join("market.json"));
    let genesis: StateFile = load_json(&dir.join("state-0000.json"));
    let mut ledger = Ledger::from_state(market, &genesis).unwrap();
    assert_eq!(digest_hex(&ledger.root()), expected.roots[0]);
    assert_eq!(expected.roots.len() as u64, expected.epochs + 1);
    for number in 1..=expected.epochs {
        let epoch: Epoch = load_json(&dir.join(format!("epoch-{number:04}.json")));
        let (next, _) = ledger.apply_epoch(&epoch).unwrap();
        assert_eq!(
            digest_hex(&next.root()),
            expected.roots[number as usize],
            "root after epoch {number}"
        );
        ledger = next;
    }
}

#[test]
fn generated_fixture_is_what_the_simulator_writes() {
    let dir = fixture_dir("generated");
    let expected: Expected = load_json(&dir.join("expected.json"));
    let out = tempfile::tempdir().unwrap();
    let config = SimConfig {
        seed: expected.seed,
        accounts: expected.accounts,
        epochs: expected.epochs,
        ops: expected.ops,
        mix: Mix::Default,
    };
    simulate(config).unwrap().write(out.path()).unwrap();
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let fresh = std::fs::read(entry.path()).unwrap();
        let shipped = std::fs::read(dir.join(&name)).unwrap();
        assert!(
            fresh == shipped,
            "{name:?} differs: regenerate fixtures/generated on purpose (see docs/testing.md)"
        );
    }
}
