//! The prelude circuit: what an epoch's chunks share, proven once per epoch.
//!
//! It hashes the market, checks the quorum's reports against the epoch time
//! (bounds, age, oracles strictly ascending, one settlement set) and hashes
//! them, verifies each report's ECgFp5 Schnorr signature over the market
//! hash it states and the report's hash (`[REPORT, market_hash, hash]`, so a
//! report signed for another deployment does not verify) under the key of
//! its oracle in the market's oracle set (so bound by the market hash), takes the median prices and computes the risk arrays, and
//! states the commitment of that price sheet ([`crate::rules::sheet`]). It
//! also verifies the custodians' deposit report: a quorum of distinct
//! custodians of the market (ascending) signed the epoch's deposit log and
//! total over the market hash (`gadgets::custody`), and states that log and
//! total (`deposit_report`); the fold holds every chunk's to it and the
//! chain holds the epoch's credited deposits to it. Chunks take
//! the sheet as witness and state its commitment; the fold requires every
//! segment's market hash, epoch, timestamp, report hashes and sheet
//! commitment equal, and the chain requires exactly one prelude in an
//! epoch's fold tree (`priced == 1`), so every chunk priced by the
//! prelude's sheet, and the reports the history records are the ones
//! checked.
//!
//! The statement is a segment's ([`ChunkPublicInputs`]) so a prelude proof
//! is a leaf of the fold tree beside the wrapped chunks: it moves nothing.
//! `root_in = root_out` (any root: the fold places it), the batch
//! commitment and the transfer logs empty at both ends and no settlement open (a prelude stands at
//! the start of its epoch), no operation, `priced = 1`. Its public inputs
//! are exactly a chunk's, and it enters the fold tree as a chunk does,
//! through a wrap of its own
//! ([`CircuitSet::prove_prelude`](crate::recursion::set::CircuitSet::prove_prelude)):
//! its signature verifications (313 rows each) bring custom gates (GF(p^5)
//! multiply-add, the 128-wire curve step) that the fold's verifier would
//! otherwise evaluate for every child. About 5,800 rows on the simulated
//! market with a quorum of 3 (`zksettle stats`), so 2^13 at its own size.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use crate::chunk::{prove_caught, AttestedDeposits, ChunkError, ChunkPublicInputs, CARRY_LEN};
use crate::config::{C, D, F};
use crate::gadgets::custody::{set_deposit_report, CustodyGadget, DepositReportTarget};
use crate::gadgets::ecgfp5::schnorr::{set_signature, SignatureTarget};
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::market::{set_market, MarketGadget, MarketShape, MarketTarget};
use crate::gadgets::oracle::{set_report, OracleGadget, ReportTarget, TIME_BITS};
use crate::gadgets::risk::RiskGadget;
use crate::gadgets::sheet::SheetGadget;
use crate::recursion::shape::pad_to;
use crate::recursion::Proof;
use crate::rules::custody::{DepositReport, Transfers, TRANSFERS_LEN};
use crate::rules::encoding::{unsigned, Digest};
use crate::rules::market::Market;
use crate::rules::oracle::Report;

/// What a prelude proof is filled with.
#[derive(Clone, Debug)]
pub struct PreludeWitness {
    /// The quorum's reports, in report order.
    pub reports: Vec<Report>,
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp.
    pub timestamp: u64,
    /// The root the epoch starts from (where the fold places the prelude).
    pub root: Digest,
    /// The custodians' attestation of the epoch's deposits (`None`: the
    /// epoch credits none).
    pub deposit_report: Option<DepositReport>,
}

