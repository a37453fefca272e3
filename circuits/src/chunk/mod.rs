//! The chunk circuit: a fixed number of steps, each any operation or none,
//! moving the account tree from `root_in` to `root_out` by the rule book
//! alone (`docs/design.md` section 10).
//!
//! Once per chunk: the market is hashed and the epoch's price sheet (median
//! prices and risk arrays, taken as witness) is committed; the prelude
//! ([`crate::prelude`]) derives the sheet from the quorum's reports once per
//! epoch, and the fold requires every segment's `price_sheet` and report
//! hashes equal to the prelude's. Then `capacity` steps (see the `step` module) each read a batch item
//! and apply it; the running batch commitment, the operation count and the
//! settlement registers thread through (the registers enter and leave as
//! public inputs, so a settlement may span chunks; the fold joins them and
//! the chain requires them closed at both ends of an epoch). Signed steps
//! (user withdrawals) queue their key and message; after the steps, the
//! chunk's signature desk verifies one Schnorr signature per queued pair,
//! in order (`gadgets::authorization`). The circuit is built once from
//! [`ChunkParams`] and filled per chunk from a [`ChunkWitness`].

mod public;
mod step;
mod system;
mod witness;

pub use public::{
    carry_fields, carry_from_fields, AttestedDeposits, ChunkLayoutError, ChunkPublicInputs,
    SegmentLayout, CARRY_LEN,
};
pub use system::{SystemBalances, SystemWitness};
pub use witness::{ChunkWitness, PortWitness, SettleCarry, StepWitness, Transfers};

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::plonk::proof::ProofWithPublicInputs;

use crate::config::{C, D, F};
use crate::gadgets::authorization::{set_signature_desk, AuthorizationGadget, SignatureDeskTarget};
use crate::gadgets::custody::TransfersTarget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::market::{set_market, MarketGadget, MarketShape, MarketTarget};
use crate::gadgets::ops::SettleRegisters;
use crate::gadgets::oracle::TIME_BITS;
use crate::gadgets::sheet::{set_price_sheet, PriceSheetTarget, SheetGadget};
use crate::rules::custody::TRANSFERS_LEN;
use crate::rules::encoding::unsigned;
use crate::rules::market::Market;
use step::{add_step, set_step, StepContext, StepState, StepTargets};
use system::SystemTargets;

/// Steps per chunk of the heavy (universal) layout by default: 2^16 rows on
/// the simulated market (48 instruments, tree depth 20) hold 82 steps of 764
/// rows, the chunk's 111 rows of market hash, sheet commitment and system
/// write-back (the reports, medians and risk arrays are the prelude's, once
/// per epoch) and a signature desk of 8 slots (314 rows each), leaving under
/// one step's worth of room; see `zksettle stats`.
pub const DEFAULT_CAPACITY: usize = 82;

/// Steps per chunk of the light layout by default: 2^16 rows hold 83 steps
/// of 580 rows (every operation but liquidation), the chunk's own rows and
/// its desk of 52 slots ([`light_desk_slots`]): the layout of the signed
/// flow, where a trade fills two freshly signed orders (three steps, two
/// signatures).
pub const LIGHT_CAPACITY: usize = 83;

/// The desk of a light chunk of `capacity` steps: five slots per eight
/// steps, rounded up (a run of trades that each fill two new orders needs
/// two per three).
pub const fn light_desk_slots(capacity: usize) -> usize {
    (capacity * 5).div_ceil(8)
}

/// Signature slots of a chunk's desk at most (signed withdrawals, orders
/// and cancels per chunk; 314 rows each).
pub const DEFAULT_SIGNATURES: usize = 8;

/// The desk of a chunk of `capacity` steps: one slot per four steps, at
/// most [`DEFAULT_SIGNATURES`] (a chunk with more signed steps is cut
/// earlier by the assign step).
pub const fn desk_slots(capacity: usize) -> usize {
    let slots = capacity.div_ceil(4);
    if slots < DEFAULT_SIGNATURES {
        slots
    } else {
        DEFAULT_SIGNATURES
    }
}

