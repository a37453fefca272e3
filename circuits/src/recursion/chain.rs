//! The chain circuit: one proof for the whole history (IVC).
//!
//! A chain proof for epoch `e` verifies the epoch proof of `e` (the fold
//! proof at the root of its tree, against the fold circuit's key, a
//! constant) and, unless `e` is the first
//! epoch, the chain proof of `e - 1` (against its own key: plonky2 cyclic
//! recursion; the first epoch verifies a dummy proof instead). It checks:
//! * the epoch proof is a whole epoch: its batch commitment and transfer
//!   logs start empty, no settlement is open at either end (every settlement
//!   register zero in and out), its deposit log and total are the ones its
//!   custodians' report attested (the prelude verified the signatures), exactly one prelude priced it (`priced == 1`: its report
//!   hashes and price sheet are the ones the prelude checked and derived),
//!   and its key slot holds the fold circuit's key;
//! * first epoch: it is epoch 1 and starts from the genesis root;
//! * later epochs: the epoch number is the previous one plus one, the root
//!   continues the previous new root, the timestamp does not go down, and the
//!   market hash and genesis root are the previous proof's;
//! * the history: the epoch's record (number, timestamp, roots, batch
//!   commitment, deposit and withdrawal logs and totals, operation count,
//!   report hashes) is folded into the previous
//!   proof's history (the empty history for epoch 1), exactly as
//!   `zksettle_verifier::history` folds it, and published.
//!
//! Public inputs: the statement and history of `docs/design.md` section 3.1
//! ([`PublicInputs`]), then
//! the chain circuit's own key. Rows: two proof verifications and about 25
//! rows of joins and hashing; 2^13 rows.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;
use plonky2::recursion::cyclic_recursion::check_cyclic_proof_verifier_data;
use plonky2::recursion::dummy_circuit::cyclic_base_proof;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};
use zksettle_verifier::{domain, key_len, Layout, PublicInputs};

use super::fold::FoldCircuit;
use super::segment::{hash_at, SegmentTargets};
use super::shape::{fixed_point, pad_to};
use super::{key_targets, prove_checked, statement, Proof, RecursionError};
use crate::config::{C, D, F};
use crate::rules::encoding::Digest;

/// Bits every timestamp is kept below, so a difference of two is a
/// comparison (`docs/design.md` section 2).
const TIMESTAMP_BITS: usize = 62;

/// FRI rate of the chain proof (the proof light clients download and
/// verify): a blowup of 2^5 instead of 2^3.
const CHAIN_RATE_BITS: usize = 5;

/// FRI queries of the chain proof: 5 x 17 + 16 bits of grinding is 101
/// conjectured bits, as plonky2's standard 3 x 28 + 16.
const CHAIN_QUERY_ROUNDS: usize = 17;

/// The chain circuit's configuration: plonky2's standard recursion config
/// with a higher FRI rate and fewer queries for the same conjectured
/// security, which makes the chain proof ~30% smaller and quicker to verify
/// (and the chain step slower to prove, on a circuit of only 2^13 rows).
pub fn chain_config() -> CircuitConfig {
    let mut config = CircuitConfig::standard_recursion_config();
    config.fri_config.rate_bits = CHAIN_RATE_BITS;
    config.fri_config.num_query_rounds = CHAIN_QUERY_ROUNDS;
    config
}

struct ChainTargets {
    epoch_proof: ProofWithPublicInputsTarget<D>,
    previous: ProofWithPublicInputsTarget<D>,
    has_previous: BoolTarget,
    genesis_root: HashOutTarget,
}

/// A built chain circuit.
pub struct ChainCircuit {
    /// Prover and verifier data.
    pub data: CircuitData<F, C, D>,
    /// Reports per statement.
    pub quorum: usize,
    targets: ChainTargets,
}

