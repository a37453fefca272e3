//! Deposits and withdrawals the rule book rejects cannot be proven.
//!
//! `forced_deposit` and `forced_withdraw` move the cash (and, for a deposit,
//! set the owner) with none of the operation's checks, bypassing the native
//! engine. On accepted cases they reproduce the ledger exactly and prove (the
//! control); on every edge case the ledger rejects at such an operation they
//! build the witness that breaks only that rule, and the chunk must not
//! prove.

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::rules::Operation;
use zksettle_fixtures::edge::EdgeCase;

use super::common::{at_small_depth, custody_rejection, DEPTH};
use super::forced::{
    assert_covered, op_cases, proves, rejected_rules, rule, setup, unchecked_steps, Setup, Write,
};

/// A deposit's or withdrawal's writes without its rules: the cash moves and
/// (a deposit) the account takes the deposit's owner (the rule's result
/// whenever it accepts: an empty leaf takes the owner, an existing account
/// already has it; where it rejects, this is the takeover the owner rule
/// forbids); a deposit into the insurance fund repays bad debt first. Cash
/// above 2^58 is kept: the written leaf's bound must reject it; `None` when
/// the cash would go negative (no leaf holds it).
fn forced(setup: &Setup) -> Option<Vec<Write>> {
    assert!(matches!(
        setup.op(),
        Operation::Deposit(_) | Operation::Withdraw(_) | Operation::SweepFees(_)
    ));
    unchecked_steps(setup)?.pop()
}

fn is_deposit(op: &Operation) -> bool {
    matches!(op, Operation::Deposit(_))
}

fn is_withdraw(op: &Operation) -> bool {
    matches!(op, Operation::Withdraw(_))
}

fn is_sweep(op: &Operation) -> bool {
    matches!(op, Operation::SweepFees(_))
}

/// The control: on accepted cases the forced writes are the ledger's, and
/// the chunk proves.
fn accepted_cases_prove(kind: fn(&Operation) -> bool) {
    let cases = op_cases(true, kind);
    assert!(!cases.is_empty(), "no accepted cases");
    for (case, at) in &cases {
        let setup = setup(case, *at).unwrap();
        let writes = forced(&setup).unwrap();
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (after, _) = genesis.apply_epoch(&epoch).unwrap();
        for write in &writes {
            match write {
                Write::Account(index, account) => {
                    assert_eq!(*account, after.account(*index), "{}", case.name)
                }
                Write::Global(bad_debt) => assert_eq!(*bad_debt, after.bad_debt()),
            }
        }
        proves(&setup, &[writes]).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn forced_arithmetic_is_the_ledgers_on_accepted_deposits_and_withdrawals_and_proves() {
    accepted_cases_prove(is_deposit);
    accepted_cases_prove(is_withdraw);
    accepted_cases_prove(is_sweep);
}

#[test]
fn every_rejected_sweep_cannot_be_proven() {
    // sweeping-more-than-the-fees (InsufficientCash) has no leaf: negative cash.
    let mut rules = rejected_cases(is_sweep, |_, _, _| None);
    assert_covered("sweep_fees", &mut rules, &["AmountOutOfRange"]);
}

/// The rejected cases of one operation type (one step each): each must
/// fail to prove, except those `check` decides; returns the rules covered.
fn rejected_cases(
    kind: fn(&Operation) -> bool,
    check: impl Fn(&EdgeCase, &Setup, &[Write]) -> Option<Result<(), ChunkError>>,
) -> Vec<String> {
    // A deposit the custodians did not attest proves as a chunk: the
    // prelude and the chain refuse its epoch (`custody.rs`).
    let cases = op_cases(false, kind)
        .into_iter()
        .filter(|(case, _)| !custody_rejection(case))
        .collect();
    rejected_rules(
        cases,
        |setup| forced(setup).map(|writes| vec![writes]),
        |case, setup, steps| check(case, setup, &steps[0]),
    )
}

#[test]
fn every_rejected_withdrawal_cannot_be_proven() {
    // withdraw-more-than-cash (InsufficientCash) has no leaf: negative cash.
    let mut rules = rejected_cases(is_withdraw, |_, _, _| None);
    assert_covered(
        "withdraw",
        &mut rules,
        &[
            "BelowInitialMargin",
            "UnderLiquidation",
            "OutstandingBadDebt",
            "InsuranceFundWithdrawal",
            "NonceExhausted",
            "Unsigned",
            "Unauthorized",
            "StaleNonce",
        ],
    );
}

#[test]
fn every_rejected_deposit_cannot_be_proven() {
    let mut rules = rejected_cases(is_deposit, |case, setup, writes| {
        if rule(case) != "AccountOutOfRange" {
            return None;
        }
        // An index beyond the tree cannot even be written: a port's index is
        // `DEPTH` bits, so the witness is refused with a typed error before
        // proving (the circuit cannot express the leaf).
        let result = proves(setup, &[writes.to_vec()]);
        assert!(
            matches!(result, Err(ChunkError::IndexBeyondTree { .. })),
            "{}: {result:?}",
            case.name
        );
        eprintln!(
            "{}: AccountOutOfRange: typed error IndexBeyondTree",
            case.name
        );
        // What the circuit can express: the batch item names the index
        // beyond the tree while the port writes the leaf it aliases modulo
        // the tree's size. The port index is bound to the item: no proof.
        let [Write::Account(index, account), global] = writes else {
            unreachable!()
        };
        let alias = Write::Account(index % (1 << DEPTH), account.clone());
        Some(proves(setup, &[vec![alias, global.clone()]]))
    });
    assert_covered(
        "deposit",
        &mut rules,
        &[
            "OwnerMismatch",
            "ZeroOwner",
            "ReservedOwner",
            "AmountOutOfRange",
            "GlobalLeaf",
            "CashAboveMaximum",
            "AccountOutOfRange",
            "FeeAccountDeposit",
            "DepositOutOfOrder",
        ],
    );
}
