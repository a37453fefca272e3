//! The ledger store (issue 32) against the JSON state path, on the real redb
//! file and the real `zksettle` binary: every shipped epoch ends at the same
//! root and the same exported state, a rejected epoch writes nothing, a
//! `kill -9` at any point leaves the old epoch or the new one, and a damaged
//! store is refused with an error naming the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use redb::{Database, ReadableTable, TableDefinition};
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::market::Market;
use zksettle_fixtures::edge::{edge_cases, rule_name, EdgeCase, Expected};
use zksettle_fixtures::{fixture_dir, load_json};
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::store::{LedgerStore, StoreError, STORE_FILE};
use zksettle_prover::ledger::Ledger;

fn zksettle(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zksettle"))
        .args(args)
        .output()
        .unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A case's market, state and epoch written to a fresh directory.
struct CaseFiles {
    dir: tempfile::TempDir,
    market: PathBuf,
    state: PathBuf,
    epoch: PathBuf,
}

impl CaseFiles {
    fn new(market: &Market, state: &StateFile, epoch: &Epoch) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        write_json(&path("market.json"), market).unwrap();
        write_json(&path("state.json"), state).unwrap();
        write_json(&path("epoch.json"), epoch).unwrap();
        Self {
            market: path("market.json"),
            state: path("state.json"),
            epoch: path("epoch.json"),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn init(&self, ledger: &Path) -> Output {
        zksettle(&[
            p("ledger"),
            p("init"),
            p("--market"),
            &self.market,
            p("--state"),
            &self.state,
            p("--ledger"),
            ledger,
        ])
    }

    fn apply_state(&self, state: &Path, epoch: &Path, out: &Path) -> Output {
        zksettle(&[
            p("apply"),
            p("--market"),
            &self.market,
            p("--state"),
            state,
            p("--epoch"),
            epoch,
            p("--out"),
            out,
        ])
    }

    fn apply_ledger_command(&self, ledger: &Path, epoch: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zksettle"));
        command.args([
            p("apply"),
            p("--market"),
            &self.market,
            p("--ledger"),
            ledger,
            p("--epoch"),
            epoch,
        ]);
        command
    }

    fn apply_ledger(&self, ledger: &Path, epoch: &Path) -> Output {
        self.apply_ledger_command(ledger, epoch).output().unwrap()
    }

    fn export(&self, ledger: &Path, out: &Path) -> Output {
        zksettle(&[
            p("ledger"),
            p("export"),
            p("--ledger"),
            ledger,
            p("--out"),
            out,
        ])
    }
}

fn cases() -> Vec<EdgeCase> {
    edge_cases().unwrap_or_else(|e| panic!("{e}"))
}

/// The shipped simulation: market, genesis and its epochs.
fn generated() -> (Market, StateFile, Vec<Epoch>) {
    let dir = fixture_dir("generated");
    let market = load_json(&dir.join("market.json"));
    let state = load_json(&dir.join("state-0000.json"));
    let epochs = (1..=3)
        .map(|n| load_json(&dir.join(format!("epoch-{n:04}.json"))))
        .collect();
    (market, state, epochs)
}

fn assert_ok(output: &Output, what: &str) {
    assert!(output.status.success(), "{what} failed: {}", stderr(output));
}

/// How many edge cases expect acceptance, and how many expect rejection of
/// their epoch (cases whose state itself is refused are not counted).
fn outcomes() -> (usize, usize) {
    let loadable: Vec<_> = cases()
        .into_iter()
        .filter(|c| Ledger::from_state(c.market.clone(), &c.state).is_ok())
        .collect();
    let accepted = loadable
        .iter()
        .filter(|c| matches!(c.expected, Expected::Accepted { .. }))
        .count();
    (accepted, loadable.len() - accepted)
}

#[test]
fn every_edge_case_ends_in_the_store_as_in_the_ledger_and_a_rejected_one_writes_nothing() {
    let (mut accepted, mut rejected) = (0, 0);
    for case in cases() {
        let Ok(ledger) = Ledger::from_state(case.market.clone(), &case.state) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut store = LedgerStore::create(dir.path(), &ledger).unwrap();
        assert_eq!(store.head().root, ledger.root(), "{}", case.name);
        let before = store.head();
        match (
            ledger.apply_epoch(&case.epoch),
            store.apply_epoch(&case.epoch),
        ) {
            (Ok((next, witness)), Ok((record, stored))) => {
                accepted += 1;
                // Same leaf updates, siblings and roots: the chunk witnesses
                // a prover fills from either agree.
                assert_eq!(stored.steps, witness.steps, "{}", case.name);
                assert_eq!(stored.prev_system, witness.prev_system, "{}", case.name);
                assert_eq!(record.new_root, next.root(), "{}", case.name);
                assert_eq!(record.batch_hash, witness.batch_hash, "{}", case.name);
                assert_eq!(store.to_state().unwrap(), next.to_state(), "{}", case.name);
                drop(store);
                let reopened = LedgerStore::open(dir.path(), case.market.clone()).unwrap();
                assert_eq!(reopened.head().root, next.root(), "{}", case.name);
                assert_eq!(reopened.head().epoch, case.epoch.epoch, "{}", case.name);
                assert_eq!(
                    reopened.epoch_record(case.epoch.epoch).unwrap(),
                    Some(record),
                    "{}",
                    case.name
                );
            }
            (Err(expected), Err(StoreError::Rejected { source, .. })) => {
                rejected += 1;
                assert_eq!(rule_name(&source), rule_name(&expected), "{}", case.name);
                drop(store);
                let reopened = LedgerStore::open(dir.path(), case.market.clone()).unwrap();
                assert_eq!(reopened.head(), before, "{}", case.name);
                assert_eq!(
                    reopened.to_state().unwrap(),
                    ledger.to_state(),
                    "{}",
                    case.name
                );
                assert_eq!(reopened.epoch_record(case.epoch.epoch).unwrap(), None);
            }
            (json, stored) => panic!(
                "{}: the ledger gives {:?}, the store gives {:?}",
                case.name,
                json.map(|(l, _)| digest_hex(&l.root())),
                stored.map(|(r, _)| digest_hex(&r.new_root))
            ),
        }
    }
    assert_eq!(
        (accepted, rejected),
        outcomes(),
        "accepted and rejected cases"
    );
}

#[test]
fn apply_with_a_ledger_prints_the_lines_and_exports_the_states_of_apply_with_a_state() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let ledger = files.path("ledger");
    assert_ok(&files.init(&ledger), "ledger init");
    let mut state = files.state.clone();
    for epoch in &epochs {
        let epoch_file = files.path(&format!("epoch-{:04}.json", epoch.epoch));
        write_json(&epoch_file, epoch).unwrap();
        let next = files.path(&format!("state-{:04}.json", epoch.epoch));
        let by_state = files.apply_state(&state, &epoch_file, &next);
        let by_ledger = files.apply_ledger(&ledger, &epoch_file);
        assert_ok(&by_state, "apply --state");
        assert_ok(&by_ledger, "apply --ledger");
        assert_eq!(
            stdout(&by_ledger),
            stdout(&by_state),
            "epoch {}",
            epoch.epoch
        );
        let exported = files.path(&format!("export-{:04}.json", epoch.epoch));
        assert_ok(&files.export(&ledger, &exported), "ledger export");
        assert_eq!(
            std::fs::read(&exported).unwrap(),
            std::fs::read(&next).unwrap(),
            "epoch {}",
            epoch.epoch
        );
        state = next;
    }
    let expected: serde_json::Value = load_json(&fixture_dir("generated").join("expected.json"));
    assert!(
        expected.to_string().contains(&digest_hex(
            &LedgerStore::open(&ledger, market).unwrap().head().root
        )),
        "the store's last root is not the shipped golden root"
    );
}

#[test]
fn accepted_edge_cases_apply_through_the_binary_with_a_ledger_as_with_a_state() {
    let mut checked = 0;
    for case in cases() {
        let Ok(ledger) = Ledger::from_state(case.market.clone(), &case.state) else {
            continue;
        };
        if ledger.apply_epoch(&case.epoch).is_err() {
            continue;
        }
        let files = CaseFiles::new(&case.market, &case.state, &case.epoch);
        let store = files.path("ledger");
        assert_ok(&files.init(&store), &case.name);
        let out = files.path("out.json");
        let by_state = files.apply_state(&files.state, &files.epoch, &out);
        let by_ledger = files.apply_ledger(&store, &files.epoch);
        assert_ok(&by_state, &case.name);
        assert_ok(&by_ledger, &case.name);
        assert_eq!(stdout(&by_ledger), stdout(&by_state), "{}", case.name);
        let exported = files.path("export.json");
        assert_ok(&files.export(&store, &exported), &case.name);
        assert_eq!(
            std::fs::read(&exported).unwrap(),
            std::fs::read(&out).unwrap(),
            "{}",
            case.name
        );
        checked += 1;
    }
    assert_eq!(checked, outcomes().0, "accepted cases checked");
}

#[test]
fn a_rejected_epoch_through_the_binary_leaves_the_store_untouched() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[1]);
    let ledger = files.path("ledger");
    assert_ok(&files.init(&ledger), "ledger init");
    let file = ledger.join(STORE_FILE);
    let before = LedgerStore::open(&ledger, market.clone()).unwrap().head();
    // Epoch 2 on a genesis: the wrong epoch number.
    let output = files.apply_ledger(&ledger, &files.epoch);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("epoch.json")
            && message.contains(STORE_FILE)
            && message.contains("rejected"),
        "{message}"
    );
    assert!(stdout(&output).is_empty());
    let store = LedgerStore::open(&ledger, market).unwrap();
    assert_eq!(store.head(), before);
    assert_eq!(store.epoch_record(2).unwrap(), None);
    assert!(file.exists());
}

