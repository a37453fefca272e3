//! trade: both sides of trades the ledger accepts prove; each single-rule
//! tamper does not.

use plonky2::iop::witness::PartialWitness;
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::margin::MarginGadget;
use zksettle_circuits::gadgets::ops::{
    set_trade, PositionChallenge, TradeGadget, TradeLeaf, TradeTarget,
};
use zksettle_circuits::rules::account::Position;
use zksettle_circuits::rules::ops::{Operation, Trade};
use zksettle_circuits::rules::units::Q_MAX;
use zksettle_circuits::rules::AccountEntry;
use zksettle_fixtures::builder::*;

use crate::harness::{build, native_step_at, Step, StepCircuit};

/// The terms of [`op::trade`]: both orders rested by [`rest_orders`].
fn auto_trade(buyer: u32, seller: u32, instrument: u32, qty: i64, price: u64) -> Trade {
    let Operation::Trade(trade) = op::trade(buyer, seller, instrument, qty, price) else {
        unreachable!("op::trade makes a trade")
    };
    trade
}

fn circuit(is_buyer: bool) -> StepCircuit<TradeTarget> {
    build(|b, s| {
        let op = TradeTarget {
            buyer: b.add_virtual_target(),
            seller: b.add_virtual_target(),
            instrument: b.add_virtual_target(),
            qty: b.add_virtual_target(),
            price: b.add_virtual_target(),
            buyer_order: b.add_virtual_target(),
            seller_order: b.add_virtual_target(),
        };
        b.connect(if is_buyer { op.buyer } else { op.seller }, s.account);
        let terms = b.trade_terms(s.enabled, &op, s.now, &s.market, &s.prices, &s.table);
        let view = b.account_view(&s.before, &s.table, &s.market.params);
        let mut seed: Vec<_> = s.leaves.iter().flat_map(|l| l.elements).collect();
        seed.extend([op.buyer, op.seller, op.instrument, op.qty, op.price]);
        let challenge = PositionChallenge::new(b, seed);
        let positions = [
            challenge.polynomial(b, &s.before),
            challenge.polynomial(b, &s.after),
        ];
        let leaf = TradeLeaf {
            before: &s.before,
            after: &s.after,
            view: &view,
            positions: [&positions[0], &positions[1]],
        };
        b.trade_side(
            s.enabled, is_buyer, &op, &terms, leaf, &challenge, &s.table, &s.market,
        );
        op
    })
}

fn proves(c: &StepCircuit<TradeTarget>, step: &Step, op: &Trade) -> bool {
    c.provable(step, |pw: &mut PartialWitness<F>, t| {
        set_trade(pw, t, op).unwrap()
    })
}

const RICH: u64 = 1_000_000_000 * USD;

fn users() -> Vec<AccountEntry> {
    vec![
        account(3, RICH, &[(2, 5), (4, -3)]),
        account(4, RICH, &[(2, -5), (4, 3)]),
    ]
}

