//! The `zksettle` binary's contract: outputs on success, and on bad input a
//! non-zero exit, one clear line naming the offending item, and no output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::ops::Operation;
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;

struct Files {
    _dir: tempfile::TempDir,
    market: PathBuf,
    state: PathBuf,
    epoch: PathBuf,
    out: PathBuf,
}

/// Writes the builder market, a two-trader state and an epoch with `ops`.
fn files(mut ops: Vec<Operation>) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let market = market();
    let mut state = state(vec![
        account(3, 1_000_000 * USD, &[]),
        account(4, 1_000_000 * USD, &[]),
    ]);
    rest_orders(&market, &mut state, &mut ops);
    let ledger = Ledger::from_state(market.clone(), &state).unwrap();
    let epoch = epoch(&market, ledger.root(), ops);
    let path = |name: &str| dir.path().join(name);
    write_json(&path("market.json"), &market).unwrap();
    write_json(&path("state.json"), &state).unwrap();
    write_json(&path("epoch.json"), &epoch).unwrap();
    Files {
        market: path("market.json"),
        state: path("state.json"),
        epoch: path("epoch.json"),
        out: path("out.json"),
        _dir: dir,
    }
}

fn zksettle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zksettle"))
        .args(args)
        .output()
        .unwrap()
}

fn apply(f: &Files) -> Output {
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    zksettle(&[
        "apply",
        "--market",
        &s(&f.market),
        "--state",
        &s(&f.state),
        "--epoch",
        &s(&f.epoch),
        "--out",
        &s(&f.out),
    ])
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_rejected(output: &Output, out: &Path, needle: &str) {
    assert!(!output.status.success(), "expected failure, got success");
    let text = stderr(output);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "one line expected, got: {text}"
    );
    assert!(text.contains(needle), "{needle:?} not in: {text}");
    assert!(!out.exists(), "no output file may be written on failure");
}

fn good_ops() -> Vec<Operation> {
    vec![
        op::deposit(5, 10 * USD),
        op::trade(3, 4, 0, 100, 2_400 * USD),
    ]
}

#[test]
fn apply_writes_the_new_state_and_prints_its_root_line() {
    let f = files(good_ops());
    let output = apply(&f);
    assert!(output.status.success(), "{}", stderr(&output));
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["epoch"], 1);
    assert_eq!(line["ops"], 2);
    let state: zksettle_circuits::rules::StateFile = zksettle_fixtures::load_json(&f.out);
    let ledger = Ledger::from_state(market(), &state).unwrap();
    assert_eq!(line["new_root"], digest_hex(&ledger.root()));
    assert_eq!(state.epoch, 1);
}

#[test]
fn withdrawal_breaking_initial_margin_names_the_operation_and_writes_nothing() {
    let mut ops = good_ops();
    ops.push(signed_withdraw(&market(), 4, 1_000_000 * USD, 0));
    let f = files(ops);
    assert_rejected(
        &apply(&f),
        &f.out,
        "op 2: withdraw from account 4 leaves equity",
    );
}

#[test]
fn malformed_json_names_the_file() {
    let f = files(good_ops());
    std::fs::write(&f.epoch, b"{\"epoch\": 1, ").unwrap();
    assert_rejected(&apply(&f), &f.out, "epoch.json: malformed JSON");
}

#[test]
fn out_of_range_number_is_rejected_while_parsing() {
    let f = files(good_ops());
    let text = std::fs::read_to_string(&f.epoch)
        .unwrap()
        .replace("\"amount\": 10000000", "\"amount\": 18446744073709551616");
    std::fs::write(&f.epoch, text).unwrap();
    assert_rejected(&apply(&f), &f.out, "epoch.json: malformed JSON");
}

#[test]
fn unknown_account_is_named() {
    let f = files(vec![signed_withdraw(&market(), 77, 1, 0)]);
    assert_rejected(&apply(&f), &f.out, "op 0: account 77 does not exist");
}

#[test]
fn wrong_prev_root_is_rejected() {
    let f = files(good_ops());
    let mut epoch: Epoch = zksettle_fixtures::load_json(&f.epoch);
    epoch.prev_root = zksettle_circuits::rules::encoding::ZERO_DIGEST;
    write_json(&f.epoch, &epoch).unwrap();
    assert_rejected(&apply(&f), &f.out, "prev_root 0x0000");
}

