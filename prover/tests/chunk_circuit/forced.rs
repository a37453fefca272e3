//! Shared scaffolding of the forced-witness tests: the ledger just before an
//! edge case's operation, and chunk witnesses built from leaf writes chosen
//! by the test rather than by the native engine.
//!
//! Each `*_tamper` module applies one operation type's arithmetic with none
//! of its checks ([`unchecked_steps`], the adversarial harness's engine),
//! hands the leaf writes to [`chunk`], and checks the result proves
//! (accepted cases, the control) or does not (every case the ledger rejects
//! at such an operation).

use zksettle_circuits::chunk::{ChunkError, ChunkPublicInputs, ChunkWitness};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::{Context, Epoch, Market, Operation, PriceSheet, Prices, RiskArrays};
use zksettle_fixtures::edge::{edge_cases, EdgeCase, Expected};
use zksettle_prover::ledger::Ledger;

use super::common::{at_small_depth, circuit};

/// A case at the test depth: the ledger just before operation `at` (the
/// epoch begun, the earlier operations applied), the epoch, and its prices.
pub struct Setup {
    pub ledger: Ledger,
    pub epoch: Epoch,
    pub at: usize,
    pub prices: Prices,
    pub risk: RiskArrays,
}

impl Setup {
    /// The operation under test.
    pub fn op(&self) -> &Operation {
        &self.epoch.ops[self.at]
    }

    /// The rule context of the epoch.
    pub fn ctx(&self) -> Context<'_> {
        Context {
            market: self.ledger.market(),
            prices: &self.prices,
            risk: &self.risk,
            timestamp: self.epoch.timestamp,
        }
    }

    /// The market (at the test depth).
    pub fn market(&self) -> &Market {
        self.ledger.market()
    }

    /// The epoch's price sheet, as the prelude derives it.
    pub fn sheet(&self) -> PriceSheet {
        PriceSheet {
            report_hashes: self
                .epoch
                .reports
                .iter()
                .map(|r| r.hash(self.market()))
                .collect(),
            prices: self.prices.clone(),
            risk: self.risk.clone(),
        }
    }
}

