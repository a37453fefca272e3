//! Valid batches, mutated as an operator might, against the replay
//! property: whatever proves as an epoch replays natively to the same root,
//! batch hash and operation count; and, the other way round, a mutation the
//! native engine accepts proves (the circuit refuses nothing the rule book
//! allows).
//!
//! Bases: every accepted edge case and windows of the generated epochs
//! ([`super::common::bases`]). Mutation classes: a field of one item set to
//! a neighbouring, zero, small, large or negative value; two items swapped;
//! an item dropped or duplicated; an item's tag changed; two settlements'
//! holders interleaved; a later holder's instrument changed; a written leaf
//! value changed (cash, flag, quantity, bad debt); the chunks presented in
//! another order at the fold. Each random case picks the chunk layout too
//! (heavy, or light: no liquidation gadget), so both circuits meet the
//! same mutations; the converse holds in the light layout for batches
//! without a liquidation. `ZKSETTLE_MUTATIONS` sets the number of cases
//! (default 256; each costs about a constraint check per chunk).

use plonky2::field::types::Field;
use proptest::prelude::*;
use zksettle_circuits::config::F;
use zksettle_circuits::rules::ops::{decode_batch, tag};

use super::common::{bases, circuit, Base};
use crate::support::adversary::{
    element, items_of, tag_of, with_element, Adversary, Attempt, Item, LeafTamper,
};
use zksettle_circuits::chunk::{OpKinds, SettleCarry};

/// A replacement value for an item's field.
#[derive(Clone, Debug)]
enum Value {
    Plus(i64),
    Zero,
    Small(u64),
    Large,
    MinusOne,
}

impl Value {
    fn of(&self, current: F) -> F {
        match *self {
            Value::Plus(d) => current + element(d),
            Value::Zero => F::ZERO,
            Value::Small(v) => element(v as i64),
            Value::Large => element(1 << 41),
            Value::MinusOne => F::NEG_ONE,
        }
    }
}

/// One mutation of a batch (indices are taken modulo the batch's length).
#[derive(Clone, Debug)]
enum Mutation {
    Field {
        item: usize,
        at: usize,
        value: Value,
    },
    Swap(usize, usize),
    Drop(usize),
    Duplicate(usize),
    Tag {
        item: usize,
        to: u64,
    },
    Interleave,
    LaterHolderInstrument {
        instrument: u64,
    },
    Leaf(LeafTamper),
    ReorderChunks,
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-2i64..=2).prop_map(Value::Plus),
        Just(Value::Zero),
        (0u64..48).prop_map(Value::Small),
        Just(Value::Large),
        Just(Value::MinusOne),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = 0usize..64;
    prop_oneof![
        4 => (index.clone(), 1usize..8, value())
            .prop_map(|(item, at, value)| Mutation::Field { item, at, value }),
        1 => (index.clone(), index.clone()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        1 => index.clone().prop_map(Mutation::Drop),
        1 => index.clone().prop_map(Mutation::Duplicate),
        1 => (index.clone(), 0u64..10).prop_map(|(item, to)| Mutation::Tag { item, to }),
        1 => Just(Mutation::Interleave),
        1 => (0u64..8).prop_map(|instrument| Mutation::LaterHolderInstrument { instrument }),
        2 => (index.clone(), 0usize..4, -2i64..=2, 0u8..5).prop_map(|(item, write, delta, kind)| {
            Mutation::Leaf(match kind {
                0 => LeafTamper::Cash { item, write, delta },
                1 => LeafTamper::Flag { item, write },
                2 => LeafTamper::Quantity { item, write, delta },
                3 => LeafTamper::BadDebt { item, write, delta },
                _ => LeafTamper::Order {
                    item,
                    write,
                    slot: (item + write) % 2,
                    field: (item + write) % 4,
                    delta,
                },
            })
        }),
        1 => Just(Mutation::ReorderChunks),
    ]
}

/// The holders' items of each settlement, as (first item, last item) ranges.
fn settlements(items: &[Item]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < items.len() {
        if tag_of(&items[k]) == tag::SETTLE_EXPIRY {
            let n = items[k][4].to_canonical_u64() as usize;
            out.push(k..(k + n).min(items.len()));
            k += n.max(1);
        } else {
            k += 1;
        }
    }
    out
}

use plonky2::field::types::PrimeField64;

