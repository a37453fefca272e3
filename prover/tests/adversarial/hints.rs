//! The malicious-generator mode: the adversary writes the hints too.
//!
//! A witness generator is not a constraint: the operator may run any
//! generator it likes under the unchanged verifier data. Here every
//! generator kind of the chunk and prelude circuits
//! ([`HintKind`]) is replaced, inside the real circuits, by one that writes
//! the alternatives its local constraints would admit if they were weaker
//! (`zksettle_circuits::hints`), and the constraint check (which agrees
//! with the prover) must refuse every one, except the values no output
//! depends on, which must then leave the statement unchanged.
//!
//! Every division of the chunk is tried one at a time with both wrapped
//! quotients. With the short-option minimum's old 58-bit quotient,
//! `the_reviews_margin_shift_is_refused` fails: the harness finds the hole.

use std::sync::{Mutex, MutexGuard, OnceLock};

use zksettle_circuits::chunk::{
    desk_slots, ChunkCircuit, ChunkError, ChunkParams, ChunkPublicInputs, ChunkWitness, OpKinds,
};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::hints::{division_sites, instances, with_cheating_hints, Cheat, HintKind};
use zksettle_circuits::prelude::{PreludeCircuit, PreludeWitness};
use zksettle_circuits::rules::custody::{DepositReport, Transfers};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::{liquidate, signed_withdraw};
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{small, CAPACITY};
use crate::support::adversary::{items_of, Adversary, Attempt};

/// The BTC put struck at 60,000.
const PUT: u32 = 1;