fn lay_out(
    shape: &CommonCircuitData<F, D>,
    fold: &FoldCircuit,
) -> (CircuitBuilder<F, D>, ChainTargets) {
    let quorum = fold.quorum;
    let mut builder = CircuitBuilder::<F, D>::new(chain_config());
    let b = &mut builder;

    // The epoch proof: the fold proof of a whole epoch (its prelude and
    // at least one chunk).
    let epoch_proof = b.add_virtual_proof_with_pis(&fold.data.common);
    let fold_key = b.constant_verifier_data(&fold.data.verifier_only);
    b.verify_proof::<C>(&epoch_proof, &fold_key, &fold.data.common);
    let slot = SegmentTargets::len(quorum);
    for (pi, k) in epoch_proof.public_inputs[slot..]
        .iter()
        .zip(key_targets(&fold_key))
    {
        b.connect(*pi, k);
    }
    let epoch = SegmentTargets::read(&epoch_proof.public_inputs, quorum);
    let zero = b.zero();
    for e in epoch
        .batch_in
        .elements
        .into_iter()
        .chain(epoch.carry_in)
        .chain(epoch.carry_out)
        .chain(epoch.transfers_in)
    {
        b.connect(e, zero);
    }
    // The epoch credited exactly the deposits its custodians attested (the
    // prelude verified their signatures over these values): the first five
    // elements of the transfers are the deposit log and total.
    for (&attested, &credited) in epoch.deposit_report.iter().zip(&epoch.transfers_out) {
        b.connect(attested, credited);
    }
    let one = b.one();
    b.connect(epoch.priced, one);
    b.range_check(epoch.timestamp, TIMESTAMP_BITS);

    // The previous chain proof, or none for the first epoch.
    let has_previous = b.add_virtual_bool_target_safe();
    let previous = b.add_virtual_proof_with_pis(shape);
    let p = &previous.public_inputs;
    let layout = Layout::of(quorum);
    let (p_market, p_genesis, p_new_root) = (
        hash_at(p, layout.market_hash),
        hash_at(p, layout.genesis_root),
        hash_at(p, layout.new_root),
    );
    let (p_epoch, p_timestamp) = (p[layout.epoch], p[layout.timestamp]);
    let p_history = hash_at(p, layout.history);
    let genesis_root = b.add_virtual_hash();

    for k in 0..4 {
        let start = b.select(
            has_previous,
            p_new_root.elements[k],
            genesis_root.elements[k],
        );
        b.connect(epoch.root_in.elements[k], start);
    }
    let next = b.add(p_epoch, one);
    let number = b.select(has_previous, next, one);
    b.connect(epoch.epoch, number);
    for k in 0..4 {
        b.conditional_assert_eq(
            has_previous.target,
            p_market.elements[k],
            epoch.market_hash.elements[k],
        );
        b.conditional_assert_eq(
            has_previous.target,
            p_genesis.elements[k],
            genesis_root.elements[k],
        );
    }
    let gap = b.sub(epoch.timestamp, p_timestamp);
    let gap = b.mul(has_previous.target, gap);
    b.range_check(gap, TIMESTAMP_BITS);

    // The history: the previous one (empty for epoch 1) and this epoch's record.
    let mut record = vec![b.constant(F::from_canonical_u64(domain::EPOCH_RECORD))];
    record.extend([epoch.epoch, epoch.timestamp]);
    for h in [epoch.root_in, epoch.root_out, epoch.batch_out] {
        record.extend(h.elements);
    }
    record.extend(epoch.transfers_out);
    record.push(epoch.op_count);
    for h in &epoch.report_hashes {
        record.extend(h.elements);
    }
    let record = b.hash_n_to_hash_no_pad::<PoseidonHash>(record);
    let mut step = vec![b.constant(F::from_canonical_u64(domain::HISTORY))];
    for k in 0..4 {
        step.push(b.mul(has_previous.target, p_history.elements[k]));
    }
    step.extend(record.elements);
    let history = b.hash_n_to_hash_no_pad::<PoseidonHash>(step);

    // The statement and history of `docs/design.md` section 3.1, then the
    // circuit's own key.
    let mut public = Vec::with_capacity(PublicInputs::len(quorum));
    for h in [
        epoch.market_hash,
        genesis_root,
        epoch.root_in,
        epoch.root_out,
    ] {
        public.extend(h.elements);
    }
    public.extend([epoch.epoch, epoch.timestamp]);
    public.extend(epoch.batch_out.elements);
    public.extend(epoch.transfers_out);
    for h in &epoch.report_hashes {
        public.extend(h.elements);
    }
    public.push(epoch.op_count);
    public.extend(history.elements);
    debug_assert_eq!(public.len(), layout.len);
    b.register_public_inputs(&public);
    b.add_verifier_data_public_inputs();
    b.conditionally_verify_cyclic_proof_or_dummy::<C>(has_previous, &previous, shape)
        .expect("the shape has the verifier key slot");
    pad_to(b, shape);
    let targets = ChainTargets {
        epoch_proof,
        previous,
        has_previous,
        genesis_root,
    };
    (builder, targets)
}