/// What a chunk circuit is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkParams {
    /// Market shape (tree depth, instruments, scenarios, oracles, quorum).
    pub shape: MarketShape,
    /// Steps per chunk.
    pub capacity: usize,
    /// Signature slots of the chunk's desk: signed operations per chunk.
    pub signatures: usize,
    /// Operation types every step supports ([`OpKinds::ALL`] in production;
    /// one type to measure its rows).
    pub kinds: OpKinds,
}

impl ChunkParams {
    /// The layout's name: `heavy` (every operation type), `light` (all but
    /// liquidation), `custom` for any other set (one type, to count rows).
    pub fn layout_name(&self) -> &'static str {
        match self.kinds {
            OpKinds::ALL => "heavy",
            OpKinds::LIGHT => "light",
            _ => "custom",
        }
    }

    /// Whether a circuit of these parameters can hold `chunk` (its steps
    /// and signatures fit and every operation type is supported).
    pub fn fits(&self, chunk: &ChunkWitness) -> bool {
        chunk.steps.len() <= self.capacity
            && chunk.signatures.len() <= self.signatures
            && self.kinds.covers(chunk.kinds())
    }
}

/// A set of operation types, by batch tag (`rules::ops::tag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpKinds(u16);

impl OpKinds {
    /// Every operation type (the heavy layout).
    pub const ALL: Self = Self(0b1_1111_1110);

    /// Every operation type but liquidation (the light layout: a
    /// liquidation's second margin and transfer are a fifth of a step).
    pub const LIGHT: Self = Self(Self::ALL.0 & !(1 << crate::rules::ops::tag::LIQUIDATE));

    /// One operation type.
    pub const fn only(tag: u64) -> Self {
        Self(1 << tag)
    }

    /// The types of `tags`; a tag beyond the last type sets a bit no
    /// layout has, so no circuit's set covers it.
    pub const fn of(tags: &[u64]) -> Self {
        let mut bits = 0u16;
        let mut k = 0;
        while k < tags.len() {
            let t = if tags[k] < 16 { tags[k] } else { 15 };
            bits |= 1 << t;
            k += 1;
        }
        Self(bits)
    }

    /// Whether the set holds the type of `tag`.
    pub const fn contains(self, tag: u64) -> bool {
        tag < 16 && (self.0 >> tag) & 1 == 1
    }

    /// Whether every type of `other` is in the set.
    pub const fn covers(self, other: Self) -> bool {
        other.0 & !self.0 == 0
    }
}

/// Why a chunk cannot be filled or proven.
#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    /// More steps than the circuit holds.
    #[error("{steps} steps do not fit a chunk of capacity {capacity}")]
    TooManySteps {
        /// Steps given.
        steps: usize,
        /// Circuit capacity.
        capacity: usize,
    },
    /// More signatures than the circuit's desk holds.
    #[error("{signatures} signatures do not fit a desk of {slots} slots")]
    TooManySignatures {
        /// Signatures given.
        signatures: usize,
        /// Desk slots.
        slots: usize,
    },
    /// A Merkle path of the wrong length.
    #[error("a Merkle path has {actual} siblings, the tree has depth {depth}")]
    PathLength {
        /// Siblings given.
        actual: usize,
        /// Tree depth.
        depth: usize,
    },
    /// A leaf index outside the tree.
    #[error("leaf index {index} is beyond a tree of depth {depth}")]
    IndexBeyondTree {
        /// Index given.
        index: u64,
        /// Tree depth.
        depth: usize,
    },
    /// An operation type the circuit was built without.
    #[error("operation tag {tag} is not supported by this circuit")]
    UnsupportedOperation {
        /// Batch tag of the operation.
        tag: u64,
    },
    /// Reports in a number other than the quorum.
    #[error("{actual} reports given, the circuit takes a quorum of {quorum}")]
    ReportCount {
        /// Reports given.
        actual: usize,
        /// Quorum.
        quorum: usize,
    },
    /// Values that do not fit the circuit's shape.
    #[error("witness: {0}")]
    Witness(String),
    /// The witness breaks a constraint: some rule does not hold.
    #[error("the chunk cannot be proven: {0}")]
    Unprovable(String),
    /// The proof does not verify.
    #[error("the chunk proof does not verify: {0}")]
    Invalid(String),
}

