//! Writes `fixtures/edge/`: the hand-written edge cases of the rule book.
//!
//! Each case states its scenario (market, state, quotes, operations) and its
//! expected outcome by hand: accepted, or rejected at operation N by rule R.
//! The ledger must agree, and so must the extra facts some cases state (the
//! margin figures a boundary sits on, the balances after a bankruptcy, ...);
//! the program stops at the first disagreement, before writing anything. Only
//! the golden root of an accepted case is taken from the ledger.
//!
//! Run on purpose, after a rule change, and review the diff:
//! `cargo run -p zksettle-prover --example write_edge_fixtures`.

use std::path::Path;

use zksettle_circuits::rules::account::{Order, FLAG_UNDER_LIQUIDATION};
use zksettle_circuits::rules::authorization::{reserved_owner, Authorization};
use zksettle_circuits::rules::custody::{self, report_message, DepositReport};
use zksettle_circuits::rules::encoding::{Digest, ZERO_DIGEST};
use zksettle_circuits::rules::error::Violation;
use zksettle_circuits::rules::margin::{margin, portfolio_risk, Margin};
use zksettle_circuits::rules::market::{Instrument, OptionKind};
use zksettle_circuits::rules::ops::{Deposit, Operation, PlaceOrder, Withdraw};
use zksettle_circuits::rules::oracle::{median_prices, Prices, Report, SettlementPrice};
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::{
    BAD_DEBT_MAX, CASH_MAX, FEE_ACCOUNT, INSURANCE_FUND, N_SLOTS, P_MAX, Q_MAX, TICK, TIMESTAMP_MAX,
};
use zksettle_circuits::rules::{Account, AccountEntry, Epoch, EpochError, Market, StateFile};
use zksettle_fixtures::builder::op::*;
use zksettle_fixtures::builder::*;
use zksettle_fixtures::edge::{
    Expected, ExpectedFile, EPOCH_FILE, EXPECTED_FILE, MARKET_FILE, STATE_FILE,
};
use zksettle_fixtures::fixture_dir;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::Ledger;

// ---------------------------------------------------------------------------
// Cases and their checks
// ---------------------------------------------------------------------------

/// A case's outcome, stated by hand.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// The epoch applies (its root is filled in from the ledger).
    Accepted,
    /// The epoch is rejected by `rule`, at operation `op` (`None`: epoch level).
    Rejected {
        op: Option<usize>,
        rule: &'static str,
    },
}
use Outcome::Accepted;

/// Rejected by an operation's rule.
fn rejected_at(op: usize, rule: &'static str) -> Outcome {
    Outcome::Rejected { op: Some(op), rule }
}

/// Rejected by an epoch-level rule (header or oracle report).
fn rejected_epoch(rule: &'static str) -> Outcome {
    Outcome::Rejected { op: None, rule }
}

/// Extra facts a case states, checked on what the ledger did.
type Facts = Box<dyn Fn(&Seen)>;

/// One edge case.
struct Case {
    name: &'static str,
    description: &'static str,
    market: Market,
    state: StateFile,
    epoch: Epoch,
    outcome: Outcome,
    facts: Option<Facts>,
}

impl Case {
    /// Adds facts to check beyond the outcome.
    fn facts(mut self, facts: impl Fn(&Seen) + 'static) -> Self {
        self.facts = Some(Box::new(facts));
        self
    }
}

/// What the ledger did with a case, for its facts.
struct Seen<'a> {
    case: &'a Case,
    before: &'a Ledger,
    result: Result<&'a Ledger, &'a EpochError>,
}

impl Seen<'_> {
    /// The ledger after an accepted epoch.
    fn after(&self) -> &Ledger {
        self.result
            .unwrap_or_else(|e| panic!("{}: expected acceptance, got {e}", self.case.name))
    }

    /// The rule an operation broke.
    fn violation(&self) -> &Violation {
        match self.result {
            Err(EpochError::Operation { violation, .. }) => violation,
            _ => panic!("{}: expected an operation's violation", self.case.name),
        }
    }

    /// The epoch's median prices.
    fn prices(&self) -> Prices {
        self.before.epoch_prices(&self.case.epoch).unwrap()
    }

    /// The epoch's risk arrays.
    fn risk(&self) -> RiskArrays {
        RiskArrays::compute(&self.case.market, &self.prices())
    }

    /// Margin of an account before the epoch, at the epoch's prices.
    fn margin_before(&self, index: u32) -> Margin {
        margin(
            &self.before.account(index),
            &self.risk(),
            &self.case.market.params,
        )
    }

    /// Margin of an account after the epoch, at the epoch's prices.
    fn margin_after(&self, index: u32) -> Margin {
        margin(
            &self.after().account(index),
            &self.risk(),
            &self.case.market.params,
        )
    }
}

/// A market, a state and the prices the epoch's oracles quote.
#[derive(Clone)]
struct Setup {
    market: Market,
    state: StateFile,
    quote: Quote,
}

impl Setup {
    /// The builder market and default quotes, with these user accounts.
    fn new(users: Vec<AccountEntry>) -> Self {
        Setup {
            market: market(),
            state: state(users),
            quote: Quote::default(),
        }
    }

    fn with_quote(mut self, quote: Quote) -> Self {
        self.quote = quote;
        self
    }

    fn with_market(mut self, market: Market) -> Self {
        self.market = market;
        self
    }

    fn ledger(&self) -> Ledger {
        Ledger::from_state(self.market.clone(), &self.state).unwrap()
    }

    fn root(&self) -> Digest {
        self.ledger().root()
    }

    /// Epoch 1 over this state, with signed reports of oracles 0-2.
    /// Withdrawals are numbered from the state's nonces and signed by
    /// their users' keys ([`sign_operations`]).
    fn epoch(&self, mut ops: Vec<Operation>) -> Epoch {
        let nonce_of = |index: u32| {
            let entry = self.state.accounts.iter().find(|a| a.index == index);
            entry.map_or(0, |a| a.nonce)
        };
        sign_operations(&self.market, &mut ops, nonce_of);
        epoch_with_quote(&self.market, self.root(), &self.quote, ops)
    }

    /// [`Setup::epoch`] with operation `at` (a signed withdrawal) changed by `edit`.
    fn epoch_editing(&self, ops: Vec<Operation>, at: usize, edit: impl Fn(&mut Withdraw)) -> Epoch {
        let mut epoch = self.epoch(ops);
        match &mut epoch.ops[at] {
            Operation::Withdraw(w) => edit(w),
            other => panic!("operation {at} is not a withdrawal: {other:?}"),
        }
        epoch
    }

    /// Risk arrays at the median prices of [`Setup::epoch`]'s reports.
    fn risk(&self) -> RiskArrays {
        let reports = reports(&self.market, NOW - 10, &self.quote);
        let prices = median_prices(&self.market, &reports, NOW).unwrap();
        RiskArrays::compute(&self.market, &prices)
    }

    /// Cash that puts an account holding `positions` at equity
    /// `target(margin)`, at this setup's risk arrays.
    fn cash_for(&self, positions: &[(u32, i64)], target: impl Fn(&Margin) -> i64) -> u64 {
        let holder = Account {
            positions: account(3, 0, positions).positions,
            ..Account::default()
        };
        let m = margin(&holder, &self.risk(), &self.market.params);
        u64::try_from(target(&m) - m.mark_to_market).expect("target equity needs negative cash")
    }

    /// A case applying `ops` in one epoch.
    fn case(
        &self,
        name: &'static str,
        description: &'static str,
        ops: Vec<Operation>,
        outcome: Outcome,
    ) -> Case {
        self.case_with_epoch(name, description, self.epoch(ops), outcome)
    }

    /// A case applying a hand-made epoch.
    fn case_with_epoch(
        &self,
        name: &'static str,
        description: &'static str,
        epoch: Epoch,
        outcome: Outcome,
    ) -> Case {
        Case {
            name,
            description,
            market: self.market.clone(),
            state: self.state.clone(),
            epoch,
            outcome,
            facts: None,
        }
    }
}

// ---------------------------------------------------------------------------
// Operations and portfolios
// ---------------------------------------------------------------------------

const RICH: u64 = 1_000_000_000 * USD;
/// The 60,000 BTC put (mark 2,300 USD).
const BTC_PUT: u32 = 1;
/// One BTC in lots.
const ONE_BTC: i64 = 100;

/// Accounts 3 and 4, both rich and flat.
fn two_rich() -> Vec<AccountEntry> {
    vec![account(3, RICH, &[]), account(4, RICH, &[])]
}

/// Account 3 short one BTC of the 60,000 put with `cash`; account 4 long it.
fn short_put_pair(cash: u64) -> Vec<AccountEntry> {
    vec![
        account(3, cash, &[(BTC_PUT, -ONE_BTC)]),
        account(4, RICH, &[(BTC_PUT, ONE_BTC)]),
    ]
}

/// Cash putting account 3 of [`short_put_pair`] at equity `target(margin)`.
fn short_put_cash(target: impl Fn(&Margin) -> i64) -> u64 {
    Setup::new(vec![]).cash_for(&[(BTC_PUT, -ONE_BTC)], target)
}

/// [`short_put_pair`] with account 3 one micro-USD below maintenance margin.
fn short_put_below_maintenance() -> Setup {
    Setup::new(short_put_pair(short_put_cash(|m| m.maintenance - 1)))
}

// ---------------------------------------------------------------------------
// The cases, by rule
// ---------------------------------------------------------------------------