#[test]
fn a_killed_apply_leaves_the_old_epoch_or_the_new_one() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let pristine = files.path("pristine");
    assert_ok(&files.init(&pristine), "ledger init");
    let old_root = LedgerStore::open(&pristine, market.clone())
        .unwrap()
        .head()
        .root;
    let new_root = Ledger::from_state(market.clone(), &genesis)
        .unwrap()
        .apply_epoch(&epochs[0])
        .unwrap()
        .0
        .root();
    let (mut old, mut new) = (0, 0);
    for (run, delay_ms) in [0, 1, 2, 3, 5, 8, 12, 20, 30, 50].into_iter().enumerate() {
        let ledger = files.path(&format!("ledger-{run}"));
        std::fs::create_dir(&ledger).unwrap();
        std::fs::copy(pristine.join(STORE_FILE), ledger.join(STORE_FILE)).unwrap();
        let mut child = files
            .apply_ledger_command(&ledger, &files.epoch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL; an error means it has already exited.
        child.wait().unwrap();
        let store = LedgerStore::open(&ledger, market.clone())
            .unwrap_or_else(|e| panic!("killed after {delay_ms} ms: {e:#}"));
        let head = store.head();
        let state = store.to_state().unwrap();
        if head.root == old_root {
            old += 1;
            assert_eq!(head.epoch, 0);
            assert_eq!(state, genesis_of(&market, &genesis));
            assert_eq!(store.epoch_record(1).unwrap(), None);
            drop(store);
            // It resumes: the epoch applies to what the kill left.
            assert_ok(
                &files.apply_ledger(&ledger, &files.epoch),
                "apply after kill",
            );
            let store = LedgerStore::open(&ledger, market.clone()).unwrap();
            assert_eq!(store.head().root, new_root);
        } else {
            new += 1;
            assert_eq!(
                head.root, new_root,
                "killed after {delay_ms} ms: a third root"
            );
            assert_eq!(head.epoch, 1);
            assert_eq!(store.epoch_record(1).unwrap().unwrap().new_root, new_root);
        }
    }
    eprintln!("killed runs: {old} at the old epoch, {new} at the new one");
}