impl ChainCircuit {
    /// Builds the chain circuit over `fold`'s epoch proofs (finds its own
    /// shape first: a few builds, from `start`, the shape of any circuit
    /// of only plonky2's gates: a gate of ours in the chain's shape would
    /// reach the dummy proof of its first epoch, which plonky2 serialises
    /// with its default gates only).
    pub fn build(fold: &FoldCircuit, start: &CommonCircuitData<F, D>) -> Self {
        let mut start = start.clone();
        start.config = chain_config();
        start.fri_params.config = start.config.fri_config.clone();
        let shape = fixed_point(start, |guess| {
            let mut guess = guess.clone();
            guess.num_public_inputs = PublicInputs::len(fold.quorum) + key_len(&guess);
            // A guess that is not yet the shape fails plonky2's cyclic check:
            // keep the shape it produced for the next round.
            lay_out(&guess, fold)
                .0
                .try_build_with_options::<C>(true)
                .0
                .common
        });
        let (builder, targets) = lay_out(&shape, fold);
        let data = builder.build::<C>();
        assert_eq!(data.common, shape, "the chain circuit has its own shape");
        Self {
            data,
            quorum: fold.quorum,
            targets,
        }
    }

    /// Proves epoch `epoch_proof` on top of `previous` (`None` for epoch 1,
    /// which starts from `genesis_root`). Checks the join natively first.
    pub fn prove(
        &self,
        previous: Option<&Proof>,
        epoch_proof: &Proof,
        genesis_root: Digest,
    ) -> Result<Proof, RecursionError> {
        let epoch = statement(epoch_proof, self.quorum)?;
        let chain_err = |s: String| Err(RecursionError::Chain(s));
        let previous_statement = previous.map(|p| self.statement(p)).transpose()?;
        if epoch.priced != 1 {
            return chain_err(format!(
                "epoch {} is priced by {} preludes, not one",
                epoch.epoch, epoch.priced
            ));
        }
        if epoch.transfers_in != crate::rules::custody::Transfers::NONE {
            return chain_err(format!(
                "epoch {} does not start its transfer logs empty",
                epoch.epoch
            ));
        }
        if !epoch.deposit_report.covers(&epoch.transfers_out) {
            return chain_err(format!(
                "epoch {} credits deposits its custodians did not attest",
                epoch.epoch
            ));
        }
        match &previous_statement {
            None if epoch.epoch != 1 => {
                return chain_err(format!(
                    "epoch {} has no previous chain proof (only epoch 1 starts the chain)",
                    epoch.epoch
                ))
            }
            None if epoch.root_in != genesis_root => {
                return chain_err("epoch 1 does not start from the genesis root".into())
            }
            Some(p) if p.epoch + 1 != epoch.epoch => {
                return chain_err(format!(
                    "epoch {} does not follow epoch {}",
                    epoch.epoch, p.epoch
                ))
            }
            Some(p) if p.new_root != epoch.root_in => {
                return chain_err(format!(
                    "epoch {} does not start from the root epoch {} ended with",
                    epoch.epoch, p.epoch
                ))
            }
            Some(p) if p.timestamp > epoch.timestamp => {
                return chain_err(format!(
                    "epoch {} is timed before epoch {}",
                    epoch.epoch, p.epoch
                ))
            }
            Some(p) if p.market_hash != epoch.market_hash => {
                return chain_err("the market hash changed".into())
            }
            Some(p) if p.genesis_root != genesis_root => {
                return chain_err("the genesis root changed".into())
            }
            _ => {}
        }
        self.prove_unchecked(previous, epoch_proof, genesis_root)
    }

