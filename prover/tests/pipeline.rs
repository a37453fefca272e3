//! The proof pipeline end to end with small parameters (tree depth 8, two
//! steps per chunk, a light and a heavy layout): two chained epochs prove
//! and verify with the ledger's roots; an epoch that does not continue the
//! chain cannot be proven; an interrupted run resumes from its checkpoints
//! to the same statement; the wrap takes a proof of either layout's circuit
//! under its own key and nothing else.

use std::sync::Mutex;

#[path = "support/mod.rs"]
mod support;

use zksettle_circuits::chunk::{ChunkParams, OpKinds, Transfers};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::RecursionError;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::assign::{chunk_witnesses_for, prelude_witness};
use zksettle_prover::export::expected_statement;
use zksettle_prover::ledger::{EpochWitness, Ledger};
use zksettle_prover::pipeline::{
    manifest, prove_chain, prove_epoch, Checkpoints, EpochProof, Stage,
};
use zksettle_verifier::EMPTY_HISTORY;

const DEPTH: u32 = 8;
const CAPACITY: usize = 2;

fn small_market() -> Market {
    let mut m = market();
    m.tree_depth = DEPTH;
    m
}

struct History {
    market: Market,
    genesis: Ledger,
    epochs: Vec<(Epoch, EpochWitness, Ledger)>,
}

/// Genesis, then epoch 1 (three operations: two chunks) and epoch 2 (one
/// operation: one chunk).
fn history() -> History {
    let market = small_market();
    let mut genesis_state = state(vec![
        account(3, 100_000 * USD, &[]),
        account(4, 100_000 * USD, &[]),
    ]);
    let mut ops = vec![
        op::deposit(5, 50 * USD),
        op::trade(3, 4, 0, 10, MARKS[0]),
        signed_withdraw(&market, 3, 1_000 * USD, 0),
    ];
    rest_orders(&market, &mut genesis_state, &mut ops);
    let genesis = Ledger::from_state(market.clone(), &genesis_state).unwrap();
    let mut first = Epoch {
        ops,
        ..epoch(&market, genesis.root(), vec![])
    };
    attest_deposits(&market, &mut first, 0);
    let (after_first, w1) = genesis.apply_epoch(&first).unwrap();
    let second = next_epoch(
        &market,
        &after_first.to_state(),
        after_first.root(),
        &Quote::default(),
        vec![signed_withdraw(&market, 4, 2_000 * USD, 0)],
    );
    let (after_second, w2) = after_first.apply_epoch(&second).unwrap();
    History {
        market,
        genesis,
        epochs: vec![(first, w1, after_first), (second, w2, after_second)],
    }
}

/// Light then heavy, both of `CAPACITY` steps.
fn layouts(market: &Market) -> Vec<ChunkParams> {
    let heavy = ChunkParams {
        shape: MarketShape::of(market),
        capacity: CAPACITY,
        signatures: zksettle_circuits::chunk::desk_slots(CAPACITY),
        kinds: OpKinds::ALL,
    };
    let light = ChunkParams {
        kinds: OpKinds::LIGHT,
        ..heavy
    };
    vec![light, heavy]
}

/// The circuits of the small market, built once per test binary.
fn circuits(market: &Market) -> &'static CircuitSet {
    static SET: std::sync::OnceLock<CircuitSet> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| CircuitSet::build_layouts(&layouts(market)));
    assert_eq!(set.layouts(), layouts(market), "one market shape");
    set
}

fn prove(
    set: &CircuitSet,
    h: &History,
    k: usize,
    checkpoints: Option<&Checkpoints>,
) -> (EpochProof, Vec<Stage>) {
    let (epoch, witness, _) = &h.epochs[k];
    let chunks = chunk_witnesses_for(epoch, witness, &set.layouts()).unwrap();
    assert!(
        chunks.iter().all(|c| set.layout_for(c) == 0),
        "no liquidation: every chunk is light"
    );
    let stages = Mutex::new(Vec::new());
    let prelude = prelude_witness(epoch, witness);
    let proof = prove_epoch(set, &h.market, &prelude, &chunks, checkpoints, &|s| {
        stages.lock().unwrap().push(s)
    })
    .unwrap();
    (proof, stages.into_inner().unwrap())
}

