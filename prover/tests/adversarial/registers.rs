//! What crosses a chunk border, set wrong: a settlement of two holders cut
//! across two chunks (three withdrawals, then holder 0 as the first chunk's
//! last step, holder 1 as the second's first). The second chunk proves with
//! the registers the first ends with; with any one register changed it does
//! not (its steps pin every register), and a root or batch commitment that
//! does not continue the first chunk's is refused at the fold.

use zksettle_circuits::chunk::Transfers;
use zksettle_circuits::chunk::{ChunkError, ChunkWitness, SettleCarry};
use zksettle_circuits::recursion::segment::joins;
use zksettle_circuits::rules::encoding::{hash, unsigned};
use zksettle_circuits::rules::ops::{Operation, SettleExpiry};
use zksettle_fixtures::builder::*;

use super::common::{circuit, CAPACITY};
use crate::support::adversary::{items_of, Adversary};
use crate::support::scenario::open_settlement;

#[test]
fn every_register_carried_across_a_chunk_border_is_pinned() {
    let (market, ledger, epoch) = open_settlement();
    let adversary = Adversary::new(&ledger, &epoch);
    // Fillers that sign nothing, so the chunk's desk has room.
    let deposit = |id| {
        Operation::Deposit(zksettle_circuits::rules::ops::Deposit {
            account: 7,
            owner: owner(7),
            amount: USD,
            id,
        })
    };
    let mut ops: Vec<Operation> = (0..CAPACITY as u64 - 1).map(deposit).collect();
    ops.push(Operation::SettleExpiry(SettleExpiry {
        instrument: 6,
        accounts: vec![3, 5],
    }));
    let items = items_of(&ops);
    let steps = adversary.steps(&items, &[]).unwrap();
    let circuit = circuit(&market);
    let written = adversary.chunks(&steps, &[CAPACITY]);
    let first = written[0].clone();
    assert_eq!(first.root_in, ledger.root());
    let left = circuit
        .check(&market, &first)
        .expect("the first chunk proves");
    let expected_carry = SettleCarry {
        open: true,
        instrument: 6,
        count: 2,
        next: 1,
        net: 100,
        previous_account: 3,
    };
    assert_eq!(left.carry_out, expected_carry, "the circuit's registers");
    assert_eq!(written[1].root_in, left.root_out);
    let second = ChunkWitness {
        batch_in: left.batch_out,
        carry_in: left.carry_out,
        transfers_in: left.transfers_out,
        ..written[1].clone()
    };
    let right = circuit
        .check(&market, &second)
        .expect("the second chunk proves");
    assert_eq!(joins(&left, &right), Ok(()));
    assert_eq!(right.carry_out, SettleCarry::CLOSED);

    let wrong = |edit: &dyn Fn(&mut SettleCarry)| {
        let mut carry = left.carry_out;
        edit(&mut carry);
        ChunkWitness {
            carry_in: carry,
            ..second.clone()
        }
    };
    for (register, chunk) in [
        ("open", wrong(&|c| c.open = false)),
        ("instrument", wrong(&|c| c.instrument = 7)),
        ("count", wrong(&|c| c.count = 3)),
        ("next", wrong(&|c| c.next = 0)),
        ("next", wrong(&|c| c.next = 2)),
        ("net", wrong(&|c| c.net = 99)),
        ("previous holder", wrong(&|c| c.previous_account = 5)),
        ("all closed", wrong(&|c| *c = SettleCarry::CLOSED)),
    ] {
        let result = circuit.check(&market, &chunk);
        assert!(
            matches!(result, Err(ChunkError::Unprovable(_))),
            "a wrong {register} register proved: {result:?}"
        );
    }
    // A root that does not continue the first chunk's cannot be proven (the
    // steps' paths are under the real one); another batch commitment can,
    // as a chunk, but the fold refuses it.
    let moved = ChunkWitness {
        root_in: ledger.root(),
        ..second.clone()
    };
    assert!(matches!(
        circuit.check(&market, &moved),
        Err(ChunkError::Unprovable(_))
    ));
    let rebatched = ChunkWitness {
        batch_in: hash(&[unsigned(1)]),
        ..second.clone()
    };
    let statement = circuit.check(&market, &rebatched).unwrap();
    assert!(joins(&left, &statement).is_err(), "the fold refuses it");
    // So with the transfer logs: the first chunk's three deposits are in its
    // deposit log and total; a second chunk that starts from other logs (one
    // deposit fewer, a smaller total, none) proves as a chunk, and the fold
    // refuses each.
    assert_eq!(left.transfers_out.deposited, 3 * USD);
    let fewer = Transfers::NONE
        .deposit(7, &owner(7), USD, 0)
        .deposit(7, &owner(7), USD, 1);
    let lighter = Transfers {
        deposited: 2 * USD,
        ..left.transfers_out
    };
    for (what, transfers) in [
        ("a deposit dropped", fewer),
        ("a smaller total", lighter),
        ("no transfers", Transfers::NONE),
    ] {
        let relogged = ChunkWitness {
            transfers_in: transfers,
            ..second.clone()
        };
        let statement = circuit.check(&market, &relogged).unwrap();
        assert!(joins(&left, &statement).is_err(), "the fold refuses {what}");
    }
    // And a real proof of the second chunk states the registers it was given.
    let proof = circuit.prove(&market, &second).unwrap();
    assert_eq!(circuit.verify(&proof).unwrap(), right);
}