impl PreludeWitness {
    /// The statement a proof of it makes, computed natively (`None` when
    /// the reports break a rule: no proof of them exists).
    pub fn expected_statement(&self, market: &Market) -> Option<ChunkPublicInputs> {
        let sheet =
            crate::rules::sheet::PriceSheet::from_reports(market, &self.reports, self.timestamp)
                .ok()?;
        if let Some(report) = &self.deposit_report {
            report.check(market).ok()?;
        }
        Some(ChunkPublicInputs {
            market_hash: market.hash(),
            root_in: self.root,
            root_out: self.root,
            epoch: self.epoch,
            timestamp: self.timestamp,
            batch_in: crate::rules::encoding::ZERO_DIGEST,
            batch_out: crate::rules::encoding::ZERO_DIGEST,
            price_sheet: sheet.commitment(),
            report_hashes: sheet.report_hashes,
            op_count: 0,
            carry_in: Default::default(),
            carry_out: Default::default(),
            priced: 1,
            deposit_report: AttestedDeposits::of(self.deposit_report.as_ref()),
            transfers_in: Transfers::NONE,
            transfers_out: Transfers::NONE,
        })
    }
}

struct PreludeTargets {
    market: MarketTarget,
    reports: Vec<(ReportTarget, SignatureTarget)>,
    epoch: Target,
    timestamp: Target,
    root: HashOutTarget,
    deposit_report: DepositReportTarget,
}

/// A built prelude circuit.
pub struct PreludeCircuit {
    /// The market shape it was built for.
    pub shape: MarketShape,
    /// Prover and verifier data.
    pub data: CircuitData<F, C, D>,
    /// Gates (rows) before padding.
    pub gates: usize,
    targets: PreludeTargets,
}

impl PreludeCircuit {
    /// Builds the prelude of `shape`, padded to `goal` when given.
    pub fn build(shape: MarketShape, goal: Option<&CommonCircuitData<F, D>>) -> Self {
        let (mut builder, targets) = lay_out(shape);
        let gates = builder.num_gates();
        if let Some(goal) = goal {
            pad_to(&mut builder, goal);
        }
        Self {
            shape,
            data: builder.build::<C>(),
            gates,
            targets,
        }
    }

    /// Gates of the prelude of `shape`, without building it.
    pub fn count_gates(shape: MarketShape) -> usize {
        lay_out(shape).0.num_gates()
    }

    /// Proves the prelude of an epoch. Reports that break any rule (a bad
    /// signature among them) give [`ChunkError::Unprovable`].
    pub fn prove(&self, market: &Market, witness: &PreludeWitness) -> Result<Proof, ChunkError> {
        let proof = prove_caught(&self.data, self.assign(market, witness)?)?;
        self.verify(&proof)
            .map_err(|e| ChunkError::Unprovable(e.to_string()))?;
        Ok(proof)
    }

    /// Whether the prelude of `witness` is satisfiable, and the statement a
    /// proof would make, without proving ([`crate::check`]).
    pub fn check(
        &self,
        market: &Market,
        witness: &PreludeWitness,
    ) -> Result<ChunkPublicInputs, ChunkError> {
        let pw = self.assign(market, witness)?;
        let public = crate::check::check_witness(&self.data, pw)
            .map_err(|e| ChunkError::Unprovable(e.to_string()))?;
        self.decode(&public)
    }

    /// Verifies a prelude proof and decodes its statement.
    pub fn verify(&self, proof: &Proof) -> Result<ChunkPublicInputs, ChunkError> {
        self.data
            .verify(proof.clone())
            .map_err(|e| ChunkError::Invalid(e.to_string()))?;
        self.decode(&proof.public_inputs)
    }

    fn decode(&self, public: &[F]) -> Result<ChunkPublicInputs, ChunkError> {
        let len = ChunkPublicInputs::len(self.shape.quorum);
        let fields = public.get(..len).ok_or_else(|| {
            ChunkError::Invalid(format!("{} public inputs, expected {len}", public.len()))
        })?;
        ChunkPublicInputs::from_fields(fields, self.shape.quorum)
            .map_err(|e| ChunkError::Invalid(e.to_string()))
    }