#[test]
fn chained_epochs_prove_resume_and_reject_what_does_not_join() {
    let h = history();
    let set = circuits(&h.market);
    let genesis_root = h.genesis.root();
    let dir = tempfile::tempdir().unwrap();

    // Epoch 1, checkpointed.
    let (epoch1, witness1, ledger1) = &h.epochs[0];
    let statement1 = expected_statement(&h.market, genesis_root, epoch1, witness1, &EMPTY_HISTORY);
    let checkpoints = Checkpoints::open(dir.path(), &manifest(set, &statement1)).unwrap();
    let (first, stages) = prove(set, &h, 0, Some(&checkpoints));
    assert_eq!(first.chunks, 2);
    assert_eq!(first.folds, 2, "the prelude and two chunks");
    assert!(stages.iter().all(|s| !matches!(
        s,
        Stage::Prelude { resumed: true }
            | Stage::Chunk { resumed: true, .. }
            | Stage::Fold { resumed: true, .. }
    )));
    assert_eq!(first.statement.priced, 1, "one prelude");
    assert_eq!(first.statement.root_in, genesis_root);
    assert_eq!(
        first.statement.root_out,
        ledger1.root(),
        "the ledger's root"
    );
    assert_eq!(first.statement.batch_out, witness1.batch_hash);
    assert_eq!(first.statement.op_count, 3);
    assert_eq!(set.fold.verify(&first.proof).unwrap(), first.statement);

    // An interrupted run: the folds and one wrap were not written yet, and
    // a chunk proof was damaged on disk. The rerun reuses what is left.
    std::fs::remove_file(dir.path().join("fold-01-0000.proof")).unwrap();
    std::fs::remove_file(dir.path().join("fold-02-0000.proof")).unwrap();
    std::fs::remove_file(dir.path().join("wrap-0001.proof")).unwrap();
    let damaged = dir.path().join("chunk-0000.proof");
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&damaged, bytes).unwrap();
    let (resumed, stages) = prove(set, &h, 0, Some(&checkpoints));
    assert!(stages.contains(&Stage::Chunk {
        index: 0,
        resumed: true
    }));
    assert!(stages.contains(&Stage::Prelude { resumed: true }));
    assert!(stages.contains(&Stage::Fold {
        level: 1,
        index: 0,
        resumed: false
    }));
    assert_eq!(resumed.statement, first.statement, "the same outcome");
    let again = Checkpoints::open(dir.path(), &manifest(set, &statement1)).unwrap();
    let (_, stages) = prove(set, &h, 0, Some(&again));
    assert!(
        stages.iter().all(|s| matches!(
            s,
            Stage::Planned { .. }
                | Stage::Prelude { resumed: true }
                | Stage::Chunk { resumed: true, .. }
                | Stage::Fold { resumed: true, .. }
        )),
        "a finished run redoes nothing: {stages:?}"
    );

    // Epoch 2: one chunk, folded with the prelude.
    let (_, witness2, ledger2) = &h.epochs[1];
    let (second, _) = prove(set, &h, 1, None);
    assert_eq!((second.chunks, second.folds), (1, 1));
    assert_eq!(second.statement.root_out, ledger2.root());
    assert_eq!(second.statement.batch_out, witness2.batch_hash);
    assert_eq!(second.statement.op_count, 1);

    // The chain.
    let chain1 = prove_chain(set, None, &first, genesis_root).unwrap();
    let s1 = set.chain.verify(&chain1).unwrap();
    assert_eq!(
        s1, statement1,
        "the chain states the ledger's epoch and history"
    );
    assert_eq!(
        (s1.epoch, s1.genesis_root, s1.prev_root, s1.new_root),
        (1, genesis_root, genesis_root, ledger1.root())
    );
    let chain2 = prove_chain(set, Some(&chain1), &second, genesis_root).unwrap();
    let s2 = set.chain.verify(&chain2).unwrap();
    assert_eq!(
        (s2.epoch, s2.genesis_root, s2.prev_root, s2.new_root),
        (2, genesis_root, ledger1.root(), ledger2.root())
    );
    assert_eq!(s2.batch_hash, witness2.batch_hash);
    assert_eq!(s2.op_count, 1);
    assert_eq!(s2.market_hash, h.market.hash());
    assert_eq!(
        s2,
        expected_statement(
            &h.market,
            genesis_root,
            &h.epochs[1].0,
            witness2,
            &s1.history
        ),
        "the history folds epoch 2 onto epoch 1's"
    );
    // The final proof restates the chain proof.
    let final2 = set.final_circuit.prove(&chain2).unwrap();
    assert_eq!(set.final_circuit.verify(&final2).unwrap(), s2);

    // Epoch 2 cannot be chained without epoch 1, nor epoch 1 twice.
    for (previous, epoch, what) in [
        (None, &second, "epoch 2 straight after genesis"),
        (Some(&chain1), &first, "epoch 1 again after epoch 1"),
    ] {
        assert!(matches!(
            set.chain.prove(previous, &epoch.proof, genesis_root),
            Err(RecursionError::Chain(_))
        ));
        assert!(
            matches!(
                set.chain
                    .check_unchecked(previous, &epoch.proof, genesis_root),
                Err(RecursionError::Unprovable { .. })
            ),
            "{what} is satisfiable"
        );
    }
    // Nor from another genesis root.
    assert!(matches!(
        set.chain
            .prove_unchecked(None, &first.proof, ledger2.root()),
        Err(RecursionError::Unprovable { .. })
    ));
    assert!(matches!(
        set.chain
            .check_unchecked(None, &first.proof, ledger2.root()),
        Err(RecursionError::Unprovable { .. })
    ));

    // Circuits written to disk and read back prove the same statements,
    // and their proofs verify against the circuits that were built.
    let loaded = CircuitSet::from_bytes(&layouts(&h.market), &set.to_bytes().unwrap()).unwrap();
    let (again, _) = prove(&loaded, &h, 1, None);
    assert_eq!(again.statement, second.statement);
    let chain = prove_chain(&loaded, Some(&chain1), &again, genesis_root).unwrap();
    assert_eq!(set.chain.verify(&chain).unwrap(), s2);
}

