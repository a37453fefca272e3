//! The simulator: deterministic, always valid, and rich enough to exercise
//! every rule; the invariants of `docs/design.md` section 7.12 hold after every epoch.

use std::collections::BTreeMap;

use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::units::INSURANCE_FUND;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::sim::{simulate, Mix, SimConfig};

const CONFIG: SimConfig = SimConfig {
    seed: 7,
    accounts: 40,
    epochs: 3,
    ops: 120,
    mix: Mix::Default,
};

fn files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    simulate(CONFIG).unwrap().write(a.path()).unwrap();
    simulate(CONFIG).unwrap().write(b.path()).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), 5);
    assert_eq!(fa, fb);
    let other = tempfile::tempdir().unwrap();
    simulate(SimConfig { seed: 8, ..CONFIG })
        .unwrap()
        .write(other.path())
        .unwrap();
    assert_ne!(
        files(other.path())["epoch-0001.json"],
        fa["epoch-0001.json"],
        "another seed, another market"
    );
}

fn total_cash_minus_bad_debt(ledger: &Ledger) -> i128 {
    ledger
        .accounts()
        .map(|(_, a)| i128::from(a.cash))
        .sum::<i128>()
        - i128::from(ledger.bad_debt())
}

fn open_interest(ledger: &Ledger) -> BTreeMap<u32, i64> {
    let mut sums = BTreeMap::new();
    for (_, account) in ledger.accounts() {
        for p in &account.positions {
            *sums.entry(p.instrument).or_insert(0) += p.qty;
        }
    }
    sums
}

#[test]
fn simulated_epochs_are_valid_exercise_every_rule_and_keep_the_invariants() {
    let sim = simulate(CONFIG).unwrap();
    let mut ledger = Ledger::from_state(sim.market.clone(), &sim.genesis).unwrap();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut insurance_drawn = false;
    for epoch in &sim.epochs {
        assert_eq!(epoch.ops.len(), CONFIG.ops, "epoch {} is full", epoch.epoch);
        let (next, _) = ledger
            .apply_epoch(epoch)
            .unwrap_or_else(|e| panic!("epoch {}: {e}", epoch.epoch));
        let mut flow = 0i128;
        for op in &epoch.ops {
            let kind = match op {
                Operation::Deposit(d) => {
                    flow += i128::from(d.amount);
                    "deposit"
                }
                Operation::Withdraw(w) => {
                    flow -= i128::from(w.amount);
                    "withdraw"
                }
                Operation::Trade(_) => "trade",
                Operation::Liquidate(l) if l.fraction_bps == 10_000 => "whole liquidation",
                Operation::Liquidate(_) => "partial liquidation",
                Operation::SettleExpiry(_) => "settle_expiry",
                Operation::SweepFees(_) => "sweep_fees",
                Operation::PlaceOrder(_) => "place_order",
                Operation::CancelOrder(_) => "cancel_order",
            };
            *seen.entry(kind).or_default() += 1;
        }
        assert_eq!(
            total_cash_minus_bad_debt(&next),
            total_cash_minus_bad_debt(&ledger) + flow,
            "cash conservation in epoch {}",
            epoch.epoch
        );
        assert!(
            open_interest(&next).values().all(|&q| q == 0),
            "every instrument nets to zero after epoch {}",
            epoch.epoch
        );
        // A bankruptcy draws on the insurance fund (penalties only ever add to it).
        let liquidated_whole = epoch
            .ops
            .iter()
            .any(|op| matches!(op, Operation::Liquidate(l) if l.fraction_bps == 10_000));
        if liquidated_whole
            && next.account(INSURANCE_FUND).cash < ledger.account(INSURANCE_FUND).cash
        {
            insurance_drawn = true;
        }
        ledger = next;
    }
    for kind in [
        "deposit",
        "withdraw",
        "trade",
        "partial liquidation",
        "whole liquidation",
        "settle_expiry",
        "place_order",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} in {seen:?}"
        );
    }
    assert!(
        insurance_drawn,
        "a bankruptcy must draw on the insurance fund"
    );
}

#[test]
fn too_few_accounts_is_a_clear_error() {
    let error = simulate(SimConfig {
        accounts: 2,
        ..CONFIG
    })
    .unwrap_err();
    assert!(error.to_string().contains("--accounts must be at least 3"));
}

fn kinds(ops: &[Operation]) -> BTreeMap<&'static str, usize> {
    let mut count = BTreeMap::new();
    for op in ops {
        *count.entry(op.kind()).or_default() += 1;
    }
    count
}

/// `--mix steady`: a genesis whose traders are funded and hold positions,
/// then epochs of at least 70% trades with the orders they fill, and otherwise deposits and
/// withdrawals (until the first expiry), the same files from the same seed.
#[test]
fn the_steady_mix_trades_from_a_genesis_with_open_positions() {
    let config = SimConfig {
        accounts: 60,
        epochs: 1,
        ops: 300,
        mix: Mix::Steady,
        ..CONFIG
    };
    let sim = simulate(config).unwrap();
    let holders = sim
        .genesis
        .accounts
        .iter()
        .filter(|a| !a.positions.is_empty())
        .count();
    assert!(
        holders >= 50,
        "{holders} accounts hold positions at genesis"
    );
    let epoch = &sim.epochs[0];
    assert_eq!(epoch.ops.len(), 300);
    let count = kinds(&epoch.ops);
    // Each trade comes with the two signed orders it fills.
    let orders = count.get("place_order").copied().unwrap_or(0);
    let cancels = count.get("cancel_order").copied().unwrap_or(0);
    assert_eq!(orders, 2 * count["trade"], "{count:?}");
    assert!(
        (count["trade"] + orders + cancels) * 10 >= 7 * epoch.ops.len(),
        "{count:?}"
    );
    assert_eq!(
        count["trade"] + orders + cancels + count["deposit"] + count["withdraw"],
        epoch.ops.len(),
        "{count:?}"
    );
    let again = simulate(config).unwrap();
    assert_eq!(again.epochs[0], *epoch);
    assert_eq!(again.genesis, sim.genesis);
}

/// `--mix crash`: the steady genesis a day later, so epoch 1 crashes and
/// passes the first expiry: liquidations, the insurance fund covering
/// bankrupt accounts, the expiry settlement, and the epoch still applies.
#[test]
fn the_crash_mix_liquidates_settles_and_draws_on_the_fund_in_epoch_one() {
    let config = SimConfig {
        accounts: 60,
        epochs: 1,
        ops: 300,
        mix: Mix::Crash,
        ..CONFIG
    };
    let sim = simulate(config).unwrap();
    let epoch = &sim.epochs[0];
    let count = kinds(&epoch.ops);
    assert!(
        count.get("liquidate").copied().unwrap_or(0) > 0,
        "{count:?}"
    );
    assert!(
        count.get("settle_expiry").copied().unwrap_or(0) > 0,
        "{count:?}"
    );
    let ledger = Ledger::from_state(sim.market.clone(), &sim.genesis).unwrap();
    let (after, _) = ledger.apply_epoch(epoch).unwrap();
    let fund = |l: &Ledger| l.account(INSURANCE_FUND).cash;
    let penalties_only = fund(&after) >= fund(&ledger);
    assert!(
        !penalties_only || after.bad_debt() > 0,
        "a bankruptcy draws on the fund: {} -> {}",
        fund(&ledger),
        fund(&after)
    );
}
