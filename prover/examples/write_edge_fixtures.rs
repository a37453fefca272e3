//! Writes `fixtures/edge/`: the hand-written edge cases of the rule book.
//!
//! Each case states its scenario and its expected outcome by hand; the
//! ledger must agree (the program stops otherwise), and only the golden root
//! of an accepted case is filled in from the ledger. Run on purpose, after a
//! rule change: `cargo run -p zksettle-prover --example write_edge_fixtures`.

use std::path::Path;

use zksettle_circuits::rules::account::FLAG_UNDER_LIQUIDATION;
use zksettle_circuits::rules::encoding::{digest_hex, ZERO_DIGEST};
use zksettle_circuits::rules::margin::{margin, portfolio_risk, Margin};
use zksettle_circuits::rules::market::{Instrument, OptionKind};
use zksettle_circuits::rules::ops::{Deposit, Liquidate, Operation, SettleExpiry, Trade, Withdraw};
use zksettle_circuits::rules::oracle::{median_prices, SettlementPrice};
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::{BAD_DEBT_MAX, CASH_MAX, P_MAX, Q_MAX, TICK};
use zksettle_circuits::rules::{Account, AccountEntry, Epoch, Market, StateFile};
use zksettle_fixtures::builder::*;
use zksettle_fixtures::edge::{rule_name, Expected};
use zksettle_fixtures::fixture_dir;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;

/// What a case expects, stated by hand.
enum Outcome {
    Accepted,
    Rejected {
        op: Option<usize>,
        rule: &'static str,
    },
}
use Outcome::{Accepted, Rejected};

struct Case {
    name: &'static str,
    description: &'static str,
    market: Market,
    state: StateFile,
    epoch: Epoch,
    outcome: Outcome,
}

fn rejected(op: usize, rule: &'static str) -> Outcome {
    Rejected { op: Some(op), rule }
}

/// A case on the builder market with default quotes.
fn case(
    name: &'static str,
    description: &'static str,
    users: Vec<AccountEntry>,
    ops: Vec<Operation>,
    outcome: Outcome,
) -> Case {
    let market = market();
    let state = state(users);
    let root = Ledger::from_state(market.clone(), &state).unwrap().root();
    let epoch = epoch(&market, root, ops);
    Case {
        name,
        description,
        market,
        state,
        epoch,
        outcome,
    }
}

/// Margin of an account entry at the default quotes.
fn default_margin(entry: &AccountEntry) -> Margin {
    let market = market();
    let prices =
        median_prices(&market, &reports(&market, NOW - 10, &Quote::default()), NOW).unwrap();
    let account = Account {
        owner: entry.owner,
        cash: entry.cash,
        flags: entry.flags,
        positions: entry.positions.clone(),
    };
    margin(
        &account,
        &RiskArrays::compute(&market, &prices),
        &market.params,
    )
}

fn trade(buyer: u32, seller: u32, instrument: u32, qty: i64, price: u64) -> Operation {
    Operation::Trade(Trade {
        buyer,
        seller,
        instrument,
        qty,
        price,
    })
}

fn liquidate(account: u32, liquidator: u32, fraction_bps: u64) -> Operation {
    Operation::Liquidate(Liquidate {
        account,
        liquidator,
        fraction_bps,
    })
}

fn withdraw(account: u32, amount: u64) -> Operation {
    Operation::Withdraw(Withdraw { account, amount })
}

fn deposit(account: u32, amount: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        owner: owner(account),
        amount,
    })
}

const RICH: u64 = 1_000_000_000 * USD;

/// Account 3 short one BTC of the 60,000 put with `cash`; account 4 long it.
fn short_put_pair(cash: u64) -> Vec<AccountEntry> {
    vec![
        account(3, cash, &[(1, -100)]),
        account(4, RICH, &[(1, 100)]),
    ]
}

/// Cash that puts account 3 of [`short_put_pair`] at equity `target(margin)`.
fn cash_for(target: impl Fn(&Margin) -> i64) -> u64 {
    let m = default_margin(&account(3, 0, &[(1, -100)]));
    (target(&m) - m.mark_to_market) as u64
}