    fn assign(
        &self,
        market: &Market,
        witness: &PreludeWitness,
    ) -> Result<PartialWitness<F>, ChunkError> {
        let t = &self.targets;
        if witness.reports.len() != t.reports.len() {
            return Err(ChunkError::ReportCount {
                actual: witness.reports.len(),
                quorum: t.reports.len(),
            });
        }
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &t.market, market)?;
        for ((target, signature), report) in t.reports.iter().zip(&witness.reports) {
            set_report(&mut pw, target, report, market)?;
            set_signature(&mut pw, signature, &report.signature)?;
        }
        pw.set_target(t.epoch, unsigned(witness.epoch))?;
        pw.set_target(t.timestamp, unsigned(witness.timestamp))?;
        pw.set_hash_target(t.root, witness.root)?;
        set_deposit_report(&mut pw, &t.deposit_report, witness.deposit_report.as_ref())?;
        Ok(pw)
    }

    /// Writes the shape (the targets are laid out again on reading: fast,
    /// deterministic).
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        let s = &self.shape;
        for n in [
            s.tree_depth,
            s.underlyings,
            s.instruments,
            s.scenarios,
            s.oracles,
            s.quorum,
            s.custodians,
            s.custodian_quorum,
        ] {
            out.write_usize(n)?;
        }
        Ok(())
    }

    /// A prelude circuit from its data and what [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, C, D>, buf: &mut Buffer) -> IoResult<Self> {
        let mut next = || buf.read_usize();
        let shape = MarketShape {
            tree_depth: next()?,
            underlyings: next()?,
            instruments: next()?,
            scenarios: next()?,
            oracles: next()?,
            quorum: next()?,
            custodians: next()?,
            custodian_quorum: next()?,
        };
        let (builder, targets) = lay_out(shape);
        Ok(Self {
            shape,
            data,
            gates: builder.num_gates(),
            targets,
        })
    }
}

/// Lays out the prelude's gates and targets.
fn lay_out(shape: MarketShape) -> (CircuitBuilder<F, D>, PreludeTargets) {
    let mut builder = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let b = &mut builder;
    let market = b.add_virtual_market(&shape);
    let epoch = b.add_virtual_target();
    let timestamp = b.add_virtual_target();
    b.assert_unsigned_bits(timestamp, TIME_BITS);
    let mut reports = Vec::with_capacity(shape.quorum);
    let mut report_hashes = Vec::with_capacity(shape.quorum);
    for _ in 0..shape.quorum {
        let (report, hash) = b.add_virtual_report(&shape);
        b.check_report(&report, &market, timestamp);
        let signature = b.verify_report_signature(&report, hash, &market);
        reports.push((report, signature));
        report_hashes.push(hash);
    }
    let plain: Vec<ReportTarget> = reports.iter().map(|(r, _)| r.clone()).collect();
    let prices = b.median_prices(&plain);
    let table = b.risk_arrays(&market, &prices);
    let sheet = b.price_sheet_commitment(&prices, &table);
    let deposit_report = b.add_deposit_report(&market);
    let root = b.add_virtual_hash();
    let zero = b.zero();
    let one = b.one();
    b.register_public_inputs(&market.hash.elements);
    b.register_public_inputs(&root.elements);
    b.register_public_inputs(&root.elements);
    b.register_public_input(epoch);
    b.register_public_input(timestamp);
    b.register_public_inputs(&[zero; 8]);
    for hash in &report_hashes {
        b.register_public_inputs(&hash.elements);
    }
    b.register_public_input(zero);
    b.register_public_inputs(&[zero; 2 * CARRY_LEN]);
    b.register_public_input(one);
    b.register_public_inputs(&sheet.elements);
    b.register_public_inputs(&deposit_report.targets());
    b.register_public_inputs(&[zero; 2 * TRANSFERS_LEN]);
    debug_assert_eq!(b.num_public_inputs(), ChunkPublicInputs::len(shape.quorum));
    let targets = PreludeTargets {
        market,
        reports,
        epoch,
        timestamp,
        root,
        deposit_report,
    };
    (builder, targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serialize::{Gates, Generators};

    #[test]
    fn the_prelude_serialises() {
        let market = crate::gadgets::testing::market();
        let prelude = PreludeCircuit::build(MarketShape::of(&market), None);
        let bytes = prelude
            .data
            .prover_only
            .to_bytes(&Generators, &prelude.data.common);
        let gates = prelude.data.common.to_bytes(&Gates);
        assert!(gates.is_ok(), "common data");
        assert!(bytes.is_ok(), "prover data");
    }
}
