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
        op::deposit(5, 10 * USD),
        op::trade(3, 4, 0, 100, 2_400 * USD),
        signed_withdraw(&market, 5, 10 * USD, 0),
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