/// Cash putting a short straddle (100 lots of instruments 0 and 1) 10 USD
/// above maintenance margin, below initial margin.
fn straddle_cash() -> u64 {
    let m = default_margin(&account(3, 0, &[(0, -100), (1, -100)]));
    (m.maintenance + 10 * USD as i64 - m.mark_to_market) as u64
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        case("deposit-creates-an-empty-account", "a deposit to an empty leaf creates the account with its owner", vec![], vec![deposit(10, 5 * USD)], Accepted),
        case("deposit-with-another-owner-is-rejected", "a deposit naming another owner than the account's", vec![account(3, USD, &[])], vec![Operation::Deposit(Deposit { account: 3, owner: owner(4), amount: USD })], rejected(0, "OwnerMismatch")),
        case("deposit-reaching-cash-max-is-accepted", "cash may reach exactly 2^58", vec![account(3, CASH_MAX - 10, &[])], vec![deposit(3, 10)], Accepted),
        case("deposit-beyond-cash-max-is-rejected", "cash may not exceed 2^58", vec![account(3, CASH_MAX - 10, &[])], vec![deposit(3, 11)], rejected(0, "CashAboveMaximum")),
        case("equity-at-maintenance-is-not-liquidatable", "E = MM is not below maintenance margin", short_put_pair(cash_for(|m| m.maintenance)), vec![liquidate(3, 4, 2_500)], rejected(0, "NotLiquidatable")),
        case("equity-one-below-maintenance-is-liquidatable", "E = MM - 1 is liquidatable by one step", short_put_pair(cash_for(|m| m.maintenance - 1)), vec![liquidate(3, 4, 2_500)], Accepted),
        case("withdraw-to-exactly-initial-margin", "a withdrawal leaving E' = IM' is accepted", short_put_pair(cash_for(|m| m.initial + 7 * USD as i64)), vec![withdraw(3, 7 * USD)], Accepted),
        case("withdraw-one-below-initial-margin", "a withdrawal leaving E' = IM' - 1 is rejected", short_put_pair(cash_for(|m| m.initial + 7 * USD as i64)), vec![withdraw(3, 7 * USD + 1)], rejected(0, "BelowInitialMargin")),
        case("withdraw-all-cash-leaves-zero", "cash' = 0 is allowed", vec![account(3, 123 * USD, &[])], vec![withdraw(3, 123 * USD)], Accepted),
        case("withdraw-more-than-cash-is-rejected", "cash' < 0 is rejected", vec![account(3, 123 * USD, &[])], vec![withdraw(3, 123 * USD + 1)], rejected(0, "InsufficientCash")),
        case("worst-scenario-in-the-extended-grid", "a short deep out-of-the-money put is margined by an extended scenario", vec![account(3, 50_000 * USD, &[]), account(4, RICH, &[])], vec![trade(4, 3, 3, 100, 400 * USD)], Accepted),
        case("one-lot-one-tick-fees-round-up", "a 1-lot trade at a 1-tick price pays a fee of 1 micro-USD each side", vec![account(3, USD, &[]), account(4, RICH, &[])], vec![trade(3, 4, 2, 1, TICK)], Accepted),
        case("q-max-position-is-accepted", "a trade of Q_MAX lots", vec![account(3, RICH, &[]), account(4, RICH, &[])], vec![trade(3, 4, 0, Q_MAX, 2_400 * USD)], Accepted),
        case("q-max-plus-one-trade-is-rejected", "a trade of Q_MAX + 1 lots", vec![account(3, RICH, &[]), account(4, RICH, &[])], vec![trade(3, 4, 0, Q_MAX + 1, 2_400 * USD)], rejected(0, "QuantityOutOfRange")),
        case("position-beyond-q-max-is-rejected", "a position may not exceed Q_MAX", vec![account(3, RICH, &[(0, Q_MAX)]), account(4, RICH, &[(0, -Q_MAX)]), account(5, RICH, &[])], vec![trade(3, 5, 0, 1, 2_400 * USD)], rejected(0, "PositionLimit")),
        case("self-trade-is-rejected", "buyer and seller are the same account", vec![account(3, RICH, &[])], vec![trade(3, 3, 0, 1, 2_400 * USD)], rejected(0, "SelfTrade")),
        case("reduce-only-trade-by-underwater-account", "an account below initial margin may buy back half its short when E - MM does not worsen", short_put_pair(cash_for(|m| m.maintenance + 10 * USD as i64)), vec![trade(3, 4, 1, 50, 2_300 * USD)], Accepted),
        case("underwater-account-cannot-increase-its-position", "an account below initial margin may not sell more", short_put_pair(cash_for(|m| m.maintenance + 10 * USD as i64)), vec![trade(4, 3, 1, 10, 2_300 * USD)], rejected(0, "BelowInitialMargin")),
        case("liquidating-a-healthy-account-is-rejected", "E >= MM: not liquidatable", short_put_pair(RICH), vec![liquidate(3, 4, 2_500)], rejected(0, "NotLiquidatable")),
        case("liquidator-equal-to-account-is-rejected", "an account cannot liquidate itself", short_put_pair(cash_for(|m| m.maintenance - 1)), vec![liquidate(3, 3, 2_500)], rejected(0, "SelfLiquidation")),
        case("liquidator-ending-below-initial-margin-is-rejected", "the liquidator must end above initial margin", vec![account(3, cash_for(|m| m.maintenance - 1), &[(1, -100)]), account(4, USD, &[(1, 100)]), account(5, USD, &[])], vec![liquidate(3, 5, 2_500)], rejected(0, "LiquidatorBelowInitialMargin")),
        case("fraction-above-the-step-is-rejected", "a solvent account above small_mm is liquidated by at most one step", short_put_pair(cash_for(|m| m.maintenance - 1)), vec![liquidate(3, 4, 2_501)], rejected(0, "FractionAboveStep")),
        case("insolvent-account-must-be-taken-whole", "E < 0 requires a full transfer", short_put_pair(1_000 * USD), vec![liquidate(3, 4, 2_500)], rejected(0, "InsolventNeedsFullTransfer")),
        case("unknown-account-is-rejected", "a trade with an account that does not exist", vec![account(3, RICH, &[])], vec![trade(3, 9, 0, 1, 2_400 * USD)], rejected(0, "UnknownAccount")),
        case("unknown-instrument-is-rejected", "a trade of an instrument that is not listed", vec![account(3, RICH, &[]), account(4, RICH, &[])], vec![trade(3, 4, 8, 1, 2_400 * USD)], rejected(0, "UnknownInstrument")),
        case("trade-after-expiry-is-rejected", "an expired instrument does not trade", vec![account(3, RICH, &[]), account(4, RICH, &[])], vec![trade(3, 4, 6, 1, 5_000 * USD)], rejected(0, "InstrumentExpired")),
        case("price-outside-the-band-is-rejected", "a price more than band_bps of spot from the mark", vec![account(3, RICH, &[]), account(4, RICH, &[])], vec![trade(3, 4, 0, 1, 2_400 * USD + 3_000 * USD + TICK)], rejected(0, "PriceOutsideBand")),
        case("settling-before-expiry-is-rejected", "settle_expiry of a live instrument", short_put_pair(RICH), vec![Operation::SettleExpiry(SettleExpiry { instrument: 1, accounts: vec![3, 4] })], rejected(0, "NotYetExpired")),
        case("account-beyond-the-tree-is-rejected", "index 2^20 is beyond a depth-20 tree", vec![], vec![deposit(1 << 20, USD)], rejected(0, "AccountOutOfRange")),
        case("deposit-to-the-global-leaf-is-rejected", "leaf 2 holds bad debt, not an account", vec![], vec![deposit(2, USD)], rejected(0, "GlobalLeaf")),
        case("system-account-cannot-trade", "the insurance fund holds no positions", vec![account(3, RICH, &[])], vec![trade(0, 3, 0, 1, 2_400 * USD)], rejected(0, "SystemAccount")),
        case("zero-deposit-is-rejected", "amounts are at least 1", vec![account(3, USD, &[])], vec![deposit(3, 0)], rejected(0, "AmountOutOfRange")),
        case("deposit-with-zero-owner-is-rejected", "the zero owner cannot own an account", vec![], vec![Operation::Deposit(Deposit { account: 9, owner: ZERO_DIGEST, amount: USD })], rejected(0, "ZeroOwner")),
        case("zero-fraction-is-rejected", "a liquidation moves at least 1 bps", short_put_pair(cash_for(|m| m.maintenance - 1)), vec![liquidate(3, 4, 0)], rejected(0, "FractionOutOfRange")),
        case("liquidation-moving-no-lot-is-rejected", "25% of 3 lots truncates to 0", vec![account(3, 100 * USD, &[(1, -3)]), account(4, RICH, &[(1, 3)])], vec![liquidate(3, 4, 2_500)], rejected(0, "NothingToTransfer")),
        case("reduce-only-trade-that-worsens-is-rejected", "buying back puts of a short straddle far above the mark frees no margin and costs equity", vec![account(3, straddle_cash(), &[(0, -100), (1, -100)]), account(4, RICH, &[(0, 100), (1, 100)])], vec![trade(3, 4, 1, 10, 5_200 * USD)], rejected(0, "ReduceOnlyWorsens")),
        case("liquidation-that-does-not-improve-is-rejected", "25% of a call spread moves only the long hedge (the 3-lot short truncates to 0), so MM rises", vec![account(3, 50 * USD, &[(0, -3), (2, 4)]), account(4, RICH, &[(0, 3), (2, -4)])], vec![liquidate(3, 4, 2_500)], rejected(0, "LiquidationDoesNotImprove")),
        case("withdraw-under-liquidation-is-rejected", "a flagged account cannot withdraw", vec![AccountEntry { flags: FLAG_UNDER_LIQUIDATION, ..account(3, RICH, &[]) }], vec![withdraw(3, USD)], rejected(0, "UnderLiquidation")),
    ];
    cases.extend(special_cases());
    cases
}

