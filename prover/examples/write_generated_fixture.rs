//! Regenerates `fixtures/generated` on purpose: the simulated market of
//! seed 7 (40 accounts, 3 epochs of 60 operations) and `expected.json` with
//! its golden roots. Run: `cargo run -p zksettle-prover --example write_generated_fixture`.

use serde_json::json;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_fixtures::fixture_dir;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::sim::{simulate, Mix, SimConfig};

fn main() {
    let config = SimConfig {
        seed: 7,
        accounts: 40,
        epochs: 3,
        ops: 60,
        mix: Mix::Default,
    };
    let dir = fixture_dir("generated");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let simulation = simulate(config).unwrap();
    simulation.write(&dir).unwrap();
    let mut ledger = Ledger::from_state(simulation.market.clone(), &simulation.genesis).unwrap();
    let mut roots = vec![digest_hex(&ledger.root())];
    for epoch in &simulation.epochs {
        ledger = ledger.apply_epoch(epoch).unwrap().0;
        roots.push(digest_hex(&ledger.root()));
    }
    let expected = json!({
        "seed": config.seed,
        "accounts": config.accounts,
        "epochs": config.epochs,
        "ops": config.ops,
        "roots": roots,
    });
    write_json(&dir.join("expected.json"), &expected).unwrap();
    println!("wrote {}", dir.display());
}
