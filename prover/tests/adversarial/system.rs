//! The system registers (insurance fund, fee account, bad debt) of a chunk,
//! set wrong. A chunk of a trade (its fees), a top-up of the insurance fund,
//! a withdrawal from the fee account and a sweep moves every register
//! without a leaf port; it proves, its statement's root is the ledger's, and
//! none of the values the chunk reads its system leaves from, nor a user
//! port aimed at a system leaf, can be proven otherwise.

use zksettle_circuits::chunk::{ChunkError, ChunkWitness};
use zksettle_circuits::rules::units::{FEE_ACCOUNT, GLOBAL_LEAF, INSURANCE_FUND};
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{circuit, small};
use crate::support::adversary::{items_of, Adversary};

fn scenario() -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let mut genesis = state(vec![
        account(3, 100_000 * USD, &[]),
        account(4, 100_000 * USD, &[]),
    ]);
    let mut ops = vec![
        op::trade(3, 4, 0, 1, 2_400 * USD),
        op::deposit_to(INSURANCE_FUND, venue_owner(), 5 * USD),
        op::withdraw(FEE_ACCOUNT, USD / 2),
        op::sweep(USD / 4),
    ];
    rest_orders(&market, &mut genesis, &mut ops);
    let ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
    let epoch = epoch(&market, ledger.root(), ops);
    ledger
        .apply_epoch(&epoch)
        .expect("the ledger accepts the chunk");
    (market, ledger, epoch)
}

fn unprovable(market: &Market, chunk: &ChunkWitness, what: &str) {
    let result = circuit(market).check(market, chunk);
    assert!(
        matches!(result, Err(ChunkError::Unprovable(_))),
        "{what} proved: {result:?}"
    );
}

#[test]
fn the_system_leaves_a_chunk_reads_and_writes_are_pinned() {
    let (market, ledger, epoch) = scenario();
    let (after, _) = ledger.apply_epoch(&epoch).unwrap();
    let adversary = Adversary::new(&ledger, &epoch);
    let steps = adversary.steps(&items_of(&epoch.ops), &[]).unwrap();
    let honest = adversary.chunks(&steps, &[4]).remove(0);
    let statement = circuit(&market).check(&market, &honest).expect("honest");
    assert_eq!(statement.root_out, after.root(), "the ledger's root");
    assert_eq!(honest.expected_statement(&market), Some(statement.clone()));
    // The sweep and the two system-account operations take no leaf path;
    // only the trade's ports write leaves.
    assert!(honest.steps[3].a.is_none());

    let mutated = |edit: &dyn Fn(&mut ChunkWitness)| {
        let mut chunk = honest.clone();
        edit(&mut chunk);
        chunk
    };
    let cases: Vec<(&str, ChunkWitness)> = vec![
        ("more insurance", mutated(&|c| c.system.insurance.cash += 1)),
        ("fewer fees", mutated(&|c| c.system.fees.cash -= 1)),
        ("bad debt", mutated(&|c| c.system.bad_debt += 1)),
        (
            "another fund owner",
            mutated(&|c| c.system.insurance.owner = owner(9)),
        ),
        (
            "a flagged fee account",
            mutated(&|c| c.system.fees.flags = 1),
        ),
        (
            "another neighbour",
            mutated(&|c| c.system.neighbour = venue_owner()),
        ),
        (
            "another path",
            mutated(&|c| c.system.siblings[0] = venue_owner()),
        ),
        // The top-up's port A must hold the fund as the registers do.
        (
            "a top-up of a richer fund",
            mutated(&|c| {
                let a = c.steps[1].a.as_mut().unwrap();
                a.before.cash += USD;
                a.after.cash += USD;
            }),
        ),
        // The fee withdrawal pays out of the fee register, not a leaf.
        (
            "a fee withdrawal of more fees",
            mutated(&|c| {
                let a = c.steps[2].a.as_mut().unwrap();
                a.before.cash += USD;
                a.after.cash += USD;
            }),
        ),
    ];
    for (what, chunk) in &cases {
        unprovable(&market, chunk, what);
    }
    // What the witness says the chunk ends with is the native prediction
    // only: the circuit computes its own registers.
    let claimed = mutated(&|c| c.system.out.fees += 1);
    assert_eq!(
        circuit(&market).check(&market, &claimed).unwrap(),
        statement,
        "the circuit does not read the claimed balances"
    );
    assert_ne!(claimed.expected_statement(&market), Some(statement));
}

#[test]
fn a_trade_cannot_write_a_system_leaf() {
    let (market, ledger, epoch) = scenario();
    let adversary = Adversary::new(&ledger, &epoch);
    let steps = adversary.steps(&items_of(&epoch.ops[..1]), &[]).unwrap();
    let honest = adversary.chunks(&steps, &[4]).remove(0);
    circuit(&market).check(&market, &honest).expect("honest");
    // The buyer named as each system leaf, its port there with the leaf's
    // value and the trade's cash flow.
    for index in [INSURANCE_FUND, FEE_ACCOUNT, GLOBAL_LEAF] {
        let mut chunk = honest.clone();
        let step = &mut chunk.steps[0];
        step.item[1] = zksettle_circuits::rules::encoding::unsigned(index.into());
        let a = step.a.as_mut().unwrap();
        let flow = i128::from(a.after.cash) - i128::from(a.before.cash);
        let mut leaf = ledger.account(index);
        a.index = index.into();
        a.before = leaf.clone();
        leaf.cash = (i128::from(leaf.cash) + flow).max(0) as u64;
        leaf.positions = a.after.positions.clone();
        a.after = leaf;
        unprovable(
            &market,
            &chunk,
            &format!("a trade bought by system leaf {index}"),
        );
    }
}
