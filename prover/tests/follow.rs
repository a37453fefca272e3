//! `zksettle follow` and `zksettle prove --ledger` as real processes over a
//! real ledger store, with small circuits (tree depth 8, two steps per
//! chunk): epochs proven in order from an inbox, a kill -9 while an epoch
//! is being proven and a restart that rebuilds its witness from the store
//! and proves nothing twice, outputs written before a kill recorded without
//! proving again (and proven again when one is missing), a tampered chain
//! proof, a misnamed and a rejected epoch refused with the store untouched,
//! and SIGTERM ending a waiting follower cleanly.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use std::sync::OnceLock;

use serde_json::Value;
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::market::Market;
use zksettle_fixtures::builder::*;
use zksettle_prover::circuit_cache::load_or_build;
use zksettle_prover::export::layouts_for;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::store::LedgerStore;
use zksettle_prover::ledger::Ledger;
use zksettle_verifier::PublicInputs;

const LAYOUTS: [&str; 4] = ["--capacity", "2", "--light-capacity", "2"];

/// A venue of three epochs (one withdrawal each) and the directories a
/// follower works in.
struct Venue {
    dir: tempfile::TempDir,
    market: Market,
    epochs: Vec<Epoch>,
    roots: Vec<String>,
}

impl Venue {
    fn new() -> Self {
        let mut market = market();
        market.tree_depth = 8;
        let genesis = state(vec![
            account(3, 100_000 * USD, &[]),
            account(4, 100_000 * USD, &[]),
        ]);
        let mut ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
        let mut roots = vec![hex(&ledger)];
        let mut epochs = Vec::new();
        for (n, account) in [3, 4, 3].into_iter().enumerate() {
            let state: StateFile = ledger.to_state();
            let epoch = next_epoch(
                &market,
                &state,
                ledger.root(),
                &Quote::default(),
                vec![op::withdraw(account, (n as u64 + 1) * 100 * USD)],
            );
            ledger = ledger.apply_epoch(&epoch).unwrap().0;
            roots.push(hex(&ledger));
            epochs.push(epoch);
        }
        let dir = tempfile::tempdir().unwrap();
        write_json(&dir.path().join("market.json"), &market).unwrap();
        write_json(&dir.path().join("state-0000.json"), &genesis).unwrap();
        for d in ["inbox", "outbox"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Self {
            dir,
            market,
            epochs,
            roots,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zksettle"));
        command.env("ZKSETTLE_CACHE", self.path("circuits"));
        command
    }

    fn init(&self, ledger: &str) {
        let output = self
            .command()
            .args(["ledger", "init", "--market"])
            .arg(self.path("market.json"))
            .arg("--state")
            .arg(self.path("state-0000.json"))
            .arg("--ledger")
            .arg(self.path(ledger))
            .output()
            .unwrap();
        ok(&output, "ledger init");
    }

    /// Drops epoch `n` into the inbox as a sequencer does: written under
    /// another name, then renamed.
    fn drop_epoch(&self, n: u64) {
        let staging = self.path(&format!("inbox/.epoch-{n:04}.tmp"));
        write_json(&staging, &self.epochs[n as usize - 1]).unwrap();
        std::fs::rename(&staging, inbox_file(self, n)).unwrap();
    }

    fn follow(&self, ledger: &str) -> Command {
        let mut command = self.command();
        command
            .arg("follow")
            .arg("--market")
            .arg(self.path("market.json"))
            .arg("--ledger")
            .arg(self.path(ledger))
            .arg("--inbox")
            .arg(self.path("inbox"))
            .arg("--outbox")
            .arg(self.path("outbox"))
            .args(["--poll-ms", "100"])
            .args(LAYOUTS);
        command
    }

    /// `zksettle prove --ledger` of inbox epoch `n` into the outbox.
    fn prove_ledger(&self, ledger: &str, n: u64) -> Output {
        self.command()
            .arg("prove")
            .arg("--market")
            .arg(self.path("market.json"))
            .arg("--ledger")
            .arg(self.path(ledger))
            .arg("--epoch")
            .arg(inbox_file(self, n))
            .arg("--out")
            .arg(self.path("outbox"))
            .args(LAYOUTS)
            .output()
            .unwrap()
    }

    fn follow_until_idle(&self, ledger: &str) -> Vec<Value> {
        let output = self
            .follow(ledger)
            .arg("--exit-when-idle")
            .output()
            .unwrap();
        ok(&output, "follow --exit-when-idle");
        events(&output)
    }

    fn store(&self, ledger: &str) -> LedgerStore {
        LedgerStore::open(&self.path(ledger), self.market.clone()).unwrap()
    }

    fn outbox(&self, name: &str) -> PathBuf {
        self.path(&format!("outbox/{name}"))
    }

    /// The statement of a final proof in the outbox, verified with the
    /// circuits the follower built (loaded from the same cache).
    fn statement(&self, name: &str) -> PublicInputs {
        static SET: OnceLock<CircuitSet> = OnceLock::new();
        let set = SET.get_or_init(|| {
            // The one test of this binary: nothing else reads the variable.
            std::env::set_var("ZKSETTLE_CACHE", self.path("circuits"));
            load_or_build(&layouts_for(&self.market, 2, 2)).0
        });
        let bytes = std::fs::read(self.outbox(name)).unwrap();
        let proof = FinalProof::from_bytes(bytes, &set.final_circuit.data.common).unwrap();
        set.final_circuit.verify(&proof).unwrap()
    }
}

fn inbox_file(venue: &Venue, n: u64) -> PathBuf {
    venue.path(&format!("inbox/epoch-{n:04}.json"))
}

fn hex(ledger: &Ledger) -> String {
    digest_hex(&ledger.root())
}

fn ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn events(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

/// The epochs of the events of one kind, in order.
fn epochs_of(events: &[Value], kind: &str) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e["event"] == kind)
        .map(|e| e["epoch"].as_u64().unwrap())
        .collect()
}

/// A running follower whose JSON lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Running {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str(&line) {
                    if send.send(value).is_err() {
                        break;
                    }
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for an event satisfying `what`.
    fn wait_for(&mut self, limit: Duration, what: impl Fn(&Value) -> bool) {
        let start = Instant::now();
        loop {
            let left = limit.saturating_sub(start.elapsed());
            let event = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no such event; seen {:?}", self.seen));
            let done = what(&event);
            self.seen.push(event);
            if done {
                return;
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_follower_proves_the_inbox_in_order_and_a_kill_loses_nothing_and_proves_nothing_twice() {
    let venue = Venue::new();
    venue.init("ledger");
    for n in 1..=3 {
        venue.drop_epoch(n);
    }

    // Epoch 1 through `prove --ledger`: applied, proven, recorded. The
    // follower continues from what it recorded.
    let proved = venue.prove_ledger("ledger", 1);
    ok(&proved, "prove --ledger");
    let line: Value = serde_json::from_slice(&proved.stdout).unwrap();
    assert_eq!(line["epoch"], 1);
    assert_eq!(line["new_root"], venue.roots[1].as_str());
    let store = venue.store("ledger");
    assert_eq!((store.head().epoch, store.proven_epoch()), (1, 1));
    drop(store);
    // A second `prove --ledger` of epoch 1 is refused: it is proven.
    let again = venue.prove_ledger("ledger", 1);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("next epoch to prove is 2"));
    // The store as it stands now, for the recovery runs below.
    copy_dir(&venue.path("ledger"), &venue.path("ledger-at-1"));

    // Kill -9 while epoch 2 is being proven (after it was applied).
    let mut running = Running::start(venue.follow("ledger"));
    running.wait_for(Duration::from_secs(300), |e| {
        e["event"] == "applied" && e["epoch"] == 2
    });
    std::thread::sleep(Duration::from_millis(1500));
    running.child.kill().unwrap();
    running.child.wait().unwrap();
    let killed_proven = epochs_of(&running.seen, "proven");
    drop(running);
    let store = venue.store("ledger");
    assert_eq!(store.head().epoch, 2, "epoch 2 applied before the kill");
    let proven_before_restart = store.proven_epoch();
    drop(store);

    // The restart rebuilds epoch 2's witness from the store, proves the
    // rest, and stops when the inbox is done.
    let events = venue.follow_until_idle("ledger");
    let proven_after = epochs_of(&events, "proven");
    let mut all: Vec<u64> = killed_proven.iter().chain(&proven_after).copied().collect();
    all.sort_unstable();
    assert_eq!(all, [2, 3], "every epoch proven once: {events:?}");
    assert!(proven_before_restart <= 2);
    if proven_before_restart == 1 {
        let rebuilt = events
            .iter()
            .find(|e| e["event"] == "applied" && e["epoch"] == 2)
            .expect("epoch 2 taken again");
        assert_eq!(rebuilt["rebuilt"], true, "{events:?}");
    }
    assert_eq!(events.last().unwrap()["reason"], "idle");
    let store = venue.store("ledger");
    assert_eq!((store.head().epoch, store.proven_epoch()), (3, 3));
    for n in 1..=3u64 {
        let statement = venue.statement(&format!("final-{n:04}.proof"));
        assert_eq!(statement.epoch, n);
        assert_eq!(digest_hex(&statement.new_root), venue.roots[n as usize]);
        assert_eq!(digest_hex(&statement.genesis_root), venue.roots[0]);
        let record = store.proof_record(n).unwrap().expect("recorded");
        for file in &record.outputs {
            let bytes = std::fs::read(venue.outbox(&file.name)).unwrap();
            assert_eq!(file.bytes, bytes.len() as u64, "{}", file.name);
        }
    }
    // Account proofs under every kept root, and none under a root not kept.
    for n in 0..=3 {
        let proof = store.account_proof_at(3, n).unwrap().unwrap();
        assert_eq!(digest_hex(&proof.root), venue.roots[n as usize]);
    }
    drop(store);

    // Killed after writing epochs 2 and 3's outputs, before recording
    // them: the store applied them, the outbox holds them. A restart
    // records them without proving.
    copy_dir(&venue.path("ledger-at-1"), &venue.path("ledger-b"));
    for n in 2..=3 {
        let applied = venue
            .command()
            .arg("apply")
            .arg("--market")
            .arg(venue.path("market.json"))
            .arg("--ledger")
            .arg(venue.path("ledger-b"))
            .arg("--epoch")
            .arg(inbox_file(&venue, n))
            .output()
            .unwrap();
        ok(&applied, "apply --ledger");
    }
    copy_dir(&venue.path("ledger-b"), &venue.path("ledger-c"));
    let events = venue.follow_until_idle("ledger-b");
    assert_eq!(epochs_of(&events, "recovered"), [2, 3], "{events:?}");
    assert!(epochs_of(&events, "proven").is_empty(), "{events:?}");
    assert_eq!(venue.store("ledger-b").proven_epoch(), 3);

    // The same, with epoch 3's chain proof never written: epoch 2 is
    // recorded, epoch 3 is proven again, to the same statement.
    let chain_3 = venue.outbox("chain-0003.proof");
    let statement_3 = venue.statement("final-0003.proof");
    std::fs::remove_file(&chain_3).unwrap();
    let events = venue.follow_until_idle("ledger-c");
    assert_eq!(epochs_of(&events, "recovered"), [2], "{events:?}");
    assert_eq!(epochs_of(&events, "proven"), [3], "{events:?}");
    assert_eq!(venue.statement("final-0003.proof"), statement_3);
    assert!(chain_3.exists());

    // (The first store's record of epoch 3 names the chain proof this run
    // replaced; the checks below use the store that made the new one.)
    // A chain proof in the outbox that is not the one recorded for the
    // last proven epoch is refused, the store untouched.
    let chain_2 = std::fs::read(venue.outbox("chain-0002.proof")).unwrap();
    let chain_3_bytes = std::fs::read(&chain_3).unwrap();
    std::fs::write(&chain_3, &chain_2).unwrap();
    let refused = venue
        .follow("ledger-c")
        .arg("--exit-when-idle")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("chain-0003.proof"), "{stderr}");
    assert!(
        stderr.contains("not the chain proof the store recorded"),
        "{stderr}"
    );
    std::fs::write(&chain_3, &chain_3_bytes).unwrap();

    // A file whose epoch is not its name's, then an epoch the rules
    // reject: each stops the follower with a clear error, store untouched.
    let mut misnamed = venue.epochs[0].clone();
    misnamed.epoch = 7;
    write_json(&inbox_file(&venue, 4), &misnamed).unwrap();
    let refused = venue
        .follow("ledger-c")
        .arg("--exit-when-idle")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("holds epoch 7"), "{stderr}");
    let state = venue.store("ledger-c").to_state().unwrap();
    let rejected = next_epoch(
        &venue.market,
        &state,
        venue.store("ledger-c").head().root,
        &Quote::default(),
        vec![op::withdraw(3, 1_000_000 * USD)],
    );
    write_json(&inbox_file(&venue, 4), &rejected).unwrap();
    let refused = venue
        .follow("ledger-c")
        .arg("--exit-when-idle")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("epoch 4 rejected"), "{stderr}");
    let store = venue.store("ledger-c");
    assert_eq!((store.head().epoch, store.proven_epoch()), (3, 3));
    drop(store);
    std::fs::remove_file(inbox_file(&venue, 4)).unwrap();

    // SIGTERM ends a follower waiting on an empty inbox, cleanly.
    let mut running = Running::start(venue.follow("ledger-c"));
    running.wait_for(Duration::from_secs(120), |e| e["event"] == "started");
    std::thread::sleep(Duration::from_millis(500));
    let pid = running.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    running.wait_for(Duration::from_secs(60), |e| e["event"] == "stopped");
    assert_eq!(running.seen.last().unwrap()["reason"], "signal");
    assert!(running.child.wait().unwrap().success());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