/// The case's ledger just before operation `at`; `None` when the epoch's
/// reports or an earlier operation are rejected.
pub fn setup(case: &EdgeCase, at: usize) -> Option<Setup> {
    case.epoch.ops.get(at)?;
    let (mut ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
    let prices = ledger.epoch_prices(&epoch).ok()?;
    let risk = RiskArrays::compute(ledger.market(), &prices);
    ledger.begin_epoch(epoch.epoch, epoch.timestamp);
    let market = ledger.market().clone();
    let ctx = Context {
        market: &market,
        prices: &prices,
        risk: &risk,
        timestamp: epoch.timestamp,
    };
    for earlier in &epoch.ops[..at] {
        ledger.try_apply_op(&ctx, earlier).ok()?;
    }
    Some(Setup {
        ledger,
        epoch,
        at,
        prices,
        risk,
    })
}

/// The edge cases whose operation of interest satisfies `kind`: accepted
/// single-operation epochs (`accepted`), or epochs rejected at such an
/// operation, with the operation's index.
pub fn op_cases(accepted: bool, kind: fn(&Operation) -> bool) -> Vec<(EdgeCase, usize)> {
    edge_cases()
        .unwrap()
        .into_iter()
        .filter_map(|case| {
            let at = match &case.expected {
                Expected::Accepted { .. } if accepted && case.epoch.ops.len() == 1 => 0,
                Expected::Rejected { op: Some(at), .. } if !accepted => *at,
                _ => return None,
            };
            case.epoch
                .ops
                .get(at)
                .is_some_and(kind)
                .then_some((case, at))
        })
        .collect()
}

/// The rule a rejected case names.
pub fn rule(case: &EdgeCase) -> &str {
    match &case.expected {
        Expected::Rejected { rule, .. } => rule,
        Expected::Accepted { .. } => panic!("{} is accepted", case.name),
    }
}

pub use crate::support::tree::{Tree, Write};

/// The writes of each batch item of the operation under test, with its
/// arithmetic and none of its rules (`support::unchecked`), on the leaves as
/// the earlier items wrote them; `None` when no leaf holds a result.
pub fn unchecked_steps(setup: &Setup) -> Option<Vec<Vec<Write>>> {
    unchecked_steps_in(&setup.ctx(), setup)
}

/// [`unchecked_steps`] at the prices of `ctx` (a lying oracle's, say).
pub fn unchecked_steps_in(ctx: &Context, setup: &Setup) -> Option<Vec<Vec<Write>>> {
    let mut tree = Tree::new(&setup.ledger);
    let mut steps = Vec::new();
    for item in setup.op().batch_items() {
        let writes = crate::support::unchecked::writes(ctx, &tree, &item)?;
        tree.step(item, &writes);
        steps.push(writes);
    }
    Some(steps)
}

/// The chunk whose steps make `steps` (one list of writes per batch item of
/// the operation under test), starting at the ledger's root.
pub fn chunk(setup: &Setup, steps: &[Vec<Write>]) -> ChunkWitness {
    let mut tree = Tree::new(&setup.ledger);
    let root_in = tree.root();
    let items = setup.op().batch_items();
    let mut steps: Vec<_> = steps
        .iter()
        .zip(items)
        .map(|(writes, item)| tree.step(item, writes))
        .collect();
    // A withdrawal's own authorization, as the case carries it (none for
    // an unsigned one): the desk verifies exactly what the operation holds.
    let mut signatures = Vec::new();
    if let zksettle_circuits::rules::Operation::Withdraw(w) = setup.op() {
        let user = w.account != zksettle_circuits::rules::units::FEE_ACCOUNT;
        if let (true, Some(auth), Some(step)) = (user, &w.authorization, steps.first_mut()) {
            step.signer = Some(auth.public_key);
            signatures.push((auth.clone(), w.message(&setup.market().hash())));
        }
    }
    ChunkWitness {
        system: tree.finish(),
        sheet: setup.sheet(),
        epoch: setup.epoch.epoch,
        timestamp: setup.epoch.timestamp,
        root_in,
        batch_in: ZERO_DIGEST,
        carry_in: Default::default(),
        deposit_report: zksettle_circuits::chunk::AttestedDeposits::of(
            setup.epoch.deposit_report.as_ref(),
        ),
        transfers_in: Default::default(),
        steps,
        signatures,
    }
}

/// Proves a chunk of `market` and returns its statement.
///
/// Decided by the constraint check that agrees with the prover
/// (`ChunkCircuit::check`: witness generation and every gate on every row,
/// no commitment), a fraction of a proof's time; the differential suite
/// proves the accepted cases for real.
pub fn prove(market: &Market, chunk: &ChunkWitness) -> Result<ChunkPublicInputs, ChunkError> {
    circuit(market).check(market, chunk)
}

/// Proves the chunk making `steps` on the setup's ledger.
pub fn proves(setup: &Setup, steps: &[Vec<Write>]) -> Result<(), ChunkError> {
    prove(setup.market(), &chunk(setup, steps)).map(|_| ())
}

/// Forces every case of `cases` with `force` (the steps' writes; `None`
/// when no leaf can hold the result, which the leaf's well-formedness tests
/// cover) and asserts none proves; `check` may decide a case itself instead
/// of proving its writes. Returns the rules covered.
pub fn rejected_rules(
    cases: Vec<(EdgeCase, usize)>,
    force: impl Fn(&Setup) -> Option<Vec<Vec<Write>>>,
    check: impl Fn(&EdgeCase, &Setup, &[Vec<Write>]) -> Option<Result<(), ChunkError>>,
) -> Vec<String> {
    let mut rules = Vec::new();
    for (case, at) in cases {
        let rule = rule(&case);
        let setup = setup(&case, at).expect("the case sets up");
        let Some(steps) = force(&setup) else {
            eprintln!("{}: {rule} has no representable witness", case.name);
            continue;
        };
        let result = check(&case, &setup, &steps).unwrap_or_else(|| proves(&setup, &steps));
        assert_unprovable(&case.name, rule, result);
        rules.push(rule.to_owned());
    }
    rules
}

/// Asserts a forced witness breaking `rule` does not prove.
pub fn assert_unprovable(name: &str, rule: &str, result: Result<(), ChunkError>) {
    assert!(
        matches!(result, Err(ChunkError::Unprovable(_))),
        "{name}: a witness breaking {rule} proved or failed otherwise ({result:?})"
    );
    eprintln!("{name}: {rule}: fails to prove");
}

/// Asserts every rule of `required` is among `covered`.
pub fn assert_covered(kind: &str, covered: &mut Vec<String>, required: &[&str]) {
    covered.sort();
    covered.dedup();
    eprintln!("rejected {kind} rules that fail to prove: {covered:?}");
    for rule in required {
        assert!(
            covered.iter().any(|r| r == rule),
            "{kind}: {rule} is not covered"
        );
    }
}
