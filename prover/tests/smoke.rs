use zksettle_circuits::rules::ops::{Deposit, Operation, Trade};
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

#[test]
fn deposit_trade_withdraw_round_trip() {
    let market = market();
    let mut state = state(vec![
        account(3, 1_000_000 * USD, &[]),
        account(4, 1_000_000 * USD, &[]),
    ]);
    let mut ops = vec![
        Operation::Deposit(Deposit {
            account: 5,
            owner: owner(5),
            amount: 10 * USD,
        }),
        Operation::Trade(Trade {
            buyer: 3,
            seller: 4,
            instrument: 0,
            qty: 100,
            price: 2_400 * USD,
            buyer_order: AUTO_ORDER,
            seller_order: AUTO_ORDER,
        }),
        signed_withdraw(5, 10 * USD, 0),
    ];
    rest_orders(&market, &mut state, &mut ops);
    let ledger = Ledger::from_state(market.clone(), &state).unwrap();
    let epoch = epoch(&market, ledger.root(), ops);
    let (next, witness) = ledger.apply_epoch(&epoch).unwrap();
    assert_eq!(witness.new_root, next.root());
    assert_eq!(next.account(3).qty(0), 100);
    assert_eq!(next.account(4).qty(0), -100);
    println!("{:?}", next.to_state());
}