/// Deposits credited only as the custodians attested them, each id once, in
/// order (`rules::custody`).
fn custody_cases() -> Vec<Case> {
    let nobody = Setup::new(vec![]);
    let market = nobody.market.clone();
    let two = || vec![deposit(10, 5 * USD), deposit(11, 7 * USD)];
    // The epoch of `ops` with its deposits numbered by `ids` and attested by
    // the custodians as they stand (so only the rule under test breaks).
    let attested_with_ids = |ids: &[u64]| {
        let mut epoch = nobody.epoch(two());
        let deposits = epoch.ops.iter_mut().filter_map(|op| match op {
            Operation::Deposit(d) => Some(d),
            _ => None,
        });
        for (d, &id) in deposits.zip(ids) {
            d.id = id;
        }
        custody::attest(&mut epoch, &market, &custodian_signers(&market));
        epoch
    };
    let report_changed = |change: &dyn Fn(&mut DepositReport)| {
        let mut epoch = nobody.epoch(two());
        let report = epoch
            .deposit_report
            .as_mut()
            .expect("two deposits are attested");
        change(report);
        epoch
    };
    let mut unattested = nobody.epoch(two());
    unattested.deposit_report = None;
    let other_key = custody::custodian_key_from_seed(CUSTODIAN_SEED + 1, 1);
    let other_market = {
        let mut m = market.clone();
        m.tree_depth += 1;
        m
    };
    vec![
        nobody
            .case(
                "deposits-attested-by-the-custodians-are-credited",
                "two deposits with the custodians' next ids 0 and 1, attested by a quorum of custodians over their log and total",
                two(),
                Accepted,
            )
            .facts(|seen| {
                assert_eq!(seen.after().deposits(), 2);
                assert_eq!(seen.after().account(11).cash, 7 * USD);
            }),
        nobody.case_with_epoch(
            "a-deposit-without-a-custodian-report-is-rejected",
            "the operator credits a deposit no custodian attested (the epoch carries no deposit report)",
            unattested,
            rejected_at(0, "UnattestedDeposit"),
        ),
        nobody.case_with_epoch(
            "a-deposit-reusing-an-id-is-rejected",
            "the second deposit carries id 0 again: even attested, no custodian receipt is credited twice",
            attested_with_ids(&[0, 0]),
            rejected_at(1, "DepositOutOfOrder"),
        ),
        nobody.case_with_epoch(
            "a-deposit-skipping-an-id-is-rejected",
            "the first deposit carries id 1 while id 0 is uncredited: deposits are consumed in the custodians' order, none skipped",
            attested_with_ids(&[1, 2]),
            rejected_at(0, "DepositOutOfOrder"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-for-other-deposits-is-rejected",
            "the custodians attested a log of other deposits with the same total: the epoch's deposits must hash to the attested log",
            {
                let mut epoch = nobody.epoch(two());
                let other = custody::deposits_of(&[deposit(12, 5 * USD), deposit(11, 7 * USD)]);
                epoch.deposit_report = Some(DepositReport::sign(&market, &other, &custodian_signers(&market)));
                epoch
            },
            rejected_epoch("Mismatch"),
        ),
        nobody.case_with_epoch(
            "deposits-beyond-the-attested-total-are-rejected",
            "the custodians attested 5 USD; the operator credits a second deposit of 7 USD beyond it",
            {
                let mut epoch = nobody.epoch(two());
                let first = custody::deposits_of(&epoch.ops[..1]);
                epoch.deposit_report = Some(DepositReport::sign(&market, &first, &custodian_signers(&market)));
                epoch
            },
            rejected_at(1, "UnattestedDeposit"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-with-a-forged-signature-is-rejected",
            "custodian 1's signature is made with a key that is not custodian 1's",
            report_changed(&|r| {
                let msg = report_message(&market.hash(), &r.deposit_log, r.deposited);
                r.signatures[1].signature = other_key.sign(&msg);
            }),
            rejected_epoch("BadSignature"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-signed-for-another-market-is-rejected",
            "the custodians' signatures are over another market's hash",
            {
                let mut epoch = nobody.epoch(two());
                let deposits = custody::deposits_of(&epoch.ops);
                epoch.deposit_report = Some(DepositReport::sign(&other_market, &deposits, &custodian_signers(&market)));
                epoch
            },
            rejected_epoch("BadSignature"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-signed-twice-by-one-custodian-is-rejected",
            "the quorum of two is one custodian's signature given twice",
            report_changed(&|r| {
                r.signatures[1] = r.signatures[0].clone();
            }),
            rejected_epoch("NotAscending"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-below-the-quorum-is-rejected",
            "one custodian signature where the market's quorum is two",
            report_changed(&|r| {
                r.signatures.pop();
            }),
            rejected_epoch("WrongQuorum"),
        ),
        nobody.case_with_epoch(
            "a-deposit-report-by-an-unknown-custodian-is-rejected",
            "a signature naming custodian 7 of a set of three",
            report_changed(&|r| {
                r.signatures[1].custodian = 7;
            }),
            rejected_epoch("UnknownCustodian"),
        ),
    ]
}

fn deposit_cases() -> Vec<Case> {
    let one_user = Setup::new(vec![account(3, USD, &[])]);
    let nobody = Setup::new(vec![]);
    let near_cash_max = Setup::new(vec![account(3, CASH_MAX - 10, &[])]);
    vec![
        nobody
            .case(
                "deposit-creates-an-empty-account",
                "a deposit to an empty leaf (no owner, cash or positions, margin zero) creates the account with its owner",
                vec![deposit(10, 5 * USD)],
                Accepted,
            )
            .facts(|seen| {
                assert!(seen.before.account(10).is_empty());
                assert_eq!(seen.margin_before(10), Margin::default());
                let created = seen.after().account(10);
                assert_eq!((created.owner, created.cash), (owner(10), 5 * USD));
                assert!(created.positions.is_empty() && !created.under_liquidation());
            }),
        one_user.case(
            "deposit-with-another-owner-is-rejected",
            "a deposit naming another owner than the account's",
            vec![Operation::Deposit(Deposit {
                account: 3,
                owner: owner(4),
                amount: USD,
                id: 0,
            })],
            rejected_at(0, "OwnerMismatch"),
        ),
        nobody.case(
            "a-deposit-naming-the-reserved-owner-is-rejected",
            "no account may be owned by the key 1 G, whose secret everyone knows (the signature desk's filler key)",
            vec![Operation::Deposit(Deposit {
                account: 9,
                owner: reserved_owner(),
                amount: USD,
                id: 0,
            })],
            rejected_at(0, "ReservedOwner"),
        ),
        nobody.case(
            "deposit-with-zero-owner-is-rejected",
            "the zero owner cannot own an account",
            vec![Operation::Deposit(Deposit {
                account: 9,
                owner: ZERO_DIGEST,
                amount: USD,
                id: 0,
            })],
            rejected_at(0, "ZeroOwner"),
        ),
        one_user.case(
            "zero-deposit-is-rejected",
            "amounts are at least 1 micro-USD",
            vec![deposit(3, 0)],
            rejected_at(0, "AmountOutOfRange"),
        ),
        nobody.case(
            "deposit-to-the-global-leaf-is-rejected",
            "leaf 2 holds the bad debt, not an account",
            vec![deposit(2, USD)],
            rejected_at(0, "GlobalLeaf"),
        ),
        nobody.case(
            "account-beyond-the-tree-is-rejected",
            "index 2^20 is beyond a depth-20 tree",
            vec![deposit(1 << 20, USD)],
            rejected_at(0, "AccountOutOfRange"),
        ),
        near_cash_max
            .case(
                "deposit-reaching-cash-max-is-accepted",
                "cash may reach exactly CASH_MAX = 2^58",
                vec![deposit(3, 10)],
                Accepted,
            )
            .facts(|seen| assert_eq!(seen.after().account(3).cash, CASH_MAX)),
        near_cash_max.case(
            "deposit-beyond-cash-max-is-rejected",
            "cash may not exceed CASH_MAX = 2^58, by one micro-USD",
            vec![deposit(3, 11)],
            rejected_at(0, "CashAboveMaximum"),
        ),
    ]
}

fn withdraw_cases() -> Vec<Case> {
    let flat = Setup::new(vec![account(3, 123 * USD, &[])]);
    // Equity 7 USD above initial margin.
    let above_im = Setup::new(short_put_pair(short_put_cash(|m| {
        m.initial + 7 * USD as i64
    })));
    let flagged = Setup::new(vec![
        AccountEntry {
            flags: FLAG_UNDER_LIQUIDATION,
            ..account(3, RICH, &[(0, 1)])
        },
        account(4, RICH, &[(0, -1)]),
    ]);
    let exhausted = Setup::new(vec![AccountEntry {
        nonce: zksettle_circuits::rules::units::NONCE_MAX,
        ..account(3, 123 * USD, &[])
    }]);
    vec![
        flat.case(
            "withdraw-all-cash-leaves-zero",
            "cash' = 0 is allowed: an account without positions withdraws all its cash",
            vec![withdraw(3, 123 * USD)],
            Accepted,
        )
        .facts(|seen| {
            let after = seen.after().account(3);
            assert_eq!((after.cash, after.owner), (0, owner(3)));
        }),
        flat.case(
            "withdrawals-count-the-accounts-nonce",
            "each withdrawal counts the account's withdrawal nonce up by one (the nonce a signed withdrawal carries); a deposit leaves it",
            vec![withdraw(3, USD), deposit(3, USD), withdraw(3, USD)],
            Accepted,
        )
        .facts(|seen| {
            assert_eq!(seen.before.account(3).nonce, 0);
            assert_eq!(seen.after().account(3).nonce, 2);
        }),
        flat.case_with_epoch(
            "withdraw-without-a-signature-is-rejected",
            "a withdrawal from a user account needs its owner's signature",
            flat.epoch_editing(vec![withdraw(3, USD)], 0, |w| w.authorization = None),
            rejected_at(0, "Unsigned"),
        ),
        flat.case_with_epoch(
            "withdraw-signed-by-another-key-is-rejected",
            "a valid signature of the withdrawal under a key that is not the owner's (account 4's user's)",
            flat.epoch_editing(vec![withdraw(3, USD)], 0, |w| {
                w.authorization = Some(Authorization::sign(&user_key(4), &w.message(&market().hash())));
            }),
            rejected_at(0, "Unauthorized"),
        ),
        flat.case_with_epoch(
            "a-withdrawal-signed-for-another-market-is-rejected",
            "the owner's signature of this very withdrawal for another market (another fee): the market hash is in the message, so it does not verify here",
            flat.epoch_editing(vec![withdraw(3, USD)], 0, |w| {
                let mut elsewhere = market();
                elsewhere.params.fee_bps += 1;
                let msg = w.message(&elsewhere.hash());
                w.authorization = Some(Authorization::sign(&user_key(3), &msg));
            }),
            rejected_at(0, "Unauthorized"),
        ),
        flat.case_with_epoch(
            "withdraw-with-a-forged-signature-is-rejected",
            "the owner's key with its signature of another amount: the signature does not verify for this one",
            flat.epoch_editing(vec![withdraw(3, USD)], 0, |w| {
                let other = Withdraw { amount: w.amount + 1, ..w.clone() };
                let auth = Authorization::sign(&user_key(3), &other.message(&market().hash()));
                w.authorization = Some(auth);
            }),
            rejected_at(0, "Unauthorized"),
        ),
        flat.case_with_epoch(
            "replayed-withdrawal-is-rejected",
            "the same signed withdrawal twice: the second names the nonce the first used",
            {
                let mut epoch = flat.epoch(vec![withdraw(3, USD)]);
                let replay = epoch.ops[0].clone();
                epoch.ops.push(replay);
                epoch
            },
            rejected_at(1, "StaleNonce"),
        ),
        flat.case_with_epoch(
            "withdraw-with-a-future-nonce-is-rejected",
            "a withdrawal signed for nonce 1 while the account's is 0",
            flat.epoch_editing(vec![withdraw(3, USD)], 0, |w| {
                w.nonce = 1;
                w.authorization = Some(Authorization::sign(&user_key(3), &w.message(&market().hash())));
            }),
            rejected_at(0, "StaleNonce"),
        ),
        exhausted.case(
            "withdraw-with-an-exhausted-nonce-is-rejected",
            "an account that has made NONCE_MAX = 2^32 - 1 withdrawals can withdraw no more",
            vec![withdraw(3, USD)],
            rejected_at(0, "NonceExhausted"),
        ),
        flat.case(
            "withdraw-more-than-cash-is-rejected",
            "cash' < 0 is rejected, by one micro-USD",
            vec![withdraw(3, 123 * USD + 1)],
            rejected_at(0, "InsufficientCash"),
        ),
        above_im
            .case(
                "withdraw-to-exactly-initial-margin",
                "a withdrawal leaving E' = IM' exactly is accepted",
                vec![withdraw(3, 7 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let m = seen.margin_after(3);
                assert_eq!(m.equity, m.initial);
            }),
        above_im
            .case(
                "withdraw-one-below-initial-margin",
                "a withdrawal leaving E' = IM' - 1 is rejected",
                vec![withdraw(3, 7 * USD + 1)],
                rejected_at(0, "BelowInitialMargin"),
            )
            .facts(|seen| match *seen.violation() {
                Violation::BelowInitialMargin {
                    equity,
                    initial_margin,
                    ..
                } => assert_eq!(equity, initial_margin - 1),
                ref other => panic!("{other:?}"),
            }),
        flagged.case(
            "withdraw-under-liquidation-is-rejected",
            "an account flagged under liquidation cannot withdraw",
            vec![withdraw(3, USD)],
            rejected_at(0, "UnderLiquidation"),
        ),
        short_put_below_maintenance().case(
            "partially-liquidated-account-cannot-withdraw",
            "a 10% liquidation step leaves E < IM and flags the account: its withdrawal later in the epoch is rejected",
            vec![liquidate(3, 4, 1_000), withdraw(3, 1)],
            rejected_at(1, "UnderLiquidation"),
        ),
    ]
}

fn margin_boundary_cases() -> Vec<Case> {
    let mut crash = Quote::default();
    crash.spot[0] = 30_000 * USD;
    crash.mark[0] = 100 * USD;
    crash.mark[2] = TICK;
    let long_only = Setup::new(vec![
        account(3, 0, &[(0, ONE_BTC), (2, 50)]),
        account(4, RICH, &[(0, -ONE_BTC), (2, -50)]),
    ])
    .with_quote(crash);
    vec![
        Setup::new(short_put_pair(short_put_cash(|m| m.maintenance)))
            .case(
                "equity-at-maintenance-is-not-liquidatable",
                "E = MM is not below maintenance margin",
                vec![liquidate(3, 4, 2_500)],
                rejected_at(0, "NotLiquidatable"),
            )
            .facts(|seen| {
                let m = seen.margin_before(3);
                assert_eq!(m.equity, m.maintenance);
            }),
        short_put_below_maintenance()
            .case(
                "equity-one-below-maintenance-is-liquidatable",
                "E = MM - 1 is liquidatable, by one step of 25%",
                vec![liquidate(3, 4, 2_500)],
                Accepted,
            )
            .facts(|seen| {
                let m = seen.margin_before(3);
                assert_eq!(m.equity, m.maintenance - 1);
                assert_eq!(seen.after().account(3).qty(BTC_PUT), -75);
                assert!(seen.margin_after(3).excess() > m.excess());
            }),
        long_only
            .case(
                "long-only-account-is-never-liquidatable",
                "a long-only account with cash 0 is not liquidatable, even after a crash to half the spot",
                vec![liquidate(3, 4, 10_000)],
                rejected_at(0, "NotLiquidatable"),
            )
            .facts(|seen| {
                let m = seen.margin_before(3);
                assert!(m.equity >= m.maintenance && m.equity > 0);
            }),
        Setup::new(short_put_pair(RICH)).case(
            "liquidating-a-healthy-account-is-rejected",
            "E >= MM: not liquidatable",
            vec![liquidate(3, 4, 2_500)],
            rejected_at(0, "NotLiquidatable"),
        ),
        Setup::new(vec![account(3, 50_000 * USD, &[]), account(4, RICH, &[])])
            .case(
                "worst-scenario-in-the-extended-grid",
                "a short deep out-of-the-money put is margined by the extended move to 34% of spot",
                vec![trade(4, 3, 3, ONE_BTC, 400 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let risk = seen.risk();
                let losses = portfolio_risk(&seen.after().account(3), &risk).losses[0];
                let scenarios = &seen.case.market.scenarios;
                let worst = (0..scenarios.len()).max_by_key(|&j| losses[j]).unwrap();
                assert_eq!(scenarios[worst].move_bps, 3_400, "worst scenario {worst}");
                let core_worst = (0..9).map(|j| losses[j]).max().unwrap();
                assert!(losses[worst] > core_worst);
                assert_eq!(i128::from(seen.margin_after(3).scan), losses[worst]);
            }),
    ]
}

fn trade_cases() -> Vec<Case> {
    let rich = Setup::new(two_rich());
    let band = 3_000 * USD; // band_bps 500 of the 60,000 spot
    let mut expiring_now = market();
    expiring_now.instruments[0].expiry = NOW;
    vec![
        Setup::new(vec![account(3, USD, &[]), account(4, RICH, &[])])
            .case(
                "one-lot-one-tick-fees-round-up",
                "a 1-lot trade at a 1-tick price costs 1 micro-USD and pays a fee of 1 micro-USD each side",
                vec![trade(3, 4, 2, 1, TICK)],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                assert_eq!(after.account(1).cash, before.account(1).cash + 2);
                assert_eq!(after.account(3).cash, before.account(3).cash - 2);
                assert_eq!(after.account(4).cash, before.account(4).cash);
            }),
        rich.case(
            "self-trade-is-rejected",
            "buyer and seller are the same account",
            vec![trade(3, 3, 0, 1, 2_400 * USD)],
            rejected_at(0, "SelfTrade"),
        ),
        rich.case(
            "unknown-account-is-rejected",
            "a trade with an account that does not exist",
            vec![trade(3, 9, 0, 1, 2_400 * USD)],
            rejected_at(0, "UnknownAccount"),
        ),
        rich.case(
            "unknown-instrument-is-rejected",
            "a trade of an instrument that is not listed",
            vec![trade(3, 4, 8, 1, 2_400 * USD)],
            rejected_at(0, "UnknownInstrument"),
        ),
        rich.case(
            "system-account-cannot-trade",
            "the insurance fund holds no positions",
            vec![trade(0, 3, 0, 1, 2_400 * USD)],
            rejected_at(0, "SystemAccount"),
        ),
        rich.case(
            "trade-after-expiry-is-rejected",
            "an expired instrument does not trade",
            vec![trade(3, 4, 6, 1, 5_000 * USD)],
            rejected_at(0, "InstrumentExpired"),
        ),
        rich.clone().with_market(expiring_now).case(
            "trade-at-the-expiry-second-is-rejected",
            "an instrument expiring at the epoch time no longer trades (t < T is required)",
            vec![trade(3, 4, 0, 1, 2_400 * USD)],
            rejected_at(0, "InstrumentExpired"),
        ),
        rich.case(
            "price-at-the-band-edge-is-accepted",
            "a price exactly band_bps of spot above the mark",
            vec![trade(3, 4, 0, 1, 2_400 * USD + band)],
            Accepted,
        ),
        rich.case(
            "price-outside-the-band-is-rejected",
            "a price one tick beyond band_bps of spot from the mark",
            vec![trade(3, 4, 0, 1, 2_400 * USD + band + TICK)],
            rejected_at(0, "PriceOutsideBand"),
        ),
        rich.case(
            "price-off-the-tick-is-rejected",
            "prices are multiples of TICK",
            vec![trade(3, 4, 0, 1, 2_400 * USD + 1)],
            rejected_at(0, "PriceOutOfRange"),
        ),
        Setup::new(vec![account(3, USD, &[]), account(4, RICH, &[])]).case(
            "trade-beyond-the-buyers-cash-is-rejected",
            "the buyer's cash may not go negative",
            vec![trade(3, 4, 0, 1, 2_400 * USD)],
            rejected_at(0, "InsufficientCash"),
        ),
    ]
}

fn bound_cases() -> Vec<Case> {
    let rich = Setup::new(two_rich());
    // P_MAX = 2^40 is not on the tick: the largest price is one tick less.
    let top = P_MAX / TICK * TICK;
    let mut high_market = market();
    high_market.instruments[0].strike = TICK;
    let mut high_quote = Quote::default();
    high_quote.spot[0] = top;
    high_quote.mark[0] = top - TICK;
    let high = Setup::new(two_rich())
        .with_market(high_market)
        .with_quote(high_quote);
    // A ninth instrument: the market lists nine, account 3 holds the first eight.
    let mut nine_market = market();
    nine_market.instruments.push(Instrument {
        id: 8,
        underlying: 1,
        kind: OptionKind::Call,
        strike: 3_500 * USD,
        expiry: EXPIRY,
    });
    let mut nine_quote = Quote::default();
    nine_quote.mark.push(50 * USD);
    nine_quote.kappa_bps.push(500);
    let eight: Vec<(u32, i64)> = (0..N_SLOTS as u32).map(|i| (i, 1)).collect();
    let minus_eight: Vec<(u32, i64)> = eight.iter().map(|&(i, q)| (i, -q)).collect();
    let nine = Setup::new(vec![
        account(3, RICH, &eight),
        account(4, RICH, &minus_eight),
    ])
    .with_market(nine_market)
    .with_quote(nine_quote);
    vec![
        rich.case(
            "q-max-position-is-accepted",
            "a trade of Q_MAX lots",
            vec![trade(3, 4, 0, Q_MAX, 2_400 * USD)],
            Accepted,
        )
        .facts(|seen| assert_eq!(seen.after().account(3).qty(0), Q_MAX)),
        rich.case(
            "q-max-plus-one-trade-is-rejected",
            "a trade of Q_MAX + 1 lots",
            vec![trade(3, 4, 0, Q_MAX + 1, 2_400 * USD)],
            rejected_at(0, "QuantityOutOfRange"),
        ),
        Setup::new(vec![
            account(3, RICH, &[(0, Q_MAX)]),
            account(4, RICH, &[(0, -Q_MAX)]),
            account(5, RICH, &[]),
        ])
        .case(
            "position-beyond-q-max-is-rejected",
            "a position may not grow beyond Q_MAX lots",
            vec![trade(3, 5, 0, 1, 2_400 * USD)],
            rejected_at(0, "PositionLimit"),
        ),
        high.case(
            "p-max-price-is-accepted",
            "a trade at the largest price on the tick, 2^40 - 76 (spot there too)",
            vec![trade(3, 4, 0, 1, top)],
            Accepted,
        ),
        high.case(
            "p-max-plus-one-tick-is-rejected",
            "a trade one tick above the largest price, beyond P_MAX = 2^40",
            vec![trade(3, 4, 0, 1, top + TICK)],
            rejected_at(0, "PriceOutOfRange"),
        ),
        nine.case(
            "ninth-instrument-is-rejected",
            "an account holding 8 instruments cannot open a ninth",
            vec![trade(3, 4, 8, 1, 50 * USD)],
            rejected_at(0, "TooManyPositions"),
        ),
    ]
}

fn reduce_only_cases() -> Vec<Case> {
    // Account 3 is 10 USD above maintenance margin, below initial margin.
    let underwater = Setup::new(short_put_pair(short_put_cash(|m| {
        m.maintenance + 10 * USD as i64
    })));
    let straddle = [(0, -ONE_BTC), (BTC_PUT, -ONE_BTC)];
    let straddle_cash = Setup::new(vec![]).cash_for(&straddle, |m| m.maintenance + 10 * USD as i64);
    let short_straddle = Setup::new(vec![
        account(3, straddle_cash, &straddle),
        account(4, RICH, &[(0, ONE_BTC), (BTC_PUT, ONE_BTC)]),
    ]);
    vec![
        underwater
            .case(
                "reduce-only-trade-by-underwater-account",
                "an account below initial margin may buy back 10% of its short at the mark: it stays below IM but E - MM improves",
                vec![trade(3, 4, BTC_PUT, 10, 2_300 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.margin_before(3), seen.margin_after(3));
                assert!(!before.meets_initial() && !after.meets_initial());
                assert!(after.excess() >= before.excess());
            }),
        underwater.case(
            "underwater-account-cannot-increase-its-position",
            "an account below initial margin may not sell more",
            vec![trade(4, 3, BTC_PUT, 10, 2_300 * USD)],
            rejected_at(0, "BelowInitialMargin"),
        ),
        short_straddle.case(
            "reduce-only-trade-that-worsens-is-rejected",
            "buying back puts of a short straddle far above the mark frees less margin than it costs",
            vec![trade(3, 4, BTC_PUT, 10, 5_200 * USD)],
            rejected_at(0, "ReduceOnlyWorsens"),
        ),
    ]
}

fn liquidation_cases() -> Vec<Case> {
    let below = short_put_below_maintenance();
    // Five lots: maintenance margin under small_mm (1,000 USD).
    let small_cash = Setup::new(vec![]).cash_for(&[(BTC_PUT, -5)], |m| m.maintenance - 1);
    let small = Setup::new(vec![
        account(3, small_cash, &[(BTC_PUT, -5)]),
        account(4, RICH, &[(BTC_PUT, 5)]),
    ]);
    // A small account short 4 lots of the BTC put and long 18 of the
    // 70,000 call (6 USD a lot): a whole transfer costs the liquidator
    // 18 * 6 - 4 * 23 = 16 USD at mark, and brings it half the penalty.
    let hedged = [(BTC_PUT, -4), (2, 18)];
    let hedged_cash = Setup::new(vec![]).cash_for(&hedged, |m| m.maintenance - 1);
    let penniless_liquidator = Setup::new(vec![
        account(3, hedged_cash, &hedged),
        account(4, 0, &[(BTC_PUT, ONE_BTC)]),
        account(5, RICH, &[(BTC_PUT, -ONE_BTC + 4), (2, -18)]),
    ]);
    vec![
        penniless_liquidator
            .case(
                "a-liquidator-without-cash-is-paid-its-share-before-its-cash-is-checked",
                "the venue's liquidation account with no cash pays 16 USD for a whole transfer and receives a larger share of the penalty: its cash is checked once, after both, and it ends positive and above initial margin",
                vec![liquidate(3, 4, 10_000)],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                assert_eq!(before.account(4).cash, 0);
                let payment = 16 * USD;
                let penalty = before.account(3).cash + payment - after.account(3).cash;
                let share = penalty * seen.case.market.params.liquidator_share_bps / 10_000;
                assert!(share > payment, "share {share}");
                assert_eq!(after.account(4).cash, share - payment);
                assert!(seen.margin_after(4).meets_initial());
                assert!(after.account(3).positions.is_empty());
            }),
        below.case(
            "liquidator-equal-to-account-is-rejected",
            "an account cannot liquidate itself",
            vec![liquidate(3, 3, 2_500)],
            rejected_at(0, "SelfLiquidation"),
        ),
        Setup::new(vec![
            account(3, short_put_cash(|m| m.maintenance - 1), &[(BTC_PUT, -ONE_BTC)]),
            account(4, USD, &[]),
            account(5, USD, &[(BTC_PUT, ONE_BTC)]),
        ])
        .case(
            "liquidator-ending-below-initial-margin-is-rejected",
            "the venue's liquidation account with 1 USD cannot take a quarter of a short BTC put",
            vec![liquidate(3, 4, 2_500)],
            rejected_at(0, "LiquidatorBelowInitialMargin"),
        ),
        Setup::new(vec![
            account(3, short_put_cash(|m| m.maintenance - 1), &[(BTC_PUT, -ONE_BTC)]),
            account(4, RICH, &[(BTC_PUT, ONE_BTC)]),
            account(5, RICH, &[]),
        ])
        .case(
            "a-liquidation-by-an-account-without-a-mandate-is-rejected",
            "a rich user account that is not the venue's liquidation account (its owner is not the market's liquidator_owner) cannot be made to take the positions",
            vec![liquidate(3, 5, 2_500)],
            rejected_at(0, "LiquidatorWithoutMandate"),
        )
        .facts(|seen| {
            let market = &seen.case.market;
            assert_ne!(seen.before.account(5).owner, market.liquidator_owner);
            assert_eq!(seen.before.account(4).owner, market.liquidator_owner);
            assert!(seen.margin_before(3).liquidatable());
        }),
        below.case(
            "fraction-above-the-step-is-rejected",
            "a solvent account above small_mm is liquidated by at most liq_step_bps per step",
            vec![liquidate(3, 4, 2_501)],
            rejected_at(0, "FractionAboveStep"),
        ),
        below.case(
            "zero-fraction-is-rejected",
            "a liquidation moves at least 1 bps",
            vec![liquidate(3, 4, 0)],
            rejected_at(0, "FractionOutOfRange"),
        ),
        Setup::new(short_put_pair(1_000 * USD)).case(
            "insolvent-account-must-be-taken-whole",
            "E < 0 requires a full transfer",
            vec![liquidate(3, 4, 2_500)],
            rejected_at(0, "InsolventNeedsFullTransfer"),
        ),
        Setup::new(vec![
            account(3, 100 * USD, &[(BTC_PUT, -3)]),
            account(4, RICH, &[(BTC_PUT, 3)]),
        ])
        .case(
            "liquidation-moving-no-lot-is-rejected",
            "25% of 3 lots truncates to 0",
            vec![liquidate(3, 4, 2_500)],
            rejected_at(0, "NothingToTransfer"),
        ),
        Setup::new(vec![
            account(3, 50 * USD, &[(0, -3), (2, 4)]),
            account(4, RICH, &[(0, 3), (2, -4)]),
        ])
        .case(
            "liquidation-that-does-not-improve-is-rejected",
            "25% of a call spread moves only the long hedge (the 3-lot short truncates to 0), so MM rises",
            vec![liquidate(3, 4, 2_500)],
            rejected_at(0, "LiquidationDoesNotImprove"),
        ),
        small
            .case(
                "small-account-may-be-liquidated-whole",
                "a solvent account with MM <= small_mm may be liquidated in one full step",
                vec![liquidate(3, 4, 10_000)],
                Accepted,
            )
            .facts(|seen| {
                let m = seen.margin_before(3);
                assert!(m.equity >= 0);
                assert!(m.maintenance <= seen.case.market.params.small_mm as i64);
                let after = seen.after().account(3);
                assert!(after.positions.is_empty() && !after.under_liquidation());
            }),
    ]
}

fn bankruptcy_cases() -> Vec<Case> {
    // E = 1,000 - 2,300 = -1,300 USD.
    let insolvent = Setup::new(short_put_pair(1_000 * USD));
    let mut small_fund = insolvent.clone();
    small_fund.state.accounts[0].cash = 1_000 * USD;
    let bankruptcy = small_fund
        .case(
            "bankruptcy-exhausting-the-insurance-fund-sets-bad-debt",
            "a whole liquidation of E = -1,300 USD with 1,000 USD of insurance leaves 300 USD of bad debt",
            vec![liquidate(3, 4, 10_000)],
            Accepted,
        )
        .facts(|seen| {
            let after = seen.after();
            assert_eq!(after.bad_debt(), 300 * USD);
            assert_eq!(after.account(INSURANCE_FUND).cash, 0);
            let bankrupt = after.account(3);
            assert!(bankrupt.positions.is_empty() && bankrupt.cash == 0);
        });
    // The state that case leaves, and a withdrawal in the next epoch.
    let (after, _) = small_fund
        .ledger()
        .apply_epoch(&bankruptcy.epoch)
        .expect("the bankruptcy case applies");
    let mut indebted = small_fund.clone();
    indebted.state = after.to_state();
    let next = next_epoch(
        &indebted.market,
        &indebted.state,
        after.root(),
        &Quote::default(),
        vec![withdraw(4, USD)],
    );
    let mut at_bound = insolvent.clone();
    at_bound.state.accounts[0].cash = 0;
    at_bound.state.bad_debt = BAD_DEBT_MAX;
    vec![
        insolvent
            .case(
                "insolvent-account-covered-by-the-insurance-fund",
                "a whole liquidation of E = -1,300 USD draws 1,300 USD from the insurance fund, no bad debt",
                vec![liquidate(3, 4, 10_000)],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                assert_eq!(
                    after.account(INSURANCE_FUND).cash,
                    before.account(INSURANCE_FUND).cash - 1_300 * USD
                );
                assert_eq!(after.bad_debt(), 0);
                assert!(after.account(3).positions.is_empty() && after.account(3).cash == 0);
            }),
        bankruptcy,
        indebted.case_with_epoch(
            "bad-debt-blocks-withdrawals",
            "the epoch after the bankruptcy above: no withdrawal while bad debt is outstanding",
            next,
            rejected_at(0, "OutstandingBadDebt"),
        ),
        small_fund.case(
            "bankruptcy-then-withdrawal-in-one-epoch-is-rejected",
            "the bankruptcy's bad debt blocks a withdrawal later in the same epoch",
            vec![liquidate(3, 4, 10_000), withdraw(4, USD)],
            rejected_at(1, "OutstandingBadDebt"),
        ),
        at_bound.case(
            "bad-debt-beyond-its-bound-is-rejected",
            "bad debt may not exceed 2^60",
            vec![liquidate(3, 4, 10_000)],
            rejected_at(0, "BadDebtAboveMaximum"),
        ),
    ]
}

fn settlement_cases() -> Vec<Case> {
    // Instrument 6: the 55,000 BTC call that expired an hour ago.
    let pair6 = Setup::new(vec![
        account(3, USD, &[(6, ONE_BTC)]),
        account(4, RICH, &[(6, -ONE_BTC)]),
        account(5, USD, &[]),
    ]);
    let at_strike = pair6
        .clone()
        .with_quote(Quote::settling(0, EXPIRED, 55_000 * USD));
    let unpriced = pair6.clone().with_quote(Quote {
        settlement: vec![],
        ..Quote::default()
    });
    // Instrument 0 expiring at the epoch time, settled at 62,000.
    let mut expiring_now = market();
    expiring_now.instruments[0].expiry = NOW;
    let settled_now = Setup::new(vec![
        account(3, USD, &[(0, ONE_BTC)]),
        account(4, RICH, &[(0, -ONE_BTC)]),
    ])
    .with_market(expiring_now)
    .with_quote(Quote {
        settlement: vec![
            SettlementPrice {
                underlying: 0,
                expiry: EXPIRED,
                price: BTC,
            },
            SettlementPrice {
                underlying: 0,
                expiry: NOW,
                price: 62_000 * USD,
            },
        ],
        ..Quote::default()
    });
    vec![
        at_strike
            .case(
                "expiry-at-the-strike-pays-nothing",
                "settlement at X = K pays 0 and removes the positions",
                vec![settle(6, vec![3, 4])],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                for index in [3, 4] {
                    assert_eq!(after.account(index).cash, before.account(index).cash);
                    assert!(after.account(index).positions.is_empty());
                }
            }),
        pair6
            .case(
                "expiry-in-the-money-pays-intrinsic-value",
                "the 55,000 call settled at 60,000 pays 5,000 USD per BTC from the short to the long",
                vec![settle(6, vec![3, 4])],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                assert_eq!(after.account(3).cash, before.account(3).cash + 5_000 * USD);
                assert_eq!(after.account(4).cash, before.account(4).cash - 5_000 * USD);
            }),
        settled_now
            .case(
                "settlement-at-the-expiry-second-is-accepted",
                "an instrument expiring at the epoch time settles (t >= T)",
                vec![settle(0, vec![3, 4])],
                Accepted,
            )
            .facts(|seen| {
                let (before, after) = (seen.before, seen.after());
                assert_eq!(after.account(3).cash, before.account(3).cash + 2_000 * USD);
            }),
        Setup::new(short_put_pair(RICH)).case(
            "settling-before-expiry-is-rejected",
            "settle_expiry of a live instrument",
            vec![settle(BTC_PUT, vec![3, 4])],
            rejected_at(0, "NotYetExpired"),
        ),
        unpriced.case(
            "settlement-without-a-price-is-rejected",
            "no report settles the expiry",
            vec![settle(6, vec![3, 4])],
            rejected_at(0, "MissingSettlementPrice"),
        ),
        pair6.case(
            "settlement-accounts-out-of-order-are-rejected",
            "listed accounts must be strictly ascending",
            vec![settle(6, vec![4, 3])],
            rejected_at(0, "AccountsNotAscending"),
        ),
        pair6.case(
            "settlement-of-an-account-without-the-position-is-rejected",
            "every listed account holds the instrument",
            vec![settle(6, vec![3, 4, 5])],
            rejected_at(0, "NoPositionToSettle"),
        ),
        pair6.case(
            "unbalanced-settlement-is-rejected",
            "settling only the long side would pay out cash nobody collects",
            vec![settle(6, vec![3])],
            rejected_at(0, "SettlementUnbalanced"),
        ),
        Setup::new(vec![
            account(3, 100 * USD, &[(0, 1), (7, -ONE_BTC)]),
            account(4, RICH, &[(0, -1), (7, ONE_BTC)]),
        ])
        .case(
            "settlement-leaving-negative-cash-beside-positions-is-rejected",
            "a holder who cannot pay and still has positions is liquidated first",
            vec![settle(7, vec![3, 4])],
            rejected_at(0, "SettlementLeavesNegativeCash"),
        ),
        Setup::new(vec![
            account(3, 1_000 * USD, &[(7, -ONE_BTC)]),
            account(4, RICH, &[(7, ONE_BTC)]),
        ])
        .case(
            "settlement-bankruptcy-draws-on-the-insurance-fund",
            "a holder left with -4,000 USD and no positions is covered by the insurance fund",
            vec![settle(7, vec![3, 4])],
            Accepted,
        )
        .facts(|seen| {
            let (before, after) = (seen.before, seen.after());
            assert_eq!(
                after.account(INSURANCE_FUND).cash,
                before.account(INSURANCE_FUND).cash - 4_000 * USD
            );
            assert_eq!((after.account(3).cash, after.bad_debt()), (0, 0));
        }),
    ]
}

/// A case whose epoch is the default one with its reports changed.
fn report_case(
    setup: &Setup,
    name: &'static str,
    description: &'static str,
    rule: &'static str,
    change: impl FnOnce(&mut Vec<Report>),
) -> Case {
    let mut epoch = setup.epoch(vec![trade(3, 4, 0, 10, 2_400 * USD)]);
    change(&mut epoch.reports);
    setup.case_with_epoch(name, description, epoch, rejected_epoch(rule))
}

/// Replaces the first report by oracle 0's signed report of `quote`.
fn first_report(quote: Quote) -> impl FnOnce(&mut Vec<Report>) {
    move |reports| reports[0] = report(&market(), 0, NOW - 10, &quote)
}

fn oracle_cases() -> Vec<Case> {
    let setup = Setup::new(two_rich());
    let ops = vec![trade(3, 4, 0, 10, 2_400 * USD)];
    let max_age = setup.market.params.max_report_age;

    let mut oldest = setup.epoch(ops.clone());
    oldest.reports[1] = report(&setup.market, 1, NOW - max_age, &Quote::default());
    let mut stale = setup.epoch(ops.clone());
    stale.reports[1] = report(&setup.market, 1, NOW - max_age - 1, &Quote::default());

    // Oracle 2 quotes 10x every spot and mark: within bounds (call marks stay
    // under spot, put marks under strike), yet outvoted by oracles 0 and 1.
    let mut liar = Quote::default();
    liar.spot.iter_mut().for_each(|s| *s *= 10);
    liar.mark.iter_mut().for_each(|m| *m *= 10);
    let mut lying = setup.epoch(ops.clone());
    lying.reports[2] = report(&setup.market, 2, NOW - 10, &liar);
    let mut honest = setup.epoch(ops.clone());
    honest.reports = reports_of(&setup.market, &[0, 1, 3], NOW - 10, &Quote::default());

    let mut high_call = Quote::default();
    high_call.mark[4] = ETH + TICK;
    let mut low_kappa = Quote::default();
    low_kappa.kappa_bps[0] = setup.market.params.kappa_floor_bps - 1;
    let mut short_list = Quote::default();
    short_list.mark.pop();
    let twice = Quote {
        settlement: vec![
            SettlementPrice {
                underlying: 0,
                expiry: EXPIRED,
                price: BTC,
            };
            2
        ],
        ..Quote::default()
    };

    vec![
        setup.case_with_epoch(
            "report-at-the-maximum-age-is-accepted",
            "a report exactly max_report_age old",
            oldest,
            Accepted,
        ),
        setup.case_with_epoch(
            "stale-report-is-rejected",
            "a report one second older than max_report_age",
            stale,
            rejected_epoch("Stale"),
        ),
        setup
            .case_with_epoch(
                "lying-oracle-does-not-move-the-median",
                "one report quoting 10x every spot and mark leaves the medians, and so the root, as honest oracles 0, 1 and 3 would",
                lying,
                Accepted,
            )
            .facts(move |seen| {
                let prices = seen.prices();
                assert_eq!(prices.spot, Quote::default().spot);
                assert_eq!(prices.mark, Quote::default().mark);
                // The honest epoch over the same (order-rested) state and operations.
                let honest = Epoch {
                    reports: honest.reports.clone(),
                    ..seen.case.epoch.clone()
                };
                let (honest_after, _) = seen.before.apply_epoch(&honest).unwrap();
                assert_eq!(seen.after().root(), honest_after.root());
            }),
        report_case(
            &setup,
            "duplicated-oracle-is-rejected",
            "two reports from the same oracle",
            "OraclesNotDistinctAscending",
            |r| r[2] = report(&market(), 1, NOW - 10, &Quote::default()),
        ),
        report_case(
            &setup,
            "reports-out-of-oracle-order-are-rejected",
            "reports come in ascending oracle order",
            "OraclesNotDistinctAscending",
            |r| r.swap(0, 1),
        ),
        report_case(
            &setup,
            "forged-report-is-rejected",
            "a report changed after signing",
            "BadSignature",
            |r| r[0].mark[0] += TICK,
        ),
        report_case(
            &setup,
            "report-signed-by-another-oracle-is-rejected",
            "oracle 0's report carries oracle 1's valid signature over it",
            "BadSignature",
            |r| r[0].sign(&market(), &oracle_key(1)),
        ),
        report_case(
            &setup,
            "signature-of-another-report-is-rejected",
            "oracle 0's report carries its signature over oracle 0's report of another epoch",
            "BadSignature",
            |r| {
                let mut other = r[0].clone();
                other.timestamp -= 1;
                other.sign(&market(), &oracle_key(0));
                r[0].signature = other.signature;
            },
        ),
        report_case(
            &setup,
            "report-of-an-unknown-oracle-is-rejected",
            "oracle 4 is not in the set of 4",
            "UnknownOracle",
            |r| r[2] = report(&market(), 4, NOW - 10, &Quote::default()),
        ),
        report_case(
            &setup,
            "two-reports-are-below-the-quorum",
            "an epoch carries exactly the quorum of reports",
            "WrongQuorum",
            |r| {
                r.pop();
            },
        ),
        report_case(
            &setup,
            "report-from-the-future-is-rejected",
            "a report after the epoch timestamp",
            "FromTheFuture",
            |r| r[0] = report(&market(), 0, NOW + 1, &Quote::default()),
        ),
        report_case(
            &setup,
            "report-spot-zero-is-rejected",
            "spot must be positive",
            "SpotOutOfRange",
            first_report(Quote {
                spot: vec![0, ETH],
                ..Quote::default()
            }),
        ),
        report_case(
            &setup,
            "report-call-mark-above-spot-is-rejected",
            "a call's mark is at most spot",
            "MarkOutOfRange",
            first_report(high_call),
        ),
        report_case(
            &setup,
            "report-kappa-below-the-floor-is-rejected",
            "kappa is at least kappa_floor_bps",
            "KappaOutOfRange",
            first_report(low_kappa),
        ),
        report_case(
            &setup,
            "report-with-a-missing-mark-is-rejected",
            "one mark per instrument",
            "WrongLength",
            first_report(short_list),
        ),
        report_case(
            &setup,
            "report-settling-before-expiry-is-rejected",
            "no settlement price before the expiry",
            "SettlementBeforeExpiry",
            first_report(Quote::settling(0, EXPIRY, BTC)),
        ),
        report_case(
            &setup,
            "report-settling-an-unlisted-expiry-is-rejected",
            "ETH has no instrument at that expiry",
            "UnknownExpiry",
            first_report(Quote::settling(1, EXPIRED, ETH)),
        ),
        report_case(
            &setup,
            "report-settling-an-expiry-twice-is-rejected",
            "settlement keys are strictly ascending",
            "SettlementNotAscending",
            first_report(twice),
        ),
        report_case(
            &setup,
            "report-settlement-price-zero-is-rejected",
            "a settlement price is positive",
            "SettlementOutOfRange",
            first_report(Quote::settling(0, EXPIRED, 0)),
        ),
        report_case(
            &setup,
            "reports-settling-different-expiries-are-rejected",
            "every report settles the same expiries",
            "SettlementSetsDiffer",
            |r| {
                let none = Quote {
                    settlement: vec![],
                    ..Quote::default()
                };
                r[1] = report(&market(), 1, NOW - 10, &none);
            },
        ),
    ]
}

fn epoch_header_cases() -> Vec<Case> {
    let setup = Setup::new(two_rich());
    let ops = vec![trade(3, 4, 0, 10, 2_400 * USD)];
    let mut wrong_root = setup.epoch(ops.clone());
    wrong_root.prev_root = ZERO_DIGEST;
    let mut wrong_number = setup.epoch(ops.clone());
    wrong_number.epoch = 2;
    let mut later = setup.clone();
    later.state.timestamp = NOW + 100;
    let mut far_future = setup.epoch(ops.clone());
    far_future.timestamp = TIMESTAMP_MAX + 1;
    vec![
        setup.case_with_epoch(
            "epoch-timestamp-beyond-2-40-is-rejected",
            "timestamps stay below 2^40 (a larger one would hash as its reduction or break the circuit's comparisons)",
            far_future,
            rejected_epoch("TimestampOutOfRange"),
        ),
        setup.case_with_epoch(
            "wrong-prev-root-is-rejected",
            "an epoch for another state",
            wrong_root,
            rejected_epoch("PrevRootMismatch"),
        ),
        setup.case_with_epoch(
            "wrong-epoch-number-is-rejected",
            "epoch 2 applied to the genesis state",
            wrong_number,
            rejected_epoch("EpochNumber"),
        ),
        later.case(
            "epoch-before-the-state-time-is-rejected",
            "epoch timestamps do not decrease",
            ops,
            rejected_epoch("TimestampDecreased"),
        ),
    ]
}

/// The venue's accounts: the insurance fund is only topped up, and every
/// credit to it repays bad debt first; the fee account takes fees only and
/// may be swept into the fund or withdrawn by the venue; both exist from
/// genesis, listed or not.
fn system_account_cases() -> Vec<Case> {
    let indebted = |fees: u64, fund: u64, bad_debt: u64| {
        let mut setup = Setup::new(two_rich());
        setup.state.accounts[0].cash = fund;
        setup.state.accounts[1].cash = fees;
        setup.state.bad_debt = bad_debt;
        setup
    };
    let venue = venue_owner();
    let unlisted = {
        let mut setup = Setup::new(two_rich());
        setup.state.accounts.retain(|a| a.index >= 3);
        setup
    };
    let listed_empty = {
        let mut setup = Setup::new(two_rich());
        setup.state.accounts[0].cash = 0;
        setup.state.accounts[1].cash = 0;
        setup
    };
    let unlisted_root = unlisted.root();
    // Account 3 flagged, short the expired 65,000 put (instrument 7): the
    // settlement at 60,000 costs it 5,000 USD and takes its last position.
    let flagged_settled = Setup::new(vec![
        AccountEntry {
            flags: FLAG_UNDER_LIQUIDATION,
            ..account(3, 10_000 * USD, &[(7, -100)])
        },
        account(4, RICH, &[(7, 100)]),
    ]);
    // Account 3 short the 60,000 put one micro-USD below maintenance, with
    // bad debt outstanding and an empty fund: its penalty repays bad debt.
    let mut liquidated_in_debt = short_put_below_maintenance();
    liquidated_in_debt.state.accounts[0].cash = 0;
    liquidated_in_debt.state.bad_debt = 1_000 * USD;
    vec![
        indebted(0, 0, 5_000 * USD)
            .case(
                "insurance-top-up-repays-bad-debt-first",
                "a deposit of 8,000 USD into the insurance fund repays the 5,000 USD of bad debt and keeps 3,000 USD",
                vec![deposit_to(INSURANCE_FUND, venue, 8_000 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let after = seen.after();
                assert_eq!(after.bad_debt(), 0);
                assert_eq!(after.account(INSURANCE_FUND).cash, 3_000 * USD);
            }),
        indebted(0, 0, 5_000 * USD)
            .case(
                "insurance-top-up-below-the-bad-debt-lowers-it",
                "a deposit of 2,000 USD into the insurance fund lowers 5,000 USD of bad debt to 3,000 USD",
                vec![deposit_to(INSURANCE_FUND, venue, 2_000 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let after = seen.after();
                assert_eq!(after.bad_debt(), 3_000 * USD);
                assert_eq!(after.account(INSURANCE_FUND).cash, 0);
            }),
        indebted(0, 0, 1_000 * USD).case(
            "withdrawals-resume-once-bad-debt-is-repaid",
            "a top-up repaying all bad debt lets a withdrawal later in the epoch through",
            vec![
                deposit_to(INSURANCE_FUND, venue, 1_000 * USD),
                withdraw(3, USD),
            ],
            Accepted,
        ),
        indebted(0, 0, 1_000 * USD).case(
            "withdrawals-wait-while-bad-debt-remains",
            "a top-up repaying part of the bad debt does not unblock withdrawals",
            vec![
                deposit_to(INSURANCE_FUND, venue, 999 * USD),
                withdraw(3, USD),
            ],
            rejected_at(1, "OutstandingBadDebt"),
        ),
        indebted(10_000 * USD, 0, 5_000 * USD)
            .case(
                "swept-fees-repay-bad-debt-first",
                "sweeping 7,000 USD of fees repays 5,000 USD of bad debt and moves 2,000 USD into the insurance fund",
                vec![sweep(7_000 * USD)],
                Accepted,
            )
            .facts(|seen| {
                let after = seen.after();
                assert_eq!(after.bad_debt(), 0);
                assert_eq!(after.account(INSURANCE_FUND).cash, 2_000 * USD);
                assert_eq!(after.account(FEE_ACCOUNT).cash, 3_000 * USD);
            }),
        indebted(10 * USD, 0, 0).case(
            "sweeping-more-than-the-fees-is-rejected",
            "the fee account must hold what is swept",
            vec![sweep(10 * USD + 1)],
            rejected_at(0, "InsufficientCash"),
        ),
        indebted(10 * USD, 0, 0).case(
            "sweeping-nothing-is-rejected",
            "a sweep moves at least one micro-USD",
            vec![sweep(0)],
            rejected_at(0, "AmountOutOfRange"),
        ),
        indebted(10 * USD, 1_000 * USD, 0).case(
            "the-insurance-fund-cannot-be-withdrawn",
            "the insurance fund is only ever topped up",
            vec![withdraw(INSURANCE_FUND, USD)],
            rejected_at(0, "InsuranceFundWithdrawal"),
        ),
        indebted(10 * USD, 0, 0)
            .case(
                "the-venue-withdraws-fees",
                "the fee account (the venue's, no positions) may be withdrawn from",
                vec![withdraw(FEE_ACCOUNT, 10 * USD)],
                Accepted,
            )
            .facts(|seen| assert_eq!(seen.after().account(FEE_ACCOUNT).cash, 0)),
        indebted(10 * USD, 0, 0).case(
            "the-fee-account-takes-no-deposits",
            "fees come from trades only",
            vec![deposit_to(FEE_ACCOUNT, venue, USD)],
            rejected_at(0, "FeeAccountDeposit"),
        ),
        indebted(10 * USD, 0, 0).case(
            "a-system-account-cannot-be-taken-over",
            "a deposit into the insurance fund must name the venue's owner",
            vec![deposit_to(INSURANCE_FUND, owner(9), USD)],
            rejected_at(0, "OwnerMismatch"),
        ),
        unlisted
            .case(
                "system-accounts-exist-without-being-listed",
                "from a genesis that lists neither system account, trade fees go to the venue's fee account, which the venue withdraws",
                vec![
                    trade(3, 4, 0, 10, MARKS[0]),
                    withdraw(FEE_ACCOUNT, 1),
                ],
                Accepted,
            )
            .facts(move |seen| {
                assert_eq!(seen.before.account(FEE_ACCOUNT).owner, venue_owner());
                assert_eq!(seen.after().account(FEE_ACCOUNT).owner, venue_owner());
            }),
        listed_empty
            .case(
                "listing-empty-system-accounts-changes-nothing",
                "a genesis listing both system accounts with no cash has the root of one listing neither",
                vec![deposit(3, USD)],
                Accepted,
            )
            .facts(move |seen| assert_eq!(seen.before.root(), unlisted_root)),
        flagged_settled
            .case(
                "settling-the-last-position-ends-liquidation",
                "a flagged account whose last position is settled is no longer under liquidation and may withdraw",
                vec![settle(7, vec![3, 4]), withdraw(3, USD)],
                Accepted,
            )
            .facts(|seen| assert!(!seen.after().account(3).under_liquidation())),
        Setup::new(two_rich()).case(
            "a-settlement-lists-a-holder",
            "a settlement of no holder is rejected (it would be an operation without a batch item)",
            vec![settle(6, vec![])],
            rejected_at(0, "EmptySettlement"),
        ),
        liquidated_in_debt
            .case(
                "a-liquidation-penalty-repays-bad-debt",
                "the insurance fund's share of a penalty repays outstanding bad debt first",
                vec![liquidate(3, 4, 1_000)],
                Accepted,
            )
            .facts(|seen| {
                let after = seen.after();
                assert!(after.bad_debt() < 1_000 * USD, "bad debt falls");
                assert_eq!(after.account(INSURANCE_FUND).cash, 0);
            }),
    ]
}

fn cases() -> Vec<Case> {
    [
        deposit_cases(),
        custody_cases(),
        system_account_cases(),
        withdraw_cases(),
        margin_boundary_cases(),
        trade_cases(),
        bound_cases(),
        reduce_only_cases(),
        liquidation_cases(),
        bankruptcy_cases(),
        settlement_cases(),
        oracle_cases(),
        epoch_header_cases(),
        order_cases(),
    ]
    .into_iter()
    .flatten()
    .map(with_resting_orders)
    .collect()
}

/// The case with the orders its trades fill rested in its state
/// ([`rest_orders`]), the epoch's root moved with the state (unless the
/// case names another root on purpose).
fn with_resting_orders(mut case: Case) -> Case {
    let root = |state: &StateFile| {
        Ledger::from_state(case.market.clone(), state)
            .ok()
            .map(|l| l.root())
    };
    let before = root(&case.state);
    rest_orders(&case.market, &mut case.state, &mut case.epoch.ops);
    if before.is_some() && before == Some(case.epoch.prev_root) {
        if let Some(after) = root(&case.state) {
            case.epoch.prev_root = after;
        }
    }
    case
}

// ---------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------

/// An order of `qty` lots (positive buys) of the 60,000 call at `limit`,
/// good for an hour.
fn hour_order(qty: i64, limit: u64) -> Order {
    Order {
        instrument: 0,
        qty,
        limit,
        expiry: NOW + 3_600,
    }
}

/// Accounts 3 and 4 rich and flat, with the given orders resting: account
/// 3's first, then account 4's, each `(slot, order)`.
fn resting(orders3: &[(usize, Order)], orders4: &[(usize, Order)]) -> Setup {
    let mut setup = Setup::new(two_rich());
    for (index, orders) in [(3, orders3), (4, orders4)] {
        let entry = setup
            .state
            .accounts
            .iter_mut()
            .find(|a| a.index == index)
            .expect("listed");
        for &(slot, order) in orders {
            entry.orders[slot] = order;
        }
    }
    setup
}

/// A place_order of the 60,000 call, good for an hour.
fn hour_place(account: u32, slot: u32, qty: i64, limit: u64) -> Operation {
    place(account, slot, 0, qty, limit, NOW + 3_600)
}

/// The epoch of `ops` with operation `at` changed by `edit`.
fn editing(setup: &Setup, ops: Vec<Operation>, at: usize, edit: impl Fn(&mut Operation)) -> Epoch {
    let mut epoch = setup.epoch(ops);
    edit(&mut epoch.ops[at]);
    epoch
}

/// Drops a signed operation's authorization.
fn unsign(op: &mut Operation) {
    match op {
        Operation::PlaceOrder(o) => o.authorization = None,
        Operation::CancelOrder(c) => c.authorization = None,
        other => panic!("not an order: {other:?}"),
    }
}

fn order_cases() -> Vec<Case> {
    let mark = MARKS[0];
    let buy = |qty: i64| hour_order(qty, mark);
    let sell = |qty: i64| hour_order(-qty, mark);
    let book = resting(&[(0, buy(5))], &[(1, sell(50))]);
    let fill5 = |qty, price| fill(3, 4, 0, qty, price, (0, 1));
    let flat = Setup::new(two_rich());
    vec![
        flat.case(
            "an-order-placed-and-filled-in-one-epoch",
            "both sides place signed orders and a trade fills them whole: the slots are empty after and each nonce counted once",
            vec![
                hour_place(3, 0, 10, mark),
                hour_place(4, 0, -10, mark),
                fill(3, 4, 0, 10, mark, (0, 0)),
            ],
            Accepted,
        )
        .facts(|seen| {
            for index in [3, 4] {
                let after = seen.after().account(index);
                assert_eq!(after.orders, [Order::default(); 2], "{index}");
                assert_eq!(after.nonce, 1);
            }
            assert_eq!(seen.after().account(3).qty(0), 10);
        }),
        book.case(
            "a-partial-fill-leaves-the-rest-resting",
            "orders resting from an earlier epoch fill partly: the buyer's 5 lots go to 2, the seller's 50 to 47, at the mark (within both limits)",
            vec![fill5(3, mark)],
            Accepted,
        )
        .facts(|seen| {
            assert_eq!(seen.after().account(3).orders[0].qty, 2);
            assert_eq!(seen.after().account(4).orders[1].qty, -47);
            assert_eq!(seen.after().account(4).orders[1].limit, MARKS[0]);
        }),
        book.case(
            "partial-fills-add-up-to-the-order",
            "two fills of 2 and 3 lots use the buyer's 5 lots exactly: the slot is empty after",
            vec![fill5(2, mark), fill5(3, mark)],
            Accepted,
        )
        .facts(|seen| assert_eq!(seen.after().account(3).orders[0], Order::default())),
        book.case(
            "overfill-is-rejected",
            "a trade of 6 lots against a buy order with 5 left",
            vec![fill5(6, mark)],
            rejected_at(0, "Overfill"),
        ),
        book.case(
            "a-filled-order-cannot-be-filled-again",
            "5 lots fill the buy order whole; a second fill finds no open order",
            vec![fill5(5, mark), fill5(1, mark)],
            rejected_at(1, "NoOpenOrder"),
        ),
        book.case(
            "a-fill-above-the-buyers-limit-is-rejected",
            "a buy order with limit at the mark fills one tick above it",
            vec![fill5(1, mark + TICK)],
            rejected_at(0, "PriceBeyondLimit"),
        ),
        resting(&[(0, buy(5))], &[(1, hour_order(-50, mark + TICK))]).case(
            "a-fill-below-the-sellers-limit-is-rejected",
            "a sell order with limit one tick above the mark fills at the mark",
            vec![fill5(1, mark)],
            rejected_at(0, "PriceBeyondLimit"),
        ),
        resting(&[(0, Order { expiry: NOW, ..buy(5) })], &[(1, sell(50))]).case(
            "an-expired-order-cannot-be-filled",
            "an order expiring at the epoch time no longer fills",
            vec![fill5(1, mark)],
            rejected_at(0, "OrderExpired"),
        ),
        book.case(
            "a-cancelled-order-cannot-be-filled",
            "the buyer cancels (signed) and the trade then finds its slot empty",
            vec![cancel(3, 0), fill5(1, mark)],
            rejected_at(1, "NoOpenOrder"),
        ),
        resting(&[(0, sell(5))], &[(1, sell(50))]).case(
            "an-order-on-the-other-side-cannot-be-filled",
            "the buyer's slot holds a sell order",
            vec![fill5(1, mark)],
            rejected_at(0, "OrderWrongSide"),
        ),
        resting(&[(0, Order { instrument: 1, ..buy(5) })], &[(1, sell(50))]).case(
            "an-order-in-another-instrument-cannot-be-filled",
            "the buyer's order is for the 60,000 put, the trade in the call",
            vec![fill5(1, mark)],
            rejected_at(0, "OrderInstrument"),
        ),
        book.case(
            "a-trade-naming-another-accounts-slot-is-rejected",
            "the trade names the buyer's slot 1, where only the seller (another account) rests an order",
            vec![fill(3, 4, 0, 1, mark, (1, 1))],
            rejected_at(0, "NoOpenOrder"),
        ),
        flat.case_with_epoch(
            "an-order-without-a-signature-is-rejected",
            "an order enters the state only with its owner's signature",
            editing(&flat, vec![hour_place(3, 0, 5, mark)], 0, unsign),
            rejected_at(0, "Unsigned"),
        ),
        flat.case_with_epoch(
            "an-order-signed-by-another-account-is-rejected",
            "account 4's user signs an order for account 3",
            editing(&flat, vec![hour_place(3, 0, 5, mark)], 0, |op| {
                if let Operation::PlaceOrder(o) = op {
                    o.authorization =
                        Some(Authorization::sign(&user_key(4), &o.message(&market().hash())));
                }
            }),
            rejected_at(0, "Unauthorized"),
        ),
        flat.case_with_epoch(
            "an-order-with-a-forged-signature-is-rejected",
            "the owner's signature of a 5-lot order on an order of 50 lots",
            editing(&flat, vec![hour_place(3, 0, 5, mark)], 0, |op| {
                if let Operation::PlaceOrder(o) = op {
                    o.qty = 50;
                }
            }),
            rejected_at(0, "Unauthorized"),
        ),
        flat.case_with_epoch(
            "a-replayed-order-is-rejected",
            "the same signed order twice: the second names the nonce the first used",
            {
                let mut epoch = flat.epoch(vec![hour_place(3, 0, 5, mark)]);
                let again = epoch.ops[0].clone();
                if let Operation::PlaceOrder(o) = &again {
                    assert_eq!(o.nonce, 0);
                }
                epoch.ops.push(match again {
                    Operation::PlaceOrder(o) => Operation::PlaceOrder(PlaceOrder { slot: 1, ..o }),
                    other => other,
                });
                epoch
            },
            rejected_at(1, "StaleNonce"),
        ),
        book.case(
            "an-order-into-a-taken-slot-is-rejected",
            "slot 0 of the buyer holds an open, unexpired order",
            vec![hour_place(3, 0, 5, mark)],
            rejected_at(0, "OrderSlotTaken"),
        ),
        resting(&[(0, Order { expiry: NOW, ..buy(5) })], &[]).case(
            "an-expired-orders-slot-takes-a-new-order",
            "an order expired at the epoch time leaves its slot free",
            vec![hour_place(3, 0, -7, mark)],
            Accepted,
        )
        .facts(|seen| assert_eq!(seen.after().account(3).orders[0].qty, -7)),
        flat.case(
            "an-order-slot-beyond-the-accounts-is-rejected",
            "accounts have order slots 0 and 1",
            vec![hour_place(3, 2, 5, mark)],
            rejected_at(0, "NoSuchOrderSlot"),
        ),
        flat.case(
            "an-order-of-zero-lots-is-rejected",
            "an order buys or sells at least one lot",
            vec![hour_place(3, 0, 0, mark)],
            rejected_at(0, "OrderOutOfRange"),
        ),
        flat.case(
            "an-order-expiring-at-the-epoch-time-is-rejected",
            "an order must be fillable when it is placed",
            vec![place(3, 0, 0, 5, mark, NOW)],
            rejected_at(0, "OrderOutOfRange"),
        ),
        flat.case(
            "an-order-in-an-unlisted-instrument-is-rejected",
            "instrument 8 is not listed",
            vec![place(3, 0, 8, 5, mark, NOW + 60)],
            rejected_at(0, "UnknownInstrument"),
        ),
        flat.case(
            "an-order-beyond-the-lot-limit-is-rejected",
            "at most Q_MAX lots",
            vec![hour_place(3, 0, -(Q_MAX + 1), mark)],
            rejected_at(0, "OrderOutOfRange"),
        ),
        book.case_with_epoch(
            "a-cancel-without-a-signature-is-rejected",
            "only the owner cancels its orders",
            editing(&book, vec![cancel(3, 0)], 0, unsign),
            rejected_at(0, "Unsigned"),
        ),
        flat.case(
            "a-cancel-of-an-empty-slot-counts-its-nonce",
            "a cancel of an order that filled in the meantime still uses the signed nonce",
            vec![cancel(3, 1)],
            Accepted,
        )
        .facts(|seen| assert_eq!(seen.after().account(3).nonce, 1)),
        flat.case(
            "orders-and-withdrawals-share-the-nonce",
            "an order takes nonce 0, a cancel 1, a withdrawal 2",
            vec![hour_place(3, 1, 5, mark), cancel(3, 1), withdraw(3, USD)],
            Accepted,
        )
        .facts(|seen| {
            let after = seen.after().account(3);
            assert_eq!(after.nonce, 3);
            assert_eq!(after.orders[1], Order::default());
        }),
    ]
}

// ---------------------------------------------------------------------------
// Checking and writing
// ---------------------------------------------------------------------------

/// Applies the case, checks the ledger agrees with the stated outcome and
/// facts, and returns the expected outcome to write.
fn check(case: &Case) -> Expected {
    let before = Ledger::from_state(case.market.clone(), &case.state)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let result = before.apply_epoch(&case.epoch);
    let root = result.as_ref().map(|(after, _)| after.root());
    let observed = Expected::observed(root.as_ref().map_err(|e| *e));
    let agrees = match case.outcome {
        Accepted => matches!(observed, Expected::Accepted { .. }),
        Outcome::Rejected { op, rule } => {
            observed
                == Expected::Rejected {
                    op,
                    rule: rule.into(),
                }
        }
    };
    let got = match &result {
        Ok(_) => "acceptance".to_owned(),
        Err(error) => format!("{error}"),
    };
    assert!(
        agrees,
        "{}: stated {:?}, got {got}",
        case.name, case.outcome
    );
    if let Some(facts) = &case.facts {
        facts(&Seen {
            case,
            before: &before,
            result: result.as_ref().map(|(after, _)| after),
        });
    }
    observed
}

fn write_case(edge_dir: &Path, case: &Case, expected: Expected) {
    let dir = edge_dir.join(case.name);
    std::fs::create_dir_all(&dir).unwrap();
    if case.market != market() {
        write_json(&dir.join(MARKET_FILE), &case.market).unwrap();
    }
    write_json(&dir.join(STATE_FILE), &case.state).unwrap();
    write_json(&dir.join(EPOCH_FILE), &case.epoch).unwrap();
    let expected = ExpectedFile {
        description: case.description.into(),
        expected,
    };
    write_json(&dir.join(EXPECTED_FILE), &expected).unwrap();
}

fn main() {
    let cases = cases();
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names repeat");
    let expected: Vec<Expected> = cases.iter().map(check).collect();

    let dir = fixture_dir("edge");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    write_json(&dir.join(MARKET_FILE), &market()).unwrap();
    for (case, expected) in cases.iter().zip(expected) {
        write_case(&dir, case, expected);
    }
    println!("wrote {} edge cases to {}", cases.len(), dir.display());
}