/// Cases that need their own state, quotes or market.
fn special_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let base = market();

    // Long-only never liquidatable while cash >= 0, even after a crash.
    let mut crash = Quote::default();
    crash.spot[0] = 30_000 * USD;
    crash.mark[0] = 100 * USD;
    crash.mark[2] = TICK;
    let st = state(vec![
        account(3, 0, &[(0, 100), (2, 50)]),
        account(4, RICH, &[(0, -100), (2, -50)]),
    ]);
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case {
        name: "long-only-account-is-never-liquidatable",
        description: "a long-only account with cash >= 0 is not liquidatable, even after a crash",
        market: base.clone(),
        state: st,
        epoch: epoch_with_quote(&base, root, &crash, vec![liquidate(3, 4, 10_000)]),
        outcome: rejected(0, "NotLiquidatable"),
    });

    // Expiry at X = K pays nothing and removes the slot.
    let at_strike = Quote {
        settlement: vec![SettlementPrice {
            underlying: 0,
            expiry: EXPIRED,
            price: 55_000 * USD,
        }],
        ..Quote::default()
    };
    let st = state(vec![
        account(3, USD, &[(6, 100)]),
        account(4, RICH, &[(6, -100)]),
    ]);
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case {
        name: "expiry-at-the-strike-pays-nothing",
        description: "settlement at X = K pays 0 and removes the positions",
        market: base.clone(),
        state: st,
        epoch: epoch_with_quote(
            &base,
            root,
            &at_strike,
            vec![Operation::SettleExpiry(SettleExpiry {
                instrument: 6,
                accounts: vec![3, 4],
            })],
        ),
        outcome: Accepted,
    });

    // A settlement must list positions netting to zero.
    let st = state(vec![
        account(3, USD, &[(6, 100)]),
        account(4, RICH, &[(6, -100)]),
    ]);
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case {
        name: "unbalanced-settlement-is-rejected",
        description: "settling only the long side would pay out cash nobody collects",
        market: base.clone(),
        state: st,
        epoch: epoch(
            &base,
            root,
            vec![Operation::SettleExpiry(SettleExpiry {
                instrument: 6,
                accounts: vec![3],
            })],
        ),
        outcome: rejected(0, "SettlementUnbalanced"),
    });

    // Bankruptcy with an insurance fund too small: bad debt, then withdrawals blocked.
    let mut st = state(vec![
        account(3, 1_000 * USD, &[(1, -100)]),
        account(4, RICH, &[(1, 100)]),
    ]);
    st.accounts[0].cash = 1_000 * USD;
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case { name: "bankruptcy-exhausting-the-insurance-fund-sets-bad-debt", description: "a whole liquidation of E = -1300 USD with 1000 USD of insurance leaves 300 USD of bad debt", market: base.clone(), state: st, epoch: epoch(&base, root, vec![liquidate(3, 4, 10_000)]), outcome: Accepted });
    let mut st = state(vec![account(4, RICH, &[])]);
    st.accounts[0].cash = 0;
    st.bad_debt = 300 * USD;
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case {
        name: "bad-debt-blocks-withdrawals",
        description: "no withdrawal while bad debt is outstanding",
        market: base.clone(),
        state: st,
        epoch: epoch(&base, root, vec![withdraw(4, USD)]),
        outcome: rejected(0, "OutstandingBadDebt"),
    });

    let mut st = state(vec![
        account(3, 1_000 * USD, &[(1, -100)]),
        account(4, RICH, &[(1, 100)]),
    ]);
    st.accounts[0].cash = 0;
    st.bad_debt = BAD_DEBT_MAX;
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    out.push(Case {
        name: "bad-debt-beyond-its-bound-is-rejected",
        description: "bad debt may not exceed 2^60",
        market: base.clone(),
        state: st,
        epoch: epoch(&base, root, vec![liquidate(3, 4, 10_000)]),
        outcome: rejected(0, "BadDebtAboveMaximum"),
    });

    // Oracles.
    let st = state(vec![account(3, RICH, &[]), account(4, RICH, &[])]);
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    let ops = vec![trade(3, 4, 0, 10, 2_400 * USD)];
    let mut stale = epoch(&base, root, ops.clone());
    stale.reports[1] = report(&base, 1, NOW - 301, &Quote::default());
    out.push(Case {
        name: "stale-report-is-rejected",
        description: "a report older than max_report_age",
        market: base.clone(),
        state: st.clone(),
        epoch: stale,
        outcome: Rejected {
            op: None,
            rule: "Stale",
        },
    });
    let mut liar = Quote::default();
    liar.spot = liar.spot.iter().map(|s| s * 10).collect();
    liar.mark = liar.mark.iter().map(|m| m * 10).collect();
    let mut lying = epoch(&base, root, ops.clone());
    lying.reports[2] = report(&base, 2, NOW - 10, &liar);
    out.push(Case {
        name: "lying-oracle-does-not-move-the-median",
        description:
            "one report quoting 10x spot and marks leaves the medians, and so the root, unchanged",
        market: base.clone(),
        state: st.clone(),
        epoch: lying,
        outcome: Accepted,
    });
    let mut duplicate = epoch(&base, root, ops.clone());
    duplicate.reports[2] = report(&base, 1, NOW - 10, &Quote::default());
    out.push(Case {
        name: "duplicated-oracle-is-rejected",
        description: "two reports from the same oracle",
        market: base.clone(),
        state: st.clone(),
        epoch: duplicate,
        outcome: Rejected {
            op: None,
            rule: "OraclesNotDistinctAscending",
        },
    });
    let mut forged = epoch(&base, root, ops.clone());
    forged.reports[0].mark[0] += TICK;
    out.push(Case {
        name: "forged-report-is-rejected",
        description: "a report changed after signing",
        market: base.clone(),
        state: st.clone(),
        epoch: forged,
        outcome: Rejected {
            op: None,
            rule: "BadSignature",
        },
    });
    let mut wrong_root = epoch(&base, root, ops.clone());
    wrong_root.prev_root = ZERO_DIGEST;
    out.push(Case {
        name: "wrong-prev-root-is-rejected",
        description: "an epoch for another state",
        market: base.clone(),
        state: st.clone(),
        epoch: wrong_root,
        outcome: Rejected {
            op: None,
            rule: "PrevRootMismatch",
        },
    });
    let mut wrong_number = epoch(&base, root, ops.clone());
    wrong_number.epoch = 2;
    out.push(Case {
        name: "wrong-epoch-number-is-rejected",
        description: "epoch 2 applied to the genesis state",
        market: base.clone(),
        state: st.clone(),
        epoch: wrong_number,
        outcome: Rejected {
            op: None,
            rule: "EpochNumber",
        },
    });

    // Settlement list checks and the bankruptcy path of a settlement.
    let pair6 = vec![
        account(3, USD, &[(6, 100)]),
        account(4, RICH, &[(6, -100)]),
        account(5, USD, &[]),
    ];
    let settle = |instrument: u32, accounts: Vec<u32>| {
        Operation::SettleExpiry(SettleExpiry {
            instrument,
            accounts,
        })
    };
    for (name, description, users, quote, op, outcome) in [
        (
            "settlement-without-a-price-is-rejected",
            "no report settles the expiry",
            pair6.clone(),
            Quote {
                settlement: vec![],
                ..Quote::default()
            },
            settle(6, vec![3, 4]),
            rejected(0, "MissingSettlementPrice"),
        ),
        (
            "settlement-accounts-out-of-order-are-rejected",
            "listed accounts must be strictly ascending",
            pair6.clone(),
            Quote::default(),
            settle(6, vec![4, 3]),
            rejected(0, "AccountsNotAscending"),
        ),
        (
            "settlement-of-an-account-without-the-position-is-rejected",
            "every listed account holds the instrument",
            pair6.clone(),
            Quote::default(),
            settle(6, vec![3, 4, 5]),
            rejected(0, "NoPositionToSettle"),
        ),
        (
            "settlement-leaving-negative-cash-beside-positions-is-rejected",
            "a holder who cannot pay and still has positions is liquidated first",
            vec![
                account(3, 100 * USD, &[(0, 1), (7, -100)]),
                account(4, RICH, &[(0, -1), (7, 100)]),
            ],
            Quote::default(),
            settle(7, vec![3, 4]),
            rejected(0, "SettlementLeavesNegativeCash"),
        ),
        (
            "settlement-bankruptcy-draws-on-the-insurance-fund",
            "a holder left with -4000 USD and no positions is covered by the insurance fund",
            vec![
                account(3, 1_000 * USD, &[(7, -100)]),
                account(4, RICH, &[(7, 100)]),
            ],
            Quote::default(),
            settle(7, vec![3, 4]),
            Accepted,
        ),
    ] {
        let st = state(users);
        let root = Ledger::from_state(base.clone(), &st).unwrap().root();
        out.push(Case {
            name,
            description,
            market: base.clone(),
            state: st,
            epoch: epoch_with_quote(&base, root, &quote, vec![op]),
            outcome,
        });
    }

    // Report bounds: each case breaks one bound in the first report.
    let st = state(vec![account(3, RICH, &[]), account(4, RICH, &[])]);
    let root = Ledger::from_state(base.clone(), &st).unwrap().root();
    let ops = vec![trade(3, 4, 0, 10, 2_400 * USD)];
    let report_case =
        |name: &'static str,
         description: &'static str,
         rule: &'static str,
         change: &dyn Fn(&mut Vec<zksettle_circuits::rules::Report>)| {
            let mut e = epoch(&base, root, ops.clone());
            change(&mut e.reports);
            Case {
                name,
                description,
                market: base.clone(),
                state: st.clone(),
                epoch: e,
                outcome: Rejected { op: None, rule },
            }
        };
    let resign = |quote: Quote, ts: u64| {
        move |r: &mut Vec<zksettle_circuits::rules::Report>| {
            r[0] = report(&market(), r[0].oracle, ts, &quote)
        }
    };
    out.push(report_case(
        "report-from-the-future-is-rejected",
        "a report after the epoch timestamp",
        "FromTheFuture",
        &resign(Quote::default(), NOW + 1),
    ));
    out.push(report_case(
        "report-spot-zero-is-rejected",
        "spot must be positive",
        "SpotOutOfRange",
        &resign(
            Quote {
                spot: vec![0, ETH],
                ..Quote::default()
            },
            NOW - 10,
        ),
    ));
    let mut high_call = Quote::default();
    high_call.mark[4] = ETH + TICK;
    out.push(report_case(
        "report-call-mark-above-spot-is-rejected",
        "a call's mark is at most spot",
        "MarkOutOfRange",
        &resign(high_call, NOW - 10),
    ));
    let mut low_kappa = Quote::default();
    low_kappa.kappa_bps[0] = 99;
    out.push(report_case(
        "report-kappa-below-the-floor-is-rejected",
        "kappa is at least kappa_floor_bps",
        "KappaOutOfRange",
        &resign(low_kappa, NOW - 10),
    ));
    let mut short_list = Quote::default();
    short_list.mark.pop();
    out.push(report_case(
        "report-with-a-missing-mark-is-rejected",
        "one mark per instrument",
        "WrongLength",
        &resign(short_list, NOW - 10),
    ));
    let early = Quote {
        settlement: vec![SettlementPrice {
            underlying: 0,
            expiry: EXPIRY,
            price: BTC,
        }],
        ..Quote::default()
    };
    out.push(report_case(
        "report-settling-before-expiry-is-rejected",
        "no settlement price before the expiry",
        "SettlementBeforeExpiry",
        &resign(early, NOW - 10),
    ));
    let unknown = Quote {
        settlement: vec![SettlementPrice {
            underlying: 1,
            expiry: EXPIRED,
            price: ETH,
        }],
        ..Quote::default()
    };
    out.push(report_case(
        "report-settling-an-unlisted-expiry-is-rejected",
        "ETH has no instrument at that expiry",
        "UnknownExpiry",
        &resign(unknown, NOW - 10),
    ));
    let twice = Quote {
        settlement: vec![
            SettlementPrice {
                underlying: 0,
                expiry: EXPIRED,
                price: BTC
            };
            2
        ],
        ..Quote::default()
    };
    out.push(report_case(
        "report-settling-an-expiry-twice-is-rejected",
        "settlement keys are strictly ascending",
        "SettlementNotAscending",
        &resign(twice, NOW - 10),
    ));
    let zero = Quote {
        settlement: vec![SettlementPrice {
            underlying: 0,
            expiry: EXPIRED,
            price: 0,
        }],
        ..Quote::default()
    };
    out.push(report_case(
        "report-settlement-price-zero-is-rejected",
        "a settlement price is positive",
        "SettlementOutOfRange",
        &resign(zero, NOW - 10),
    ));
    out.push(report_case(
        "reports-settling-different-expiries-are-rejected",
        "every report settles the same expiries",
        "SettlementSetsDiffer",
        &|r| {
            r[1] = report(
                &market(),
                1,
                NOW - 10,
                &Quote {
                    settlement: vec![],
                    ..Quote::default()
                },
            )
        },
    ));
    out.push(report_case(
        "report-of-an-unknown-oracle-is-rejected",
        "oracle 4 is not in the set of 4",
        "UnknownOracle",
        &|r| r[2] = report(&market(), 4, NOW - 10, &Quote::default()),
    ));
    out.push(report_case(
        "two-reports-are-below-the-quorum",
        "an epoch carries exactly the quorum",
        "WrongQuorum",
        &|r| {
            r.pop();
        },
    ));
    let mut later = st.clone();
    later.timestamp = NOW + 100;
    let later_root = Ledger::from_state(base.clone(), &later).unwrap().root();
    out.push(Case {
        name: "epoch-before-the-state-time-is-rejected",
        description: "epoch timestamps do not decrease",
        market: base.clone(),
        state: later,
        epoch: epoch(&base, later_root, ops.clone()),
        outcome: Rejected {
            op: None,
            rule: "TimestampDecreased",
        },
    });

    // A ninth instrument needs a market with nine.
    let mut nine = base.clone();
    nine.instruments.push(Instrument {
        id: 8,
        underlying: 1,
        kind: OptionKind::Call,
        strike: 3_500 * USD,
        expiry: EXPIRY,
    });
    let mut quote9 = Quote::default();
    quote9.mark.push(50 * USD);
    quote9.kappa_bps.push(500);
    let eight: Vec<(u32, i64)> = (0..8).map(|i| (i, 1)).collect();
    let st = state(vec![
        account(3, RICH, &eight),
        account(
            4,
            RICH,
            &eight.iter().map(|&(i, q)| (i, -q)).collect::<Vec<_>>(),
        ),
    ]);
    let root = Ledger::from_state(nine.clone(), &st).unwrap().root();
    out.push(Case {
        name: "ninth-instrument-is-rejected",
        description: "an account holds at most 8 instruments",
        market: nine.clone(),
        state: st,
        epoch: epoch_with_quote(&nine, root, &quote9, vec![trade(3, 4, 8, 1, 50 * USD)]),
        outcome: rejected(0, "TooManyPositions"),
    });

    // P_MAX: the largest price on the tick is accepted, one tick more is not.
    let top = P_MAX / TICK * TICK;
    let mut high = base.clone();
    high.instruments[0].strike = TICK;
    let mut quote_high = Quote::default();
    quote_high.spot[0] = top;
    quote_high.mark[0] = top - TICK;
    let st = state(vec![account(3, RICH, &[]), account(4, RICH, &[])]);
    let root = Ledger::from_state(high.clone(), &st).unwrap().root();
    out.push(Case {
        name: "p-max-price-is-accepted",
        description: "a trade at the largest price on the tick below P_MAX",
        market: high.clone(),
        state: st.clone(),
        epoch: epoch_with_quote(&high, root, &quote_high, vec![trade(3, 4, 0, 1, top)]),
        outcome: Accepted,
    });
    out.push(Case {
        name: "p-max-plus-one-tick-is-rejected",
        description: "a trade one tick above P_MAX",
        market: high.clone(),
        state: st,
        epoch: epoch_with_quote(
            &high,
            root,
            &quote_high,
            vec![trade(3, 4, 0, 1, top + TICK)],
        ),
        outcome: rejected(0, "PriceOutOfRange"),
    });
    out
}