/// What the fold joins and the chain closes, set wrong with real proofs: a
/// settlement of two holders cut across two chunks (a withdrawal and holder
/// 0, then holder 1). The two chunks fold; a second chunk that continues the
/// root and the batch but not the settlement registers (a deposit with none
/// open), or that is of another epoch number or time, does not; chunks in
/// the wrong order do not; and neither chunk alone is a whole epoch the
/// chain accepts (the first ends with a settlement open, the second starts
/// with one and from a non-empty batch).
#[test]
fn folds_and_the_chain_refuse_what_does_not_join() {
    use support::adversary::{items_of, Adversary};
    use zksettle_circuits::chunk::ChunkWitness;
    use zksettle_circuits::recursion::fold::Child;
    use zksettle_circuits::rules::ops::SettleExpiry;

    let (market, ledger, epoch) = support::scenario::open_settlement();
    let adversary = Adversary::new(&ledger, &epoch);
    let withdraw = signed_withdraw(&market, 7, USD, 0);
    let deposit = op::deposit(7, USD);
    let settle = Operation::SettleExpiry(SettleExpiry {
        instrument: 6,
        accounts: vec![3, 5],
    });
    let items = items_of(&[withdraw.clone(), settle]);
    let steps = adversary.steps(&items, &[]).unwrap();
    let halves = adversary.chunks(&steps, &[2]);
    // The deposit as the step after holder 0: it starts from holder 0's root.
    let mut detour = items[..2].to_vec();
    detour.extend(items_of(&[deposit]));
    let detour_steps = adversary.steps(&detour, &[]).unwrap();
    let detour_chunk = adversary.chunks(&detour_steps, &[2]).pop().unwrap();

    let set = circuits(&market);
    // A chunk as written, continuing the batch, registers and transfer logs
    // given.
    let chunk = |batch_in, carry_in, transfers_in, written: &ChunkWitness| ChunkWitness {
        batch_in,
        carry_in,
        transfers_in,
        ..written.clone()
    };
    // Each chunk with the layout the pipeline would not pick for it (the
    // heavy one, which holds anything) and the other with the light one: a
    // fold joins proofs of either layout.
    let wrap_with = |layout: usize, witness: &ChunkWitness| {
        let circuit = &set.chunks[layout];
        let proof = circuit.prove(&market, witness).expect("the chunk proves");
        let statement = circuit.verify(&proof).unwrap();
        let wrapped = set
            .wrap
            .prove(layout, &proof, &set.fold.data.verifier_only)
            .unwrap();
        (wrapped, statement)
    };
    let wrap = |witness: &ChunkWitness| wrap_with(0, witness);
    let first = chunk(
        zksettle_circuits::rules::encoding::ZERO_DIGEST,
        zksettle_circuits::chunk::SettleCarry::CLOSED,
        Transfers::NONE,
        &halves[0],
    );
    let (w0, s0) = wrap_with(1, &first);
    assert!(s0.carry_out.open, "the first chunk ends mid-settlement");
    assert_eq!(halves[1].root_in, s0.root_out);
    let second = chunk(s0.batch_out, s0.carry_out, s0.transfers_out, &halves[1]);
    let (w1, s1) = wrap(&second);
    let prelude = zksettle_circuits::prelude::PreludeWitness {
        reports: epoch.reports.clone(),
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        root: ledger.root(),
        deposit_report: epoch.deposit_report.clone(),
    };
    let priced = set
        .prove_prelude(&market, &prelude)
        .expect("the reports price the epoch");
    let opened = set
        .fold
        .prove(Child::Prelude(&priced), Child::Wrap(&w0))
        .expect("the prelude and the first half fold");
    let fold = set
        .fold
        .prove(Child::Fold(&opened), Child::Wrap(&w1))
        .expect("the halves of the settlement fold");
    let genesis = ledger.root();
    let chain = set
        .chain
        .prove(None, &fold, genesis)
        .expect("the whole epoch chains");
    assert_eq!(set.chain.verify(&chain).unwrap().op_count, 2);

    let (w_detour, _) = wrap(&chunk(
        s0.batch_out,
        zksettle_circuits::chunk::SettleCarry::CLOSED,
        s0.transfers_out,
        &detour_chunk,
    ));
    let later = ChunkWitness {
        timestamp: epoch.timestamp + 1,
        ..second.clone()
    };
    let renumbered = ChunkWitness {
        epoch: epoch.epoch + 1,
        ..second.clone()
    };
    let (w_later, _) = wrap(&later);
    let (w_renumbered, _) = wrap(&renumbered);
    for (what, left, right) in [
        ("settlement registers", &w0, &w_detour),
        ("timestamp", &w0, &w_later),
        ("epoch", &w0, &w_renumbered),
        ("root (chunks swapped)", &w1, &w0),
    ] {
        assert!(
            matches!(
                set.fold
                    .check_unchecked(Child::Wrap(left), Child::Wrap(right)),
                Err(RecursionError::Unprovable { .. })
            ),
            "a fold of children whose {what} do not join is satisfiable"
        );
        assert!(matches!(
            set.fold.prove(Child::Wrap(left), Child::Wrap(right)),
            Err(RecursionError::Join(_))
        ));
    }
    // An epoch proof that ends open, or a wrap offered as the epoch proof
    // (the second half, which starts open), does not chain.
    for (what, half) in [("ends open", &opened), ("is a wrap", &w1)] {
        assert!(
            matches!(
                set.chain.check_unchecked(None, half, genesis),
                Err(RecursionError::Unprovable { .. })
            ),
            "an epoch that {what} chained"
        );
    }
    // The constraint check and the prover agree on one of them.
    assert!(matches!(
        set.fold
            .prove_unchecked(Child::Wrap(&w0), Child::Wrap(&w_detour)),
        Err(RecursionError::Unprovable { .. })
    ));
    assert_eq!(s1.carry_out, zksettle_circuits::chunk::SettleCarry::CLOSED);
}