/// This binary's own chunk circuit (the shared one is immutable), built
/// once and lent to one test at a time.
fn chunk() -> MutexGuard<'static, ChunkCircuit> {
    static CIRCUIT: OnceLock<Mutex<ChunkCircuit>> = OnceLock::new();
    CIRCUIT
        .get_or_init(|| {
            Mutex::new(ChunkCircuit::build(ChunkParams {
                shape: MarketShape::of(&small(&market())),
                capacity: CAPACITY,
                signatures: desk_slots(CAPACITY),
                kinds: OpKinds::ALL,
            }))
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn prelude() -> MutexGuard<'static, PreludeCircuit> {
    static CIRCUIT: OnceLock<Mutex<PreludeCircuit>> = OnceLock::new();
    CIRCUIT
        .get_or_init(|| Mutex::new(PreludeCircuit::build(MarketShape::of(&market()), None)))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Account 3 holds 50,000 USD and is short 1 BTC of the 60,000 put;
/// account 4 is long it with 100,000 USD; account 5 is short 4 BTC of it
/// with 15,000 USD, below maintenance margin.
fn setup() -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let ledger = Ledger::from_state(
        market.clone(),
        &state(vec![
            account(3, 50_000 * USD, &[(PUT, -100)]),
            account(4, 100_000 * USD, &[(PUT, 500)]),
            account(5, 15_000 * USD, &[(PUT, -400)]),
        ]),
    )
    .unwrap();
    let epoch = epoch_with_quote(&market, ledger.root(), &Quote::default(), vec![]);
    (market, ledger, epoch)
}

/// The chunk witness of an honest chunk: account 3 withdraws 10,000 USD
/// (signed) and account 4 liquidates a quarter of account 5: every step
/// computes a margin, the desk verifies a signature.
fn honest_chunk() -> (Market, ChunkWitness) {
    let (market, ledger, epoch) = setup();
    let ops = vec![
        signed_withdraw(&market, 3, 10_000 * USD, 0),
        liquidate(5, 4, 2_500),
    ];
    let mut check = epoch.clone();
    check.ops = ops.clone();
    ledger
        .apply_epoch(&check)
        .expect("the honest chunk is valid natively");
    (market, chunk_of(&ledger, &epoch, &ops))
}

/// The first chunk witness of `ops` from `ledger` under `epoch`'s header,
/// built by the adversary (no native check).
fn chunk_of(ledger: &Ledger, epoch: &Epoch, ops: &[Operation]) -> ChunkWitness {
    let adversary = Adversary::new(ledger, epoch);
    let planned = adversary.steps(&items_of(ops), &[]).unwrap();
    adversary.chunks(&planned, &[CAPACITY]).remove(0)
}

/// Division `instance` of the chunk, cheated with either wrapped quotient,
/// does not satisfy the circuit.
fn assert_wrapped_quotients_refused(
    circuit: &mut ChunkCircuit,
    market: &Market,
    witness: &ChunkWitness,
    instance: usize,
    divisor: u64,
) {
    for alternative in 0..2 {
        let cheat = Cheat {
            kind: HintKind::Division,
            alternative,
            instance: Some(instance),
        };
        let (written, outcome) = check_with(circuit, market, witness, cheat);
        assert_eq!(written, 1);
        assert!(
            outcome.is_err(),
            "division {instance} (by {divisor}) accepted wrapped quotient {alternative}"
        );
    }
}

/// The statement of `chunk` under `cheat`, or why it cannot be proven.
fn check_with(
    circuit: &mut ChunkCircuit,
    market: &Market,
    chunk: &ChunkWitness,
    cheat: Cheat,
) -> (usize, Result<ChunkPublicInputs, String>) {
    let cheated = with_cheating_hints(circuit, cheat, |c| {
        c.check(market, chunk).map_err(|e| match e {
            ChunkError::Unprovable(why) => why,
            other => panic!("not a constraint failure: {other}"),
        })
    });
    (cheated.written, cheated.outcome)
}

/// The alternatives each kind's cheating generator tries (the first few
/// where a kind has many).
fn alternatives_of(kind: HintKind) -> usize {
    match kind {
        HintKind::Division | HintKind::Limb | HintKind::Gfp5Inverse | HintKind::PointDecode => 2,
        HintKind::Scan | HintKind::RowLookup | HintKind::Sort => 3,
        _ => 1,
    }
}

/// Alternatives no output depends on: the sign of a decoded point's
/// square-root certificate `r` (only `r^2` is constrained, and nothing
/// reads `r`). They must prove the honest statement.
fn inert(kind: HintKind, alternative: usize) -> bool {
    kind == HintKind::PointDecode && alternative == 1
}

#[test]
fn the_chunk_and_the_prelude_hold_every_hint_kind() {
    let chunk_kinds: Vec<_> = {
        let circuit = chunk();
        HintKind::ALL
            .into_iter()
            .filter(|&k| instances(&circuit.data, k) > 0)
            .collect()
    };
    let prelude_kinds: Vec<_> = {
        let circuit = prelude();
        HintKind::ALL
            .into_iter()
            .filter(|&k| instances(&circuit.data, k) > 0)
            .collect()
    };
    for kind in HintKind::ALL {
        assert!(
            chunk_kinds.contains(&kind) || prelude_kinds.contains(&kind),
            "{kind:?} is in neither circuit: drop it from HintKind or test where it is"
        );
    }
    assert!(prelude_kinds.contains(&HintKind::Sort));
    assert!(prelude_kinds.contains(&HintKind::Division));
    assert!(chunk_kinds.contains(&HintKind::Division));
}

#[test]
fn every_alternative_hint_in_a_chunk_is_refused() {
    let (market, witness) = honest_chunk();
    let mut circuit = chunk();
    // Control: a cheating generator that has no such alternative writes the
    // honest values, so the swap itself changes nothing.
    let control = Cheat {
        kind: HintKind::Division,
        alternative: usize::MAX,
        instance: None,
    };
    let (written, honest) = check_with(&mut circuit, &market, &witness, control);
    let honest = honest.expect("the honest chunk satisfies the circuit");
    assert_eq!(written, 0);
    for kind in HintKind::ALL {
        if instances(&circuit.data, kind) == 0 {
            continue;
        }
        for alternative in 0..alternatives_of(kind) {
            let cheat = Cheat {
                kind,
                alternative,
                instance: None,
            };
            let (written, outcome) = check_with(&mut circuit, &market, &witness, cheat);
            assert!(
                written > 0,
                "{kind:?}: no generator wrote alternative {alternative}"
            );
            if inert(kind, alternative) {
                assert_eq!(
                    outcome.as_ref(),
                    Ok(&honest),
                    "{kind:?} alternative {alternative} is inert: same statement"
                );
            } else {
                assert!(
                    outcome.is_err(),
                    "{kind:?} alternative {alternative} ({}) was accepted",
                    kind.argument()
                );
            }
        }
    }
}

#[test]
fn every_alternative_hint_in_the_prelude_is_refused() {
    let m = market();
    // Three oracles quoting different prices, so a sorted copy has
    // alternatives (a permutation, another median).
    let quotes = [0u64, 1, 3].map(|oracle| {
        let mut quote = Quote::default();
        for spot in &mut quote.spot {
            *spot += 100 * oracle * (oracle + 1) * 7;
        }
        for mark in &mut quote.mark {
            *mark += 100 * oracle;
        }
        report(&m, oracle as u32, NOW - 10, &quote)
    });
    let witness = PreludeWitness {
        reports: quotes.to_vec(),
        epoch: 1,
        timestamp: NOW,
        root: ZERO_DIGEST,
        // A real deposit report: its custodian slots and the "no deposits"
        // comparison are hinted values too.
        deposit_report: Some(DepositReport::sign(
            &m,
            &Transfers::NONE.deposit(9, &owner(9), 5 * USD, 0),
            &custodian_signers(&m),
        )),
    };
    let mut circuit = prelude();
    let honest = circuit.check(&m, &witness).expect("the honest prelude");
    for kind in HintKind::ALL {
        if instances(&circuit.data, kind) == 0 {
            continue;
        }
        for alternative in 0..alternatives_of(kind) {
            let cheat = Cheat {
                kind,
                alternative,
                instance: None,
            };
            let cheated = with_cheating_hints(&mut *circuit, cheat, |c| c.check(&m, &witness));
            let outcome = cheated.outcome;
            assert!(
                cheated.written > 0,
                "{kind:?}: no generator of the prelude wrote alternative {alternative}"
            );
            if inert(kind, alternative) {
                assert_eq!(outcome.ok(), Some(honest.clone()), "{kind:?} inert");
            } else {
                assert!(
                    matches!(outcome, Err(ChunkError::Unprovable(_))),
                    "{kind:?} alternative {alternative} was accepted in the prelude"
                );
            }
        }
    }
}

/// The soundness review's exploit: an account short a BTC put withdraws all
/// of its 50,000 USD (the rule book: below initial margin), with a division
/// by 100's quotient shifted by about p / 100 (a margin lowered by
/// ~1.8e17). Refused with honest and with cheating hints alike.
#[test]
fn the_reviews_margin_shift_is_refused() {
    let (market, ledger, epoch) = setup();
    let ops = vec![signed_withdraw(&market, 3, 50_000 * USD, 0)];
    let mut native = epoch.clone();
    native.ops = ops.clone();
    assert!(ledger.apply_epoch(&native).is_err(), "natively refused");
    let witness = chunk_of(&ledger, &epoch, &ops);
    let mut circuit = chunk();
    assert!(
        circuit.check(&market, &witness).is_err(),
        "honest hints: below initial margin"
    );
    // The operator shifts one division by 100 at a time (a short-option
    // minimum or a fee), either way.
    let sites = division_sites(&circuit.data);
    let by_100: Vec<usize> = (0..sites.len())
        .filter(|&i| sites[i] == (100, true))
        .collect();
    assert!(by_100.len() >= 2 * CAPACITY, "{by_100:?}");
    for &instance in &by_100 {
        assert_wrapped_quotients_refused(&mut circuit, &market, &witness, instance, 100);
    }
    // And through the adversary's usual path the withdrawal never proves.
    let attempt = Adversary::new(&ledger, &epoch).attempt(&circuit, &items_of(&ops), &[]);
    assert!(matches!(attempt, Attempt::Unprovable { .. }));
}

/// Every division of the chunk, one at a time, with either wrapped quotient.
#[test]
fn every_division_refuses_both_wrapped_quotients() {
    let (market, witness) = honest_chunk();
    let mut circuit = chunk();
    let sites = division_sites(&circuit.data);
    for (instance, &(divisor, _)) in sites.iter().enumerate() {
        assert_wrapped_quotients_refused(&mut circuit, &market, &witness, instance, divisor);
    }
    eprintln!(
        "{} divisions, each refused both wrapped quotients",
        sites.len()
    );
}