/// The genesis as the store exports it (the system accounts made explicit).
fn genesis_of(market: &Market, state: &StateFile) -> StateFile {
    Ledger::from_state(market.clone(), state)
        .unwrap()
        .to_state()
}

/// A store of the shipped genesis in a fresh directory.
fn genesis_store() -> (tempfile::TempDir, Market) {
    let (market, genesis, _) = generated();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
    LedgerStore::create(dir.path(), &ledger).unwrap();
    (dir, market)
}

fn open_error(dir: &Path, market: &Market) -> StoreError {
    LedgerStore::open(dir, market.clone()).expect_err("the damaged store opened")
}

#[test]
fn a_truncated_store_is_refused_naming_the_file() {
    let (dir, market) = genesis_store();
    let file = dir.path().join(STORE_FILE);
    let length = std::fs::metadata(&file).unwrap().len();
    for keep in [length / 2, 4096, 100] {
        let copy = tempfile::tempdir().unwrap();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(copy.path().join(STORE_FILE), &bytes[..keep as usize]).unwrap();
        let error = open_error(copy.path(), &market);
        assert!(
            matches!(
                error,
                StoreError::Open { .. }
                    | StoreError::Unreadable { .. }
                    | StoreError::Storage { .. }
                    | StoreError::Corrupt { .. }
            ),
            "kept {keep} bytes: {error:#}"
        );
        assert!(format!("{error}").contains(STORE_FILE), "{error}");
        if let StoreError::Unreadable { reason, .. } = &error {
            assert!(reason.contains("truncated"), "{reason}");
        }
        // The binary refuses it too, with a non-zero exit and one line.
        let files = CaseFiles::new(&market, &generated().1, &generated().2[0]);
        let output = files.apply_ledger(copy.path(), &files.epoch);
        assert!(!output.status.success());
        assert!(stderr(&output).contains(STORE_FILE), "{}", stderr(&output));
        assert!(stdout(&output).is_empty());
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
}

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const NODES: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("nodes");

/// Rewrites the store's file with redb itself, as a damaged disk or a hand
/// edit would.
fn tamper(dir: &Path, edit: impl FnOnce(&redb::WriteTransaction)) {
    let db = Database::open(dir.join(STORE_FILE)).unwrap();
    let txn = db.begin_write().unwrap();
    edit(&txn);
    txn.commit().unwrap();
}

#[test]
fn a_store_whose_meta_root_was_altered_is_refused() {
    let (dir, market) = genesis_store();
    tamper(dir.path(), |txn| {
        let mut meta = txn.open_table(META).unwrap();
        let mut root = meta.get("root").unwrap().unwrap().value().to_vec();
        root[0] ^= 1;
        meta.insert("root", root.as_slice()).unwrap();
    });
    let error = open_error(dir.path(), &market);
    assert!(
        matches!(error, StoreError::RootMismatch { .. }),
        "{error:#}"
    );
    assert!(format!("{error}").contains(STORE_FILE), "{error}");
}

#[test]
fn a_store_whose_top_node_disagrees_with_its_children_is_refused() {
    let (dir, market) = genesis_store();
    let depth = u64::from(market.tree_depth);
    tamper(dir.path(), |txn| {
        let mut meta = txn.open_table(META).unwrap();
        let mut nodes = txn.open_table(NODES).unwrap();
        let key = depth << 40;
        let mut top = *nodes.get(key).unwrap().unwrap().value();
        top[0] ^= 1;
        nodes.insert(key, &top).unwrap();
        meta.insert("root", top.as_slice()).unwrap();
    });
    let error = open_error(dir.path(), &market);
    assert!(
        matches!(&error, StoreError::RootMismatch { what, .. } if what.contains("children")),
        "{error:#}"
    );
}

#[test]
fn a_store_of_another_format_version_or_market_is_refused() {
    let (dir, market) = genesis_store();
    let mut other = market.clone();
    other.tree_depth += 1;
    assert!(matches!(
        open_error(dir.path(), &other),
        StoreError::MarketMismatch { .. }
    ));
    tamper(dir.path(), |txn| {
        let mut meta = txn.open_table(META).unwrap();
        meta.insert("format_version", 99u64.to_le_bytes().as_slice())
            .unwrap();
    });
    assert!(matches!(
        open_error(dir.path(), &market),
        StoreError::FormatVersion { found: 99, .. }
    ));
}

#[test]
fn init_refuses_a_directory_holding_a_store_and_open_a_directory_without_one() {
    let (dir, market) = genesis_store();
    let ledger = Ledger::from_state(market.clone(), &generated().1).unwrap();
    assert!(matches!(
        LedgerStore::create(dir.path(), &ledger),
        Err(StoreError::Exists { .. })
    ));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        open_error(empty.path(), &market),
        StoreError::Missing { .. }
    ));
}