/// Custody with real proofs: an epoch whose chunk credits a deposit chains
/// only under a prelude whose custodians' report attests exactly it. A
/// chunk stating another report than the prelude's does not fold with it;
/// an epoch whose prelude attests nothing (or another deposit) while its
/// chunk credits one folds (the chunk states the prelude's report) but does
/// not chain.
#[test]
fn the_chain_credits_only_the_deposits_the_custodians_attested() {
    use support::adversary::{items_of, Adversary};
    use zksettle_circuits::chunk::{AttestedDeposits, ChunkWitness};
    use zksettle_circuits::prelude::PreludeWitness;
    use zksettle_circuits::recursion::fold::Child;
    use zksettle_circuits::rules::custody::{self, DepositReport};

    let (market, ledger, epoch) = support::scenario::open_settlement();
    let deposit = op::deposit(7, USD);
    let mut attested = Epoch {
        ops: vec![deposit.clone()],
        ..epoch.clone()
    };
    custody::attest(&mut attested, &market, &custodian_signers(&market));
    let report = attested.deposit_report.clone().expect("one deposit");
    let other = DepositReport::sign(
        &market,
        &custody::deposits_of(&[op::deposit(7, 2 * USD)]),
        &custodian_signers(&market),
    );
    let adversary = Adversary::new(&ledger, &attested);
    let steps = adversary.steps(&items_of(&[deposit]), &[]).unwrap();
    let written = adversary.chunks(&steps, &[]).pop().unwrap();
    let set = circuits(&market);
    // The chunk stating `report`'s deposits, wrapped; the prelude of `report`.
    let wrapped = |report: Option<&DepositReport>| {
        let chunk = ChunkWitness {
            deposit_report: AttestedDeposits::of(report),
            ..written.clone()
        };
        let proof = set.chunks[0]
            .prove(&market, &chunk)
            .expect("the chunk proves");
        set.wrap
            .prove(0, &proof, &set.fold.data.verifier_only)
            .unwrap()
    };
    let priced = |report: Option<&DepositReport>| {
        let prelude = PreludeWitness {
            reports: epoch.reports.clone(),
            epoch: epoch.epoch,
            timestamp: epoch.timestamp,
            root: ledger.root(),
            deposit_report: report.cloned(),
        };
        set.prove_prelude(&market, &prelude)
            .expect("the custodians' report proves")
    };
    let genesis = ledger.root();
    let honest = set
        .fold
        .prove(
            Child::Prelude(&priced(Some(&report))),
            Child::Wrap(&wrapped(Some(&report))),
        )
        .expect("the prelude and the chunk fold");
    let chained = set
        .chain
        .prove(None, &honest, genesis)
        .expect("the attested deposit chains");
    let statement = set.chain.verify(&chained).unwrap();
    assert_eq!(statement.transfers.deposited, USD);
    assert_eq!(statement.transfers.deposit_log, report.deposit_log);

    // A chunk stating another report than its prelude's does not fold.
    assert!(
        matches!(
            set.fold.check_unchecked(
                Child::Prelude(&priced(None)),
                Child::Wrap(&wrapped(Some(&report)))
            ),
            Err(RecursionError::Unprovable { .. })
        ),
        "a chunk folded with a prelude of another deposit report"
    );
    // Stating the prelude's report, it folds, and the epoch does not chain.
    for (what, attests) in [("nothing", None), ("another deposit", Some(&other))] {
        let epoch_proof = set
            .fold
            .prove(
                Child::Prelude(&priced(attests)),
                Child::Wrap(&wrapped(attests)),
            )
            .expect("the chunk states its prelude's report: they fold");
        assert!(
            matches!(
                set.chain.check_unchecked(None, &epoch_proof, genesis),
                Err(RecursionError::Unprovable { .. })
            ),
            "a deposit chained under a prelude attesting {what}"
        );
        assert!(matches!(
            set.chain.prove(None, &epoch_proof, genesis),
            Err(RecursionError::Chain(_))
        ));
    }
}