impl From<anyhow::Error> for ChunkError {
    fn from(e: anyhow::Error) -> Self {
        ChunkError::Witness(e.to_string())
    }
}

/// A chunk proof.
pub type ChunkProof = ProofWithPublicInputs<F, C, D>;

struct ChunkTargets {
    market: MarketTarget,
    sheet: PriceSheetTarget,
    report_hashes: Vec<HashOutTarget>,
    epoch: Target,
    timestamp: Target,
    root_in: HashOutTarget,
    batch_in: HashOutTarget,
    carry_in: [Target; CARRY_LEN],
    deposit_report: [Target; 5],
    transfers_in: [Target; TRANSFERS_LEN],
    system: SystemTargets,
    steps: Vec<StepTargets>,
    desk: SignatureDeskTarget,
}

/// A built chunk circuit.
pub struct ChunkCircuit {
    /// The parameters it was built for.
    pub params: ChunkParams,
    /// Prover and verifier data.
    pub data: CircuitData<F, C, D>,
    /// Gates (rows) before padding to a power of two.
    pub gates: usize,
    targets: ChunkTargets,
}

impl ChunkCircuit {
    /// Builds the circuit (slow: about as long as one proof).
    pub fn build(params: ChunkParams) -> Self {
        Self::build_padded(params, None)
    }

    /// Builds the circuit with `goal`'s gate types and at least its degree,
    /// so that chunk circuits of several layouts share one shape (one
    /// verifier gadget in the wrap accepts any of them).
    pub fn build_padded(params: ChunkParams, goal: Option<&CommonCircuitData<F, D>>) -> Self {
        let (mut builder, targets) = lay_out(params);
        let gates = builder.num_gates();
        if let Some(goal) = goal {
            crate::recursion::shape::pad_to(&mut builder, goal);
        }
        let data = builder.build::<C>();
        Self {
            params,
            data,
            gates,
            targets,
        }
    }

    /// The circuit of `params` from prover data built earlier (the targets
    /// are laid out again: fast, deterministic). The caller vouches that
    /// `data` was built from the same code and parameters.
    pub fn from_data(params: ChunkParams, data: CircuitData<F, C, D>) -> Self {
        let (builder, targets) = lay_out(params);
        Self {
            params,
            data,
            gates: builder.num_gates(),
            targets,
        }
    }

    /// Gates (rows before padding) of the circuit of `params`, without the
    /// slow part of building it.
    pub fn count_gates(params: ChunkParams) -> usize {
        lay_out(params).0.num_gates()
    }

    /// log2 of the padded row count.
    pub fn degree_bits(&self) -> usize {
        self.data.common.degree_bits()
    }

    /// Proves one chunk of `market`. A witness that breaks any rule gives
    /// [`ChunkError::Unprovable`].
    pub fn prove(&self, market: &Market, chunk: &ChunkWitness) -> Result<ChunkProof, ChunkError> {
        let proof = prove_caught(&self.data, self.assign(market, chunk)?)?;
        // A witness generator cannot check every constraint: verify.
        self.verify(&proof)
            .map_err(|e| ChunkError::Unprovable(e.to_string()))?;
        Ok(proof)
    }