    /// [`Self::prove`] without the native join check: the circuit alone
    /// decides (for tests that an epoch which does not join cannot be proven).
    pub fn prove_unchecked(
        &self,
        previous: Option<&Proof>,
        epoch_proof: &Proof,
        genesis_root: Digest,
    ) -> Result<Proof, RecursionError> {
        let pw = self.witness(previous, epoch_proof, genesis_root)?;
        prove_checked("chain", &self.data, pw)
    }

    /// Whether the chain step is satisfiable, decided by the constraint
    /// check that agrees with the prover (no native join check, no proof).
    pub fn check_unchecked(
        &self,
        previous: Option<&Proof>,
        epoch_proof: &Proof,
        genesis_root: Digest,
    ) -> Result<(), RecursionError> {
        let pw = self.witness(previous, epoch_proof, genesis_root)?;
        crate::check::check_witness(&self.data, pw)
            .map(drop)
            .map_err(|e| RecursionError::Unprovable {
                circuit: "chain",
                reason: e.to_string(),
            })
    }

    fn witness(
        &self,
        previous: Option<&Proof>,
        epoch_proof: &Proof,
        genesis_root: Digest,
    ) -> Result<PartialWitness<F>, RecursionError> {
        let t = &self.targets;
        let mut pw = PartialWitness::new();
        let has_previous = previous.is_some();
        let base;
        let previous = match previous {
            Some(p) => p,
            None => {
                base = cyclic_base_proof(
                    &self.data.common,
                    &self.data.verifier_only,
                    Default::default(),
                );
                &base
            }
        };
        pw.set_proof_with_pis_target(&t.epoch_proof, epoch_proof)
            .and_then(|()| pw.set_proof_with_pis_target(&t.previous, previous))
            .and_then(|()| pw.set_bool_target(t.has_previous, has_previous))
            .and_then(|()| pw.set_hash_target(t.genesis_root, genesis_root))
            .map_err(|e| RecursionError::Witness(e.to_string()))?;
        Ok(pw)
    }

    /// Writes the quorum and the targets the prover fills.
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        let t = &self.targets;
        out.write_usize(self.quorum)?;
        out.write_target_proof_with_public_inputs(&t.epoch_proof)?;
        out.write_target_proof_with_public_inputs(&t.previous)?;
        out.write_target_bool(t.has_previous)?;
        out.write_target_hash(&t.genesis_root)
    }

    /// A chain circuit from its data and what [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, C, D>, buf: &mut Buffer) -> IoResult<Self> {
        let quorum = buf.read_usize()?;
        let targets = ChainTargets {
            epoch_proof: buf.read_target_proof_with_public_inputs()?,
            previous: buf.read_target_proof_with_public_inputs()?,
            has_previous: buf.read_target_bool()?,
            genesis_root: buf.read_target_hash()?,
        };
        Ok(Self {
            data,
            quorum,
            targets,
        })
    }

    /// Verifies a chain proof, including that the key in its public inputs
    /// is this circuit's, and returns its statement.
    pub fn verify(&self, proof: &Proof) -> Result<PublicInputs, RecursionError> {
        let invalid = |e: anyhow::Error| RecursionError::Invalid {
            circuit: "chain",
            reason: e.to_string(),
        };
        check_cyclic_proof_verifier_data(proof, &self.data.verifier_only, &self.data.common)
            .map_err(invalid)?;
        self.data.verify(proof.clone()).map_err(invalid)?;
        self.statement(proof)
    }

    /// The statement of a chain proof, without verifying it.
    pub fn statement(&self, proof: &Proof) -> Result<PublicInputs, RecursionError> {
        let len = PublicInputs::len(self.quorum);
        let fields = proof.public_inputs.get(..len).ok_or_else(|| {
            RecursionError::Layout(format!(
                "{} elements, a chain statement needs {len}",
                proof.public_inputs.len()
            ))
        })?;
        PublicInputs::from_fields(fields, self.quorum)
            .map_err(|e| RecursionError::Layout(e.to_string()))
    }
}