/// The prelude's prices bind every chunk and the chain takes exactly one
/// prelude, with real proofs: a chunk given another price sheet, or other
/// report hashes, than the prelude's proves on its own but does not fold
/// with the prelude; an epoch of chunks with no prelude, or with two,
/// folds but does not chain; the honest tree chains.
#[test]
fn every_chunk_is_priced_by_the_one_prelude_of_its_epoch() {
    use zksettle_circuits::chunk::ChunkWitness;
    use zksettle_circuits::recursion::fold::Child;
    use zksettle_circuits::rules::sheet::PriceSheet;

    let h = history();
    let set = circuits(&h.market);
    let fold_key = &set.fold.data.verifier_only;
    let (epoch, witness, _) = &h.epochs[0];
    let chunks = chunk_witnesses_for(epoch, witness, &set.layouts()).unwrap();
    assert_eq!(chunks.len(), 2);
    let wrap = |chunk: &ChunkWitness| {
        let proof = set.chunks[0]
            .prove(&h.market, chunk)
            .expect("the chunk proves");
        set.wrap.prove(0, &proof, fold_key).unwrap()
    };
    let (w0, w1) = (wrap(&chunks[0]), wrap(&chunks[1]));
    let priced = set
        .prove_prelude(&h.market, &prelude_witness(epoch, witness))
        .unwrap();
    let genesis = h.genesis.root();

    // Epoch 2's one chunk (a withdrawal, which any nearby prices allow)
    // with other prices than its prelude's (spot of underlying 0 a tick
    // up), or other report hashes: each proves, neither folds with the
    // prelude; the honest chunk does.
    let (epoch2, witness2, _) = &h.epochs[1];
    let [chunk2] = &chunk_witnesses_for(epoch2, witness2, &set.layouts()).unwrap()[..] else {
        panic!("epoch 2 is one chunk")
    };
    let priced2 = set
        .prove_prelude(&h.market, &prelude_witness(epoch2, witness2))
        .unwrap();
    let mut prices = witness2.sheet.prices.clone();
    prices.spot[0] += 100;
    let repriced = ChunkWitness {
        sheet: PriceSheet::at(&h.market, witness2.sheet.report_hashes.clone(), prices),
        ..chunk2.clone()
    };
    let mut hashes = witness2.sheet.report_hashes.clone();
    hashes[0].elements[0] += <zksettle_circuits::config::F as plonky2::field::types::Field>::ONE;
    let rehashed = ChunkWitness {
        sheet: PriceSheet {
            report_hashes: hashes,
            ..witness2.sheet.clone()
        },
        ..chunk2.clone()
    };
    set.fold
        .prove(Child::Prelude(&priced2), Child::Wrap(&wrap(chunk2)))
        .expect("the honest chunk folds with its prelude");
    for (what, chunk) in [("price sheet", &repriced), ("report hashes", &rehashed)] {
        let lying = wrap(chunk);
        assert!(
            matches!(
                set.fold
                    .check_unchecked(Child::Prelude(&priced2), Child::Wrap(&lying)),
                Err(RecursionError::Unprovable { .. })
            ),
            "a chunk with another {what} than the prelude's folds with it"
        );
        assert!(matches!(
            set.fold
                .prove(Child::Prelude(&priced2), Child::Wrap(&lying)),
            Err(RecursionError::Join(_))
        ));
    }

    // No prelude: the chunks fold, the chain refuses the epoch.
    let unpriced = set
        .fold
        .prove(Child::Wrap(&w0), Child::Wrap(&w1))
        .expect("chunks fold without a prelude");
    // Two preludes, then the chunks.
    let twice = set
        .fold
        .prove(Child::Prelude(&priced), Child::Prelude(&priced))
        .expect("two preludes fold");
    let twice = set
        .fold
        .prove(Child::Fold(&twice), Child::Wrap(&w0))
        .unwrap();
    let twice = set
        .fold
        .prove(Child::Fold(&twice), Child::Wrap(&w1))
        .unwrap();
    for (what, proof) in [("no prelude", &unpriced), ("two preludes", &twice)] {
        assert!(
            matches!(
                set.chain.check_unchecked(None, proof, genesis),
                Err(RecursionError::Unprovable { .. })
            ),
            "an epoch of {what} chained"
        );
        assert!(matches!(
            set.chain.prove(None, proof, genesis),
            Err(RecursionError::Chain(_))
        ));
    }

    // The honest tree: the prelude first.
    let opened = set
        .fold
        .prove(Child::Prelude(&priced), Child::Wrap(&w0))
        .unwrap();
    let whole = set
        .fold
        .prove(Child::Fold(&opened), Child::Wrap(&w1))
        .unwrap();
    let chain = set.chain.prove(None, &whole, genesis).expect("chains");
    assert_eq!(set.chain.verify(&chain).unwrap().op_count, 3);
}

