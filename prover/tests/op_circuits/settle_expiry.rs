//! settle_expiry: every holder of settlements the ledger accepts proves,
//! with the registers the ledger ends with; each single-rule tamper does not.

use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use zksettle_circuits::chunk::{carry_fields, SettleCarry, CARRY_LEN};
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::ops::{
    InsuranceRegisters, PositionChallenge, SettleExpiryGadget, SettleRegisters, SettleTarget,
};
use zksettle_circuits::rules::encoding::unsigned;
use zksettle_circuits::rules::ops::{Operation, SettleExpiry};
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::LeafValue;

use crate::harness::{build, native_witness, step_of, Step, StepCircuit};

struct Targets {
    op: SettleTarget,
    registers_in: SettleRegisters,
    insurance_in: Target,
    registers_out: [Target; CARRY_LEN],
    funds_out: [Target; 2],
}

fn circuit() -> StepCircuit<Targets> {
    build(|b, s| {
        let op = SettleTarget {
            instrument: b.add_virtual_target(),
            account: b.add_virtual_target(),
            position: b.add_virtual_target(),
            count: b.add_virtual_target(),
        };
        b.connect(op.account, s.account);
        let registers_in =
            SettleRegisters::from_targets(std::array::from_fn(|_| b.add_virtual_target()));
        let insurance_in = b.add_virtual_target();
        let mut seed: Vec<_> = s.leaves.iter().flat_map(|l| l.elements).collect();
        seed.extend([op.instrument, op.account, op.position, op.count]);
        let challenge = PositionChallenge::new(b, seed);
        let positions = [
            challenge.polynomial(b, &s.before),
            challenge.polynomial(b, &s.after),
        ];
        let (registers, funds) = b.settle_holder(
            s.enabled,
            &op,
            &s.before,
            &s.after,
            &challenge,
            [&positions[0], &positions[1]],
            s.now,
            &s.market,
            &s.prices,
            &registers_in,
            &InsuranceRegisters {
                insurance: insurance_in,
                bad_debt: s.bad_debt,
            },
        );
        let registers_out = std::array::from_fn(|_| b.add_virtual_target());
        for (x, y) in registers.targets().into_iter().zip(registers_out) {
            b.connect(x, y);
        }
        let funds_out = [(); 2].map(|_| b.add_virtual_target());
        for (x, y) in [funds.insurance, funds.bad_debt].into_iter().zip(funds_out) {
            b.connect(x, y);
        }
        Targets {
            op,
            registers_in,
            insurance_in,
            registers_out,
            funds_out,
        }
    })
}

/// One holder's witness: the step, the operation's fields, the settlement
/// registers before it and the insurance fund and bad debt around it.
#[derive(Clone)]
struct Holder {
    step: Step,
    instrument: u32,
    position: u64,
    count: u64,
    registers: SettleCarry,
    insurance: [u64; 2],
    bad_debt_out: u64,
}

impl Holder {
    /// The registers after the holder, by the native rule (closed when the
    /// rule refuses it: the circuit must refuse it too).
    fn registers_out(&self) -> SettleCarry {
        self.registers
            .after_holder(
                self.instrument,
                self.step.index.into(),
                self.position,
                self.count,
                self.step.before.qty(self.instrument),
            )
            .unwrap_or(SettleCarry::CLOSED)
    }
}

fn proves(c: &StepCircuit<Targets>, h: &Holder) -> bool {
    c.provable(&h.step, |pw: &mut PartialWitness<F>, t: &Targets| {
        pw.set_target(t.op.instrument, unsigned(h.instrument.into()))
            .unwrap();
        pw.set_target(t.op.position, unsigned(h.position)).unwrap();
        pw.set_target(t.op.count, unsigned(h.count)).unwrap();
        for (target, value) in t
            .registers_in
            .targets()
            .into_iter()
            .zip(carry_fields(&h.registers))
        {
            pw.set_target(target, value).unwrap();
        }
        pw.set_target(t.insurance_in, unsigned(h.insurance[0]))
            .unwrap();
        for (target, value) in t.registers_out.iter().zip(carry_fields(&h.registers_out())) {
            pw.set_target(*target, value).unwrap();
        }
        for (target, value) in t.funds_out.iter().zip([h.insurance[1], h.bad_debt_out]) {
            pw.set_target(*target, unsigned(value)).unwrap();
        }
    })
}