#[test]
fn account_proofs_from_a_ledger_equal_those_from_the_state() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let ledger = files.path("ledger");
    assert_ok(&files.init(&ledger), "ledger init");
    assert_ok(&files.apply_ledger(&ledger, &files.epoch), "apply --ledger");
    let next = files.path("state-0001.json");
    assert_ok(
        &files.apply_state(&files.state, &files.epoch, &next),
        "apply --state",
    );
    for account in ["0", "1", "3", "7", "1000"] {
        let proof = |flag: &str, source: &Path| {
            zksettle(&[
                p("account-proof"),
                p("--market"),
                &files.market,
                p(flag),
                source,
                p("--account"),
                p(account),
            ])
        };
        let by_ledger = proof("--ledger", &ledger);
        let by_state = proof("--state", &next);
        assert_ok(&by_ledger, account);
        assert_eq!(stdout(&by_ledger), stdout(&by_state), "account {account}");
    }
    // The global leaf is not an account, under either source.
    let output = zksettle(&[
        p("account-proof"),
        p("--market"),
        &files.market,
        p("--ledger"),
        &ledger,
        p("--account"),
        p("2"),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("global leaf"),
        "{}",
        stderr(&output)
    );
}

/// `replay`'s lines without their speed.
fn roots_of(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
            value.as_object_mut().unwrap().remove("ops_per_s");
            value
        })
        .collect()
}