/// Extra facts some cases must show, checked on the ledger's result.
fn check_facts(case: &Case, before: &Ledger, after: &Ledger) {
    match case.name {
        "worst-scenario-in-the-extended-grid" => {
            let prices = before.epoch_prices(&case.epoch).unwrap();
            let risk = RiskArrays::compute(&case.market, &prices);
            let losses = portfolio_risk(&after.account(3), &risk).losses[0];
            let worst = (0..case.market.scenarios.len())
                .max_by_key(|&j| losses[j])
                .unwrap();
            assert!(worst >= 9, "worst scenario {worst} is in the core grid");
        }
        "one-lot-one-tick-fees-round-up" => {
            assert_eq!(after.account(1).cash, before.account(1).cash + 2)
        }
        "expiry-at-the-strike-pays-nothing" => {
            assert_eq!(after.account(3).cash, before.account(3).cash);
            assert!(after.account(3).positions.is_empty() && after.account(4).positions.is_empty());
        }
        "bankruptcy-exhausting-the-insurance-fund-sets-bad-debt" => {
            assert_eq!(after.bad_debt(), 300 * USD);
            assert_eq!(after.account(0).cash, 0);
        }
        "settlement-bankruptcy-draws-on-the-insurance-fund" => {
            assert_eq!(after.account(0).cash, before.account(0).cash - 4_000 * USD);
            assert_eq!(after.account(3).cash, 0);
            assert_eq!(after.bad_debt(), 0);
        }
        "deposit-creates-an-empty-account" => assert_eq!(after.account(10).owner, owner(10)),
        "withdraw-all-cash-leaves-zero" => assert_eq!(after.account(3).cash, 0),
        "lying-oracle-does-not-move-the-median" => {
            let prices = before.epoch_prices(&case.epoch).unwrap();
            assert_eq!(prices.spot, Quote::default().spot);
            assert_eq!(prices.mark, Quote::default().mark);
        }
        _ => {}
    }
}

