//! settle_expiry: every holder of settlements the ledger accepts proves,
//! with the registers the ledger ends with; each single-rule tamper does not.

use plonky2::field::types::Field;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::ops::{SettleExpiryGadget, SettleRegisters, SettleTarget};
use zksettle_circuits::rules::encoding::unsigned;
use zksettle_circuits::rules::ops::{Operation, SettleExpiry};
use zksettle_circuits::rules::oracle::SettlementPrice;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::LeafValue;

use crate::harness::{build, native_witness, step_of, Step, StepCircuit};

struct Targets {
    op: SettleTarget,
    registers_in: SettleRegisters,
    registers_out: [Target; 4],
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
        let registers_in = SettleRegisters {
            net: b.add_virtual_target(),
            previous_account: b.add_virtual_target(),
            insurance: b.add_virtual_target(),
            bad_debt: s.bad_debt,
        };
        let out = b.settle_holder(
            s.enabled,
            &op,
            &s.before,
            &s.after,
            s.leaves,
            s.now,
            &s.market,
            &s.prices,
            &registers_in,
        );
        let registers_out = [(); 4].map(|_| b.add_virtual_target());
        for (x, y) in [out.net, out.previous_account, out.insurance, out.bad_debt]
            .into_iter()
            .zip(registers_out)
        {
            b.connect(x, y);
        }
        Targets {
            op,
            registers_in,
            registers_out,
        }
    })
}

/// One holder's witness: the step, the operation's fields and the registers in and out.
#[derive(Clone)]
struct Holder {
    step: Step,
    instrument: u32,
    position: u64,
    count: u64,
    net_in: i64,
    previous: u32,
    insurance: [u64; 2],
    bad_debt_out: u64,
    net_out: i64,
}

fn proves(c: &StepCircuit<Targets>, h: &Holder) -> bool {
    c.provable(&h.step, |pw: &mut PartialWitness<F>, t: &Targets| {
        pw.set_target(t.op.instrument, unsigned(h.instrument.into()))
            .unwrap();
        pw.set_target(t.op.position, unsigned(h.position)).unwrap();
        pw.set_target(t.op.count, unsigned(h.count)).unwrap();
        pw.set_target(t.registers_in.net, F::from_noncanonical_i64(h.net_in))
            .unwrap();
        pw.set_target(t.registers_in.previous_account, unsigned(h.previous.into()))
            .unwrap();
        pw.set_target(t.registers_in.insurance, unsigned(h.insurance[0]))
            .unwrap();
        let out = [
            F::from_noncanonical_i64(h.net_out),
            unsigned(h.step.index.into()),
            unsigned(h.insurance[1]),
            unsigned(h.bad_debt_out),
        ];
        for (t, v) in t.registers_out.iter().zip(out) {
            pw.set_target(*t, v).unwrap();
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
    let mut net = 0i64;
    let mut previous = 0u32;
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
                LeafValue::Global { bad_debt } => *bad_debt,
                LeafValue::Account(_) => unreachable!(),
            };
            let qty = step.before.qty(op.instrument);
            let holder = Holder {
                instrument: op.instrument,
                position: k as u64,
                count: op.accounts.len() as u64,
                net_in: net,
                previous,
                insurance: [cash(&w.updates[1].before), cash(&w.updates[1].after)],
                bad_debt_out: debt(&w.updates[2].after),
                net_out: net + qty,
                step,
            };
            net += qty;
            previous = holder.step.index;
            holder
        })
        .collect()
}

#[test]
fn settlements_the_ledger_accepts_prove_and_tampered_ones_do_not() {
    let c = circuit();
    let at_strike = Quote {
        settlement: vec![SettlementPrice {
            underlying: 0,
            expiry: EXPIRED,
            price: 55_000 * USD,
        }],
        ..Quote::default()
    };
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
    out_of_order.previous = 4;
    assert!(!proves(&c, &out_of_order), "holders ascending");

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