#[test]
fn replay_into_a_ledger_gives_the_roots_of_replay_and_resumes_after_its_epoch() {
    let dir = fixture_dir("generated");
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let ledger = files.path("ledger");
    assert_ok(&files.init(&ledger), "ledger init");
    // Epoch 1 applied alone first: the replay resumes at epoch 2.
    assert_ok(&files.apply_ledger(&ledger, &files.epoch), "apply --ledger");
    let in_memory = zksettle(&[p("replay"), p("--dir"), &dir]);
    let into_store = zksettle(&[p("replay"), p("--dir"), &dir, p("--ledger"), &ledger]);
    assert_ok(&in_memory, "replay");
    assert_ok(&into_store, "replay --ledger");
    assert_eq!(roots_of(&into_store), roots_of(&in_memory)[1..]);
    // Nothing left to replay: refused, the store as it was.
    let head = LedgerStore::open(&ledger, market.clone()).unwrap().head();
    let again = zksettle(&[p("replay"), p("--dir"), &dir, p("--ledger"), &ledger]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("epoch-0004.json"),
        "{}",
        stderr(&again)
    );
    assert_eq!(LedgerStore::open(&ledger, market).unwrap().head(), head);
}

#[test]
fn a_killed_init_leaves_no_store_or_a_whole_one() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let expected = Ledger::from_state(market.clone(), &genesis).unwrap().root();
    for (run, delay_ms) in [0, 2, 5, 10, 20, 40].into_iter().enumerate() {
        let ledger = files.path(&format!("ledger-{run}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_zksettle"))
            .args([p("ledger"), p("init"), p("--market"), &files.market])
            .args([p("--state"), &files.state, p("--ledger"), &ledger])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        if ledger.join(STORE_FILE).exists() {
            let store = LedgerStore::open(&ledger, market.clone())
                .unwrap_or_else(|e| panic!("init killed after {delay_ms} ms: {e:#}"));
            assert_eq!(store.head().root, expected);
        } else {
            // Nothing in place: init runs again over the leftovers.
            assert_ok(&files.init(&ledger), "init after a killed init");
            let store = LedgerStore::open(&ledger, market.clone()).unwrap();
            assert_eq!(store.head().root, expected);
        }
    }
}