fn write_case(root_dir: &Path, case: &Case) {
    let before = Ledger::from_state(case.market.clone(), &case.state)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let result = before.apply_epoch(&case.epoch);
    let expected = match (&case.outcome, result) {
        (Accepted, Ok((after, _))) => {
            check_facts(case, &before, &after);
            Expected::Accepted {
                description: case.description.into(),
                new_root: digest_hex(&after.root()),
            }
        }
        (Rejected { op, rule }, Err(error)) => {
            assert_eq!(
                rule_name(&error),
                (*op, (*rule).to_owned()),
                "{}: {error}",
                case.name
            );
            Expected::Rejected {
                description: case.description.into(),
                op: *op,
                rule: (*rule).into(),
            }
        }
        (Accepted, Err(error)) => panic!("{}: expected acceptance, got {error}", case.name),
        (Rejected { rule, .. }, Ok(_)) => {
            panic!("{}: expected {rule}, but the epoch applies", case.name)
        }
    };
    let dir = root_dir.join(case.name);
    std::fs::create_dir_all(&dir).unwrap();
    write_json(&dir.join("market.json"), &case.market).unwrap();
    write_json(&dir.join("state.json"), &case.state).unwrap();
    write_json(&dir.join("epoch.json"), &case.epoch).unwrap();
    write_json(&dir.join("expected.json"), &expected).unwrap();
}

fn main() {
    let dir = fixture_dir("edge");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let cases = cases();
    for case in &cases {
        write_case(&dir, case);
    }
    println!("wrote {} edge cases to {}", cases.len(), dir.display());
}