/// The mutated items, the leaf tampers and whether chunks are reordered;
/// `None` when the mutation does not apply to this base.
fn apply(mutation: &Mutation, items: &[Item]) -> Option<(Vec<Item>, Vec<LeafTamper>, bool)> {
    let mut out = items.to_vec();
    let len = items.len();
    let mut tampers = Vec::new();
    let mut reorder = false;
    match mutation {
        Mutation::Field { item, at, value } => {
            let k = item % len;
            out[k] = with_element(&items[k], *at, value.of(items[k][*at]));
        }
        Mutation::Swap(a, b) => out.swap(a % len, b % len),
        Mutation::Drop(k) => {
            out.remove(k % len);
        }
        Mutation::Duplicate(k) => out.insert(k % len, items[k % len]),
        Mutation::Tag { item, to } => {
            let k = item % len;
            out[k] = with_element(&items[k], 0, element(*to as i64));
        }
        Mutation::Interleave => {
            let s = settlements(items);
            let pair = s
                .windows(2)
                .find(|w| w[0].end == w[1].start && w[0].len() >= 2)?;
            let (first, second) = (pair[0].clone(), pair[1].clone());
            let mut mixed = Vec::new();
            for k in 0..first.len().max(second.len()) {
                mixed.extend(first.clone().nth(k).map(|i| items[i]));
                mixed.extend(second.clone().nth(k).map(|i| items[i]));
            }
            out.splice(first.start..second.end, mixed);
        }
        Mutation::LaterHolderInstrument { instrument } => {
            let k = (0..len)
                .find(|&k| tag_of(&items[k]) == tag::SETTLE_EXPIRY && items[k][3] != F::ZERO)?;
            let to = element(*instrument as i64);
            if to == items[k][1] {
                return None;
            }
            out[k] = with_element(&items[k], 1, to);
        }
        Mutation::Leaf(tamper) => tampers.push(match tamper.clone() {
            LeafTamper::Cash { item, write, delta } => LeafTamper::Cash {
                item: item % len,
                write,
                delta,
            },
            LeafTamper::Flag { item, write } => LeafTamper::Flag {
                item: item % len,
                write,
            },
            LeafTamper::Quantity { item, write, delta } => LeafTamper::Quantity {
                item: item % len,
                write,
                delta,
            },
            LeafTamper::BadDebt { item, write, delta } => LeafTamper::BadDebt {
                item: item % len,
                write,
                delta,
            },
            LeafTamper::Order {
                item,
                write,
                slot,
                field,
                delta,
            } => LeafTamper::Order {
                item: item % len,
                write,
                slot,
                field,
                delta,
            },
        }),
        Mutation::ReorderChunks => {
            if len <= super::common::CAPACITY {
                return None;
            }
            reorder = true;
        }
    }
    Some((out, tampers, reorder))
}

/// The layouts a case may pick.
const LAYOUTS: [OpKinds; 2] = [OpKinds::ALL, OpKinds::LIGHT];

/// Runs one mutation of one base against the replay property in the chunk
/// layout of `kinds`, and the converse: a mutated batch the native engine
/// accepts, of operation types the layout supports, proves with an honest
/// witness.
fn check(base: &Base, mutation: &Mutation, kinds: OpKinds) -> Option<bool> {
    let items = items_of(&base.epoch.ops);
    let (mutated, tampers, reorder) = apply(mutation, &items)?;
    let adversary = Adversary::new(&base.ledger, &base.epoch);
    let circuit = crate::support::scenario::chunk_circuit_of(
        base.ledger.market(),
        super::common::CAPACITY,
        kinds,
    );
    let what = format!("{}: {mutation:?}", base.name);
    let attempt = match adversary.steps(&mutated, &tampers) {
        Err(item) => Attempt::NoWitness { item },
        Ok(steps) => {
            let chunks = steps.len().div_ceil(circuit.params.capacity);
            let order: Vec<usize> = (0..chunks).rev().collect();
            adversary.attempt_steps(&circuit, steps, reorder.then_some(&order[..]))
        }
    };
    let proved = adversary.assert_replay(&mutated, &attempt, &what);
    // The converse, for batches the operator could honestly have made.
    let supported = mutated.iter().all(|item| kinds.contains(tag_of(item)));
    let honest = tampers.is_empty() && !reorder && supported;
    if honest {
        let decoded = decode_batch(&mutated, SettleCarry::CLOSED)
            .ok()
            .filter(|(_, carry)| *carry == SettleCarry::CLOSED);
        if let Some((ops, _)) = decoded {
            if adversary.replay(&ops).is_ok() {
                assert!(
                    proved,
                    "{what}: the native engine accepts the mutated batch, the circuit refuses it: {attempt:?}"
                );
            }
        }
    }
    Some(proved)
}

fn cases() -> u32 {
    std::env::var("ZKSETTLE_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_batches_prove_only_what_replays(
        base in 0..bases().len(),
        mutation in mutation(),
        layout in 0..LAYOUTS.len(),
    ) {
        let outcome = check(&bases()[base], &mutation, LAYOUTS[layout]);
        prop_assume!(outcome.is_some());
    }
}

/// Every base proves and replays unmutated (the control), and every class
/// of mutation is tried on every base it applies to with a fixed choice of
/// parameters: a deterministic floor under the random cases.
#[test]
fn every_mutation_class_on_every_base() {
    let classes = [
        Mutation::Field {
            item: 0,
            at: 2,
            value: Value::Plus(1),
        },
        Mutation::Field {
            item: 1,
            at: 1,
            value: Value::Small(4),
        },
        Mutation::Swap(0, 1),
        Mutation::Drop(0),
        Mutation::Duplicate(0),
        Mutation::Tag { item: 0, to: 6 },
        Mutation::Interleave,
        Mutation::LaterHolderInstrument { instrument: 7 },
        Mutation::Leaf(LeafTamper::Cash {
            item: 0,
            write: 0,
            delta: 1,
        }),
        Mutation::ReorderChunks,
    ];
    let mut tried = vec![0usize; classes.len()];
    let mut proved = vec![0usize; classes.len()];
    for base in bases() {
        let items = items_of(&base.epoch.ops);
        let adversary = Adversary::new(&base.ledger, &base.epoch);
        let attempt = adversary.attempt(&circuit(base.ledger.market()), &items, &[]);
        assert!(
            adversary.assert_replay(&items, &attempt, &base.name),
            "{}: the valid batch does not prove: {attempt:?}",
            base.name
        );
        for (k, mutation) in classes.iter().enumerate() {
            if let Some(p) = check(base, mutation, OpKinds::ALL) {
                tried[k] += 1;
                proved[k] += usize::from(p);
            }
        }
    }
    for ((mutation, tried), proved) in classes.iter().zip(&tried).zip(&proved) {
        eprintln!("{mutation:?}: {tried} bases, {proved} proved and replayed");
        assert!(*tried > 0, "{mutation:?} applied to no base");
    }
}