    /// Whether `chunk` satisfies the circuit, without proving it
    /// ([`crate::check`]): a fraction of a proof's time. Returns the
    /// statement a proof would make; a witness that breaks any rule gives
    /// [`ChunkError::Unprovable`] naming the row.
    pub fn check(
        &self,
        market: &Market,
        chunk: &ChunkWitness,
    ) -> Result<ChunkPublicInputs, ChunkError> {
        let pw = self.assign(market, chunk)?;
        let public = crate::check::check_witness(&self.data, pw)
            .map_err(|e| ChunkError::Unprovable(e.to_string()))?;
        ChunkPublicInputs::from_fields(&public, self.params.shape.quorum)
            .map_err(|e| ChunkError::Invalid(e.to_string()))
    }

    /// Verifies a chunk proof and decodes its public inputs.
    pub fn verify(&self, proof: &ChunkProof) -> Result<ChunkPublicInputs, ChunkError> {
        self.data
            .verify(proof.clone())
            .map_err(|e| ChunkError::Invalid(e.to_string()))?;
        ChunkPublicInputs::from_fields(&proof.public_inputs, self.params.shape.quorum)
            .map_err(|e| ChunkError::Invalid(e.to_string()))
    }

    fn assign(
        &self,
        market: &Market,
        chunk: &ChunkWitness,
    ) -> Result<PartialWitness<F>, ChunkError> {
        let t = &self.targets;
        if chunk.steps.len() > self.params.capacity {
            return Err(ChunkError::TooManySteps {
                steps: chunk.steps.len(),
                capacity: self.params.capacity,
            });
        }
        if chunk.sheet.report_hashes.len() != t.report_hashes.len() {
            return Err(ChunkError::ReportCount {
                actual: chunk.sheet.report_hashes.len(),
                quorum: t.report_hashes.len(),
            });
        }
        if chunk.signatures.len() > self.params.signatures {
            return Err(ChunkError::TooManySignatures {
                signatures: chunk.signatures.len(),
                slots: self.params.signatures,
            });
        }
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &t.market, market)?;
        set_price_sheet(&mut pw, &t.sheet, &chunk.sheet)?;
        for (&target, &hash) in t.report_hashes.iter().zip(&chunk.sheet.report_hashes) {
            pw.set_hash_target(target, hash)?;
        }
        pw.set_target(t.epoch, unsigned(chunk.epoch))?;
        pw.set_target(t.timestamp, unsigned(chunk.timestamp))?;
        pw.set_hash_target(t.root_in, chunk.root_in)?;
        pw.set_hash_target(t.batch_in, chunk.batch_in)?;
        for (&target, value) in t.carry_in.iter().zip(carry_fields(&chunk.carry_in)) {
            pw.set_target(target, value)?;
        }
        let report = chunk.deposit_report;
        let report_fields = report
            .deposit_log
            .elements
            .into_iter()
            .chain([unsigned(report.deposited)]);
        for (&target, value) in t.deposit_report.iter().zip(report_fields) {
            pw.set_target(target, value)?;
        }
        for (&target, value) in t.transfers_in.iter().zip(chunk.transfers_in.to_fields()) {
            pw.set_target(target, value)?;
        }
        t.system.set(&mut pw, &chunk.system)?;
        let padding = StepWitness::padding();
        for (k, targets) in t.steps.iter().enumerate() {
            set_step(&mut pw, targets, chunk.steps.get(k).unwrap_or(&padding))?;
        }
        set_signature_desk(&mut pw, &t.desk, &chunk.signatures)?;
        Ok(pw)
    }
}