#[test]
fn the_binary_names_a_missing_store_a_second_init_and_a_missing_out() {
    let (market, genesis, epochs) = generated();
    let files = CaseFiles::new(&market, &genesis, &epochs[0]);
    let ledger = files.path("ledger");
    let refused = |output: &Output, needle: &str| {
        assert!(!output.status.success(), "{needle}: succeeded");
        assert!(stderr(output).contains(needle), "{}", stderr(output));
        assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
    };
    refused(
        &files.apply_ledger(&ledger, &files.epoch),
        "no ledger store (create one with `zksettle ledger init`)",
    );
    refused(
        &files.export(&ledger, &files.path("out.json")),
        "no ledger store",
    );
    assert!(!files.path("out.json").exists());
    assert_ok(&files.init(&ledger), "ledger init");
    refused(&files.init(&ledger), "a ledger store already exists");
    // --state needs --out; --ledger takes neither.
    refused(
        &zksettle(&[
            p("apply"),
            p("--market"),
            &files.market,
            p("--state"),
            &files.state,
            p("--epoch"),
            &files.epoch,
        ]),
        "--out",
    );
    refused(
        &zksettle(&[
            p("apply"),
            p("--market"),
            &files.market,
            p("--ledger"),
            &ledger,
            p("--state"),
            &files.state,
            p("--epoch"),
            &files.epoch,
        ]),
        "cannot be used with",
    );
    // A market other than the store's is named.
    let mut other = market.clone();
    other.tree_depth += 1;
    let other_market = files.path("other-market.json");
    write_json(&other_market, &other).unwrap();
    refused(
        &zksettle(&[
            p("apply"),
            p("--market"),
            &other_market,
            p("--ledger"),
            &ledger,
            p("--epoch"),
            &files.epoch,
        ]),
        "the store is for market",
    );
}

/// A small venue (the builder's market, depth 8) and `n` epochs of one
/// withdrawal each, with the ledger after each epoch (index 0: genesis).
fn small_history(n: usize) -> (Market, Vec<Epoch>, Vec<Ledger>) {
    use zksettle_fixtures::builder::*;
    let mut market = market();
    market.tree_depth = 8;
    let genesis = state(vec![
        account(3, 100_000 * USD, &[]),
        account(4, 100_000 * USD, &[]),
    ]);
    let mut ledgers = vec![Ledger::from_state(market.clone(), &genesis).unwrap()];
    let mut epochs = Vec::new();
    for k in 0..n {
        let ledger = ledgers.last().unwrap();
        let epoch = next_epoch(
            &market,
            &ledger.to_state(),
            ledger.root(),
            &Quote::default(),
            vec![op::withdraw(3 + (k as u32 % 2), (k as u64 + 1) * 10 * USD)],
        );
        let next = ledger.apply_epoch(&epoch).unwrap().0;
        epochs.push(epoch);
        ledgers.push(next);
    }
    (market, epochs, ledgers)
}