#[test]
fn invalid_state_names_the_account() {
    let f = files(good_ops());
    let text =
        std::fs::read_to_string(&f.state)
            .unwrap()
            .replacen("\"flags\": 0", "\"flags\": 6", 1);
    std::fs::write(&f.state, text).unwrap();
    assert_rejected(&apply(&f), &f.out, "account 0: flags 6 has unknown bits");
}

#[test]
fn missing_file_is_named() {
    let mut f = files(good_ops());
    f.market = f.market.with_file_name("absent.json");
    assert_rejected(&apply(&f), &f.out, "absent.json: cannot read");
}

#[test]
fn margin_lists_every_account_with_its_figures() {
    let f = files(good_ops());
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let output = zksettle(&[
        "margin",
        "--market",
        &s(&f.market),
        "--state",
        &s(&f.state),
        "--epoch",
        &s(&f.epoch),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        for key in [
            "account",
            "equity",
            "initial_margin",
            "maintenance_margin",
            "liquidatable",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
    }
    assert_eq!(rows[2]["account"], 3);
    assert_eq!(rows[2]["equity"], 1_000_000 * USD);
    assert_eq!(rows[2]["liquidatable"], false);
}

#[test]
fn invalid_market_is_named() {
    let f = files(good_ops());
    let text = std::fs::read_to_string(&f.market)
        .unwrap()
        .replace("\"quorum\": 3", "\"quorum\": 2");
    std::fs::write(&f.market, text).unwrap();
    assert_rejected(&apply(&f), &f.out, "market: quorum 2 must be odd");
}

#[test]
fn withdrawal_breaking_initial_margin_inserted_into_a_generated_epoch_is_named() {
    let dir = zksettle_fixtures::fixture_dir("generated");
    let tmp = tempfile::tempdir().unwrap();
    // State after epoch 1, from the ledger.
    let market: zksettle_circuits::rules::Market =
        zksettle_fixtures::load_json(&dir.join("market.json"));
    let genesis = zksettle_fixtures::load_json(&dir.join("state-0000.json"));
    let first: Epoch = zksettle_fixtures::load_json(&dir.join("epoch-0001.json"));
    let (after_first, _) = Ledger::from_state(market, &genesis)
        .unwrap()
        .apply_epoch(&first)
        .unwrap();
    let state_path = tmp.path().join("state-0001.json");
    write_json(&state_path, &after_first.to_state()).unwrap();
    // A trader short options cannot withdraw all its cash.
    let (seller, cash) = after_first
        .accounts()
        .find(|(i, a)| *i > 4 && a.cash > 0 && a.positions.iter().any(|p| p.qty < 0))
        .map(|(i, a)| (i, a.cash))
        .unwrap();
    let mut epoch: Epoch = zksettle_fixtures::load_json(&dir.join("epoch-0002.json"));
    epoch.ops.insert(
        0,
        // Signed by the simulated user (seed 7), at its nonce: only margin fails.
        zksettle_prover::sim::agents::withdrawal(
            zksettle_prover::sim::agents::Signer::new(7, after_first.market()),
            seller,
            cash,
            after_first.account(seller).nonce,
        ),
    );
    let epoch_path = tmp.path().join("epoch-0002.json");
    write_json(&epoch_path, &epoch).unwrap();
    let out = tmp.path().join("state-0002.json");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let output = zksettle(&[
        "apply",
        "--market",
        &s(&dir.join("market.json")),
        "--state",
        &s(&state_path),
        "--epoch",
        &s(&epoch_path),
        "--out",
        &s(&out),
    ]);
    assert_rejected(
        &output,
        &out,
        &format!("op 0: withdraw from account {seller} leaves equity"),
    );
}

fn prove(f: &Files, extra: &[&str]) -> Output {
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let mut args = vec![
        "prove".to_owned(),
        "--market".to_owned(),
        s(&f.market),
        "--state".to_owned(),
        s(&f.state),
        "--epoch".to_owned(),
        s(&f.epoch),
        "--out".to_owned(),
        s(&f.out),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    zksettle(&args)
}

#[test]
fn prove_refuses_a_rejected_epoch_before_building_anything() {
    let mut ops = good_ops();
    ops.push(signed_withdraw(&market(), 4, 1_000_000 * USD, 0));
    let f = files(ops);
    assert_rejected(
        &prove(&f, &[]),
        &f.out,
        "op 2: withdraw from account 4 leaves equity",
    );
}

/// Files whose epoch is epoch 2, on a state of epoch 1.
fn epoch_two_files() -> Files {
    let f = files(good_ops());
    let mut epoch: Epoch = zksettle_fixtures::load_json(&f.epoch);
    let mut state: zksettle_circuits::rules::StateFile = zksettle_fixtures::load_json(&f.state);
    state.epoch = 1;
    epoch.epoch = 2;
    write_json(&f.state, &state).unwrap();
    write_json(&f.epoch, &epoch).unwrap();
    f
}

#[test]
fn prove_after_epoch_one_needs_the_previous_chain_proof() {
    let f = epoch_two_files();
    assert_rejected(
        &prove(&f, &[]),
        &f.out,
        "epoch 2 needs the chain proof of epoch 1 (--prev)",
    );
}

#[test]
fn prove_names_a_missing_previous_chain_proof() {
    let f = epoch_two_files();
    let missing = f.out.with_file_name("chain-0001.proof");
    let output = prove(&f, &["--prev", missing.to_str().unwrap()]);
    assert_rejected(&output, &f.out, "chain-0001.proof: cannot read");
}

fn keygen(args: &[&str]) -> Output {
    zksettle(&[&["keygen"], args].concat())
}

#[test]
fn keygen_of_secret_one_prints_the_generator() {
    let output = keygen(&["--secret", "1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert_eq!(
        text.trim_end(),
        r#"{"secret":"1","public_key":[4,0,0,0,0]}"#
    );
}

#[test]
fn keygen_without_a_secret_prints_a_fresh_key_pair() {
    let line = |output: Output| -> serde_json::Value {
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let a = line(keygen(&[]));
    let b = line(keygen(&[]));
    assert_ne!(a["secret"], b["secret"]);
    let secret = a["secret"].as_str().unwrap();
    let again = line(keygen(&["--secret", secret]));
    assert_eq!(again, a);
    assert_eq!(a["public_key"].as_array().unwrap().len(), 5);
}

#[test]
fn keygen_rejects_a_zero_or_out_of_range_secret() {
    let n = zksettle_circuits::rules::ecgfp5::scalar::ORDER_DECIMAL;
    for (secret, needle) in [
        ("0", "zero"),
        (n, "not below the group order"),
        ("-1", "not a decimal integer"),
        ("12ab", "not a decimal integer"),
    ] {
        // "--secret=-1": clap would take a bare "-1" for a flag.
        let output = keygen(&[&format!("--secret={secret}")]);
        assert!(!output.status.success(), "{secret} accepted");
        let text = stderr(&output);
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
        assert!(text.contains(needle), "{needle:?} not in: {text}");
        assert!(output.stdout.is_empty());
    }
}

/// `zksettle verify` and `verify-account` with arguments that cannot work:
/// a usage error (exit 2) before any file is read. (The refusals of real
/// proofs, `--max-age` and the tree depth included, are in
/// `light_verifier.rs`, which proves a chain.)
fn usage_error(args: &[&str], needle: &str) {
    let output = zksettle(args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains(needle), "{needle:?} not in: {text}");
}

#[test]
fn verify_now_without_max_age_is_a_usage_error() {
    let f = files(good_ops());
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let base = [
        "verify",
        "--market",
        &s(&f.market),
        "--genesis-root",
        "0x00",
        "--proof",
        "absent.proof",
    ];
    usage_error(&[&base[..], &["--now", "1767225600"]].concat(), "--max-age");
    usage_error(&[&base[..], &["--max-age=-5"]].concat(), "--max-age");
    usage_error(
        &[&base[..], &["--max-age", "an hour"]].concat(),
        "--max-age",
    );
}

#[test]
fn verify_account_needs_the_market_for_its_tree_depth() {
    usage_error(
        &["verify-account", "--root", "0x00", "--proof", "absent.json"],
        "--market",
    );
}