/// Lays out the chunk circuit's gates and targets.
fn lay_out(params: ChunkParams) -> (CircuitBuilder<F, D>, ChunkTargets) {
    let mut builder = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let b = &mut builder;
    let market = b.add_virtual_market(&params.shape);
    let epoch = b.add_virtual_target();
    let timestamp = b.add_virtual_target();
    b.assert_unsigned_bits(timestamp, TIME_BITS);
    // The epoch's sheet and report hashes, as given: the fold holds them
    // to the prelude's.
    let sheet = b.add_virtual_price_sheet(&params.shape);
    let report_hashes: Vec<HashOutTarget> = (0..params.shape.quorum)
        .map(|_| b.add_virtual_hash())
        .collect();
    let root_in = b.add_virtual_hash();
    let batch_in = b.add_virtual_hash();
    let carry_in: [Target; CARRY_LEN] = std::array::from_fn(|_| b.add_virtual_target());
    b.assert_bool(plonky2::iop::target::BoolTarget::new_unsafe(carry_in[0]));
    // The epoch's attested deposits, as given (the fold holds them to the
    // prelude's), and the running transfer logs (the fold chains them; the
    // chain starts them at zero).
    let deposit_report: [Target; 5] = std::array::from_fn(|_| b.add_virtual_target());
    let transfers_in: [Target; TRANSFERS_LEN] = std::array::from_fn(|_| b.add_virtual_target());
    let system = SystemTargets::add(b, params.shape.tree_depth);
    let ctx = StepContext {
        market: &market,
        prices: &sheet.prices,
        table: &sheet.table,
        now: timestamp,
        system: &system,
    };
    let mut state = StepState {
        root: root_in,
        batch: batch_in,
        settlement: SettleRegisters::from_targets(carry_in),
        system: system.registers(),
        op_count: b.zero(),
        signatures: b.empty_signature_queue(),
        transfers: TransfersTarget::from_targets(transfers_in),
    };
    let mut steps = Vec::with_capacity(params.capacity);
    for _ in 0..params.capacity {
        let (targets, next) = add_step(b, &ctx, params.kinds, state);
        steps.push(targets);
        state = next;
    }
    // The desk verifies one signature per signed step, in step order.
    let desk = b.add_signature_desk(params.signatures);
    b.connect_hashes(state.signatures, desk.queue);
    let root_out = system.write_back(b, state.root, &state.system);
    b.register_public_inputs(&market.hash.elements);
    b.register_public_inputs(&root_in.elements);
    b.register_public_inputs(&root_out.elements);
    b.register_public_input(epoch);
    b.register_public_input(timestamp);
    b.register_public_inputs(&batch_in.elements);
    b.register_public_inputs(&state.batch.elements);
    for hash in &report_hashes {
        b.register_public_inputs(&hash.elements);
    }
    b.register_public_input(state.op_count);
    b.register_public_inputs(&carry_in);
    b.register_public_inputs(&state.settlement.targets());
    let priced = b.zero();
    b.register_public_input(priced);
    b.register_public_inputs(&sheet.table.commitment.elements);
    b.register_public_inputs(&deposit_report);
    b.register_public_inputs(&transfers_in);
    b.register_public_inputs(&state.transfers.targets());
    debug_assert_eq!(
        b.num_public_inputs(),
        ChunkPublicInputs::len(params.shape.quorum)
    );
    let targets = ChunkTargets {
        market,
        sheet,
        report_hashes,
        epoch,
        timestamp,
        root_in,
        batch_in,
        carry_in,
        deposit_report,
        transfers_in,
        system,
        steps,
        desk,
    };
    (builder, targets)
}

/// Proves `pw` on `data`, turning plonky2's errors and its panics on some
/// unsatisfiable witnesses (conflicting copies) into [`ChunkError::Unprovable`].
pub(crate) fn prove_caught(
    data: &CircuitData<F, C, D>,
    pw: PartialWitness<F>,
) -> Result<ChunkProof, ChunkError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| data.prove(pw))) {
        Ok(Ok(proof)) => Ok(proof),
        Ok(Err(e)) => Err(ChunkError::Unprovable(e.to_string())),
        Err(panic) => Err(ChunkError::Unprovable(panic_message(&panic))),
    }
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a constraint does not hold".into())
}