#[test]
fn both_sides_of_accepted_trades_prove_and_tampered_sides_do_not() {
    let buyer_side = circuit(true);
    let seller_side = circuit(false);
    let trades = [
        (users(), auto_trade(3, 4, 0, 100, 2_400 * USD)), // new slot
        (users(), auto_trade(3, 4, 4, 3, 150 * USD)),     // closes a slot
        (users(), auto_trade(4, 3, 2, 2, 600 * USD)),     // reduces
        (
            vec![account(3, RICH, &[]), account(4, RICH, &[])],
            auto_trade(3, 4, 1, Q_MAX, 2_300 * USD),
        ),
    ];
    for (users, trade) in &trades {
        let buyer = native_step_at(users.clone(), 0, Operation::Trade(trade.clone()), 0);
        let seller = native_step_at(users.clone(), 0, Operation::Trade(trade.clone()), 1);
        assert!(
            proves(&buyer_side, &buyer, trade),
            "buyer side of {trade:?}"
        );
        assert!(
            proves(&seller_side, &seller, trade),
            "seller side of {trade:?}"
        );
    }

    let (users0, trade) = &trades[0];
    let buyer = native_step_at(users0.clone(), 0, Operation::Trade(trade.clone()), 0);
    let seller = native_step_at(users0.clone(), 0, Operation::Trade(trade.clone()), 1);
    assert!(
        proves(&buyer_side, &buyer.clone().rerooted(), trade),
        "control: re-rooting keeps it provable"
    );

    let mut extra_lot = buyer.clone();
    extra_lot
        .after
        .positions
        .iter_mut()
        .find(|p| p.instrument == 0)
        .unwrap()
        .qty += 1;
    assert!(
        !proves(&buyer_side, &extra_lot.rerooted(), trade),
        "the position moves by exactly qty"
    );

    let mut wrong_instrument = buyer.clone();
    wrong_instrument.after.positions = vec![
        Position {
            instrument: 1,
            qty: 100,
        },
        Position {
            instrument: 2,
            qty: 5,
        },
        Position {
            instrument: 4,
            qty: -3,
        },
    ];
    assert!(
        !proves(&buyer_side, &wrong_instrument.rerooted(), trade),
        "the traded instrument"
    );

    let mut cheap = buyer.clone();
    cheap.after.cash += 1;
    assert!(
        !proves(&buyer_side, &cheap.rerooted(), trade),
        "notional and fee"
    );

    let mut lost = seller.clone();
    lost.after.positions.retain(|p| p.instrument != 4);
    assert!(
        !proves(&seller_side, &lost.rerooted(), trade),
        "other positions unchanged"
    );

    for (side, step, name) in [
        (&buyer_side, &buyer, "buyer's nonce unchanged"),
        (&seller_side, &seller, "seller's nonce unchanged"),
    ] {
        let mut counted = step.clone();
        counted.after.nonce += 1;
        assert!(!proves(side, &counted.rerooted(), trade), "{name}");
    }

    assert!(
        !proves(
            &buyer_side,
            &buyer,
            &Trade {
                seller: 3,
                ..trade.clone()
            }
        ),
        "buyer != seller"
    );
    assert!(
        !proves(
            &buyer_side,
            &buyer,
            &Trade {
                price: 2_400 * USD + 3_000 * USD + 100,
                ..trade.clone()
            }
        ),
        "within the band"
    );
    assert!(
        !proves(
            &buyer_side,
            &buyer,
            &Trade {
                price: 2_400 * USD + 1,
                ..trade.clone()
            }
        ),
        "on the tick"
    );

    // Margin: a buyer with too little cash for the premium, which the ledger rejects.
    let poor = vec![account(3, 2_400 * USD, &[]), account(4, RICH, &[])];
    let affordable = auto_trade(3, 4, 0, 100, 2_300 * USD);
    let mut step = native_step_at(poor.clone(), 0, Operation::Trade(affordable.clone()), 0);
    assert!(proves(&buyer_side, &step, &affordable));
    // Selling naked puts with the same cash breaks initial margin: build it by hand.
    step.after.positions = vec![Position {
        instrument: 1,
        qty: -100,
    }];
    let sold = auto_trade(4, 3, 1, 100, 2_300 * USD);
    let fee = zksettle_circuits::rules::ops::trade_fee(100, 2_300 * USD, BTC, 3, 1_250) as u64;
    step.after.cash = step.before.cash + 2_300 * USD - fee;
    assert!(
        !proves(&seller_side, &step.clone().rerooted(), &sold),
        "E' >= IM' or reduce-only"
    );
    // Control: the same hand-built sale with ample cash proves.
    step.before.cash = RICH;
    step.after.cash = RICH + 2_300 * USD - fee;
    assert!(
        proves(&seller_side, &step.rerooted(), &sold),
        "control: the hand-built sale is otherwise valid"
    );
}