#[test]
fn a_store_serves_account_proofs_and_witnesses_at_the_versions_it_keeps_and_refuses_older_ones() {
    const KEEP: u64 = zksettle_prover::ledger::store::MIN_KEEP;
    let (_, epochs, ledgers) = small_history(6);
    let dir = tempfile::tempdir().unwrap();
    let mut store = LedgerStore::create_keeping(dir.path(), &ledgers[0], KEEP).unwrap();
    for (k, epoch) in epochs.iter().enumerate() {
        let (_, applied) = store.apply_epoch(epoch).unwrap();
        let (_, expected) = ledgers[k].apply_epoch(epoch).unwrap();
        assert_eq!(applied.steps, expected.steps);
        // Every version still kept serves the in-memory ledger's proofs.
        let head = k as u64 + 1;
        let oldest = (head + 1).saturating_sub(KEEP);
        assert_eq!(store.oldest_version().unwrap(), oldest);
        for version in oldest..=head {
            for index in [0, 1, 3, 4, 5, 200] {
                assert_eq!(
                    store.account_proof_at(index, version).unwrap(),
                    ledgers[version as usize].account_proof(index),
                    "account {index} at epoch {version}, head {head}"
                );
            }
        }
        // The witnesses of the applied epochs whose version before is kept
        // are rebuilt exactly.
        for n in (oldest + 1)..=head {
            let epoch = &epochs[n as usize - 1];
            let (record, rebuilt) = store.witness_of(epoch).unwrap();
            let (_, original) = ledgers[n as usize - 1].apply_epoch(epoch).unwrap();
            assert_eq!(record.new_root, original.new_root);
            assert_eq!(
                (rebuilt.prev_root, rebuilt.new_root, rebuilt.batch_hash),
                (original.prev_root, original.new_root, original.batch_hash)
            );
            assert_eq!(rebuilt.steps, original.steps, "epoch {n}");
        }
    }
    // Versions no longer kept, epochs not applied and another epoch under
    // an applied number are refused, naming the epoch.
    let version_error = |result: Result<(), StoreError>, needle: &str| {
        let error = result.expect_err(needle);
        assert!(
            matches!(error, StoreError::Version { .. }),
            "{needle}: {error:#}"
        );
        assert!(format!("{error}").contains(needle), "{error}");
    };
    version_error(
        store.account_proof_at(3, 2).map(drop),
        "epoch 2: not a version kept (the store keeps epochs 3 to 6)",
    );
    version_error(
        store.witness_of(&epochs[2]).map(drop),
        "epoch 2: not a version kept",
    );
    let mut other = epochs[5].clone();
    other.timestamp += 1;
    version_error(store.witness_of(&other).map(drop), "another epoch");
    let mut later = epochs[5].clone();
    later.epoch = 9;
    version_error(store.witness_of(&later).map(drop), "not applied");
    // Kept across a reopen.
    drop(store);
    let store = LedgerStore::open(dir.path(), ledgers[0].market().clone()).unwrap();
    assert_eq!(store.keep(), KEEP);
    assert_eq!(store.oldest_version().unwrap(), 3);
    assert_eq!(
        store.account_proof_at(4, 4).unwrap(),
        ledgers[4].account_proof(4)
    );
}

#[test]
fn proven_epochs_are_recorded_in_order_with_their_roots_and_a_record_that_disagrees_is_refused() {
    use zksettle_prover::ledger::store::ProofRecord;
    let (market, epochs, ledgers) = small_history(2);
    let dir = tempfile::tempdir().unwrap();
    let mut store = LedgerStore::create(dir.path(), &ledgers[0]).unwrap();
    assert_eq!(store.proven_epoch(), 0);
    for epoch in &epochs {
        store.apply_epoch(epoch).unwrap();
    }
    let record = |n: usize| ProofRecord {
        epoch: n as u64,
        prev_root: ledgers[n - 1].root(),
        new_root: ledgers[n].root(),
        history: ledgers[n].root(),
        outputs: Vec::new(),
    };
    let refused = |store: &mut LedgerStore, r: &ProofRecord, needle: &str| {
        let error = store.mark_proven(r).expect_err(needle);
        assert!(matches!(error, StoreError::ProofRecord { .. }), "{error:#}");
        assert!(format!("{error}").contains(needle), "{error}");
    };
    refused(&mut store, &record(2), "the last proven epoch is 0");
    let mut wrong = record(1);
    wrong.new_root = ledgers[2].root();
    refused(&mut store, &wrong, "its proof goes from");
    store.mark_proven(&record(1)).unwrap();
    assert_eq!(store.proven_epoch(), 1);
    refused(&mut store, &record(1), "the last proven epoch is 1");
    let mut beyond = record(2);
    beyond.epoch = 3;
    refused(&mut store, &beyond, "the last proven epoch is 1");
    store.mark_proven(&record(2)).unwrap();
    drop(store);
    let store = LedgerStore::open(dir.path(), market.clone()).unwrap();
    assert_eq!(store.proven_epoch(), 2);
    assert_eq!(store.proof_record(2).unwrap(), Some(record(2)));
    drop(store);
    // A proof record whose root is not the applied epoch's: refused.
    const PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("proofs");
    tamper(dir.path(), |txn| {
        let mut proofs = txn.open_table(PROOFS).unwrap();
        let mut altered = record(2);
        altered.new_root = ledgers[1].root();
        let bytes = serde_json::to_vec(&altered).unwrap();
        proofs.insert(2, bytes.as_slice()).unwrap();
    });
    let error = open_error(dir.path(), &market);
    assert!(
        matches!(error, StoreError::RootMismatch { .. }),
        "{error:#}"
    );
    assert!(format!("{error}").contains("epoch 2's proof"), "{error}");
}