/// Every holder of a settlement the ledger accepts, with chained registers.
fn holders(
    users: Vec<zksettle_circuits::rules::AccountEntry>,
    quote: &Quote,
    op: SettleExpiry,
) -> Vec<Holder> {
    let (witness, prices) = native_witness(users, 0, quote, Operation::SettleExpiry(op.clone()));
    let mut registers = SettleCarry::CLOSED;
    witness
        .steps
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let step = step_of(&w.updates[0], &prices, 0);
            let cash = |v: &LeafValue| match v {
                LeafValue::Account(a) => a.cash,
                LeafValue::Global { .. } => unreachable!(),
            };
            let debt = |v: &LeafValue| match v {
                LeafValue::Global { bad_debt, .. } => *bad_debt,
                LeafValue::Account(_) => unreachable!(),
            };
            let holder = Holder {
                instrument: op.instrument,
                position: k as u64,
                count: op.accounts.len() as u64,
                registers,
                insurance: [cash(&w.updates[1].before), cash(&w.updates[1].after)],
                bad_debt_out: debt(&w.updates[2].after),
                step,
            };
            registers = holder.registers_out();
            holder
        })
        .collect()
}

#[test]
fn settlements_the_ledger_accepts_prove_and_tampered_ones_do_not() {
    let c = circuit();
    let at_strike = Quote::settling(0, EXPIRED, 55_000 * USD);
    let pair = holders(
        vec![
            account(3, USD, &[(0, 1), (6, 100)]),
            account(4, USD, &[(6, -100)]),
        ],
        &at_strike,
        SettleExpiry {
            instrument: 6,
            accounts: vec![3, 4],
        },
    );
    for h in &pair {
        assert!(proves(&c, h), "holder {} at X = K", h.step.index);
    }
    let bankrupt = holders(
        vec![
            account(3, 1_000 * USD, &[(7, -100)]),
            account(4, USD, &[(7, 100)]),
        ],
        &Quote::default(),
        SettleExpiry {
            instrument: 7,
            accounts: vec![3, 4],
        },
    );
    assert_eq!(
        bankrupt[0].insurance[0] - bankrupt[0].insurance[1],
        4_000 * USD,
        "the insurance fund covers the deficit"
    );
    for h in &bankrupt {
        assert!(
            proves(&c, h),
            "holder {} of a settlement with a bankruptcy",
            h.step.index
        );
    }

    let mut unbalanced = pair[0].clone();
    unbalanced.count = 1;
    assert!(!proves(&c, &unbalanced), "the listed positions net to zero");

    let mut out_of_order = pair[1].clone();
    out_of_order.registers.previous_account = 4;
    assert!(!proves(&c, &out_of_order), "holders ascending");

    let mut other_instrument = pair[1].clone();
    other_instrument.registers.instrument = 7;
    assert!(
        !proves(&c, &other_instrument),
        "a later holder settles the open settlement's instrument"
    );
    let mut not_open = pair[1].clone();
    not_open.registers = SettleCarry::CLOSED;
    assert!(!proves(&c, &not_open), "a later holder needs one open");
    let mut reopened = pair[0].clone();
    reopened.registers = pair[1].registers;
    assert!(!proves(&c, &reopened), "a first holder needs none open");
    let mut skipped = pair[1].clone();
    skipped.registers.next = 2;
    assert!(!proves(&c, &skipped), "holders follow each other");
    let mut recounted = pair[1].clone();
    recounted.registers.count = 3;
    assert!(!proves(&c, &recounted), "the open settlement's count");

    let mut kept = pair[0].clone();
    kept.step.after = kept.step.before.clone();
    assert!(
        !proves(&c, &kept.step.clone().rerooted().into_holder(&kept)),
        "the slot goes"
    );

    let mut no_cover = bankrupt[0].clone();
    no_cover.insurance[1] = no_cover.insurance[0];
    no_cover.bad_debt_out = 4_000 * USD;
    assert!(!proves(&c, &no_cover), "the insurance fund pays first");

    let mut counted = pair[0].clone();
    counted.step.after.nonce += 1;
    assert!(
        !proves(&c, &counted.step.clone().rerooted().into_holder(&counted)),
        "nonce unchanged"
    );

    let mut paid = bankrupt[1].clone();
    paid.step.after.cash += 1;
    assert!(
        !proves(&c, &paid.step.clone().rerooted().into_holder(&paid)),
        "q * I(X) / Q_SCALE"
    );

    let mut early = pair[0].clone();
    early.instrument = 0;
    assert!(!proves(&c, &early), "an expired instrument");
}

trait IntoHolder {
    fn into_holder(self, template: &Holder) -> Holder;
}

impl IntoHolder for Step {
    fn into_holder(self, template: &Holder) -> Holder {
        Holder {
            step: self,
            ..template.clone()
        }
    }
}