/// The wrap verifies a chunk proof under the key its choice names, one of
/// the set's layouts: a light proof under the heavy key does not wrap, nor
/// does a proof of a chunk circuit of the same shape outside the set (a
/// light circuit of another capacity) under either key; the honest choice
/// wraps.
#[test]
fn the_wrap_takes_each_layout_under_its_own_key_and_nothing_else() {
    use zksettle_circuits::chunk::ChunkCircuit;
    let h = history();
    let set = circuits(&h.market);
    let (epoch, witness, _) = &h.epochs[1];
    let chunks = chunk_witnesses_for(epoch, witness, &set.layouts()).unwrap();
    let [chunk] = &chunks[..] else {
        panic!("epoch 2 is one chunk")
    };
    let fold_key = &set.fold.data.verifier_only;
    let light = &set.chunks[0];
    let proof = light.prove(&h.market, chunk).unwrap();
    set.wrap
        .prove(0, &proof, fold_key)
        .expect("the light key wraps it");
    assert!(matches!(
        set.wrap.prove(1, &proof, fold_key),
        Err(RecursionError::Unprovable { .. })
    ));
    assert!(matches!(
        set.wrap.prove(2, &proof, fold_key),
        Err(RecursionError::Witness(_))
    ));

    let outsider = ChunkCircuit::build_padded(
        ChunkParams {
            capacity: CAPACITY + 1,
            ..light.params
        },
        Some(&light.data.common),
    );
    assert_eq!(outsider.data.common, light.data.common, "the same shape");
    let foreign = outsider.prove(&h.market, chunk).unwrap();
    for layout in 0..set.chunks.len() {
        assert!(
            matches!(
                set.wrap.prove(layout, &foreign, fold_key),
                Err(RecursionError::Unprovable { .. })
            ),
            "a proof of a circuit outside the set wraps as layout {layout}"
        );
    }
}
