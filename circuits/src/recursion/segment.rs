//! The statement a chunk, wrap or fold proof makes about a run of steps: the
//! chunk layout of [`crate::chunk::ChunkPublicInputs`], as targets.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;

use crate::chunk::{ChunkPublicInputs, SegmentLayout, CARRY_LEN};
use crate::gadgets::Builder;
use crate::rules::custody::TRANSFERS_LEN;

/// A segment statement inside a circuit.
#[derive(Clone, Debug)]
pub struct SegmentTargets {
    /// Poseidon hash of the market.
    pub market_hash: HashOutTarget,
    /// Root before the segment.
    pub root_in: HashOutTarget,
    /// Root after the segment.
    pub root_out: HashOutTarget,
    /// Epoch number.
    pub epoch: Target,
    /// Epoch timestamp.
    pub timestamp: Target,
    /// Batch commitment before the segment.
    pub batch_in: HashOutTarget,
    /// Batch commitment after the segment.
    pub batch_out: HashOutTarget,
    /// Hashes of the quorum's reports.
    pub report_hashes: Vec<HashOutTarget>,
    /// Operations started in the segment.
    pub op_count: Target,
    /// Settlement registers (open, instrument, count, next holder, net
    /// quantity, previous holder) before.
    pub carry_in: [Target; CARRY_LEN],
    /// Settlement registers after.
    pub carry_out: [Target; CARRY_LEN],
    /// Preludes in the segment.
    pub priced: Target,
    /// Commitment of the price sheet.
    pub price_sheet: HashOutTarget,
    /// The attested deposit log and total.
    pub deposit_report: [Target; 5],
    /// Deposit and withdrawal logs and totals before the segment.
    pub transfers_in: [Target; TRANSFERS_LEN],
    /// And after it.
    pub transfers_out: [Target; TRANSFERS_LEN],
}

/// The four targets from `at` as a digest.
pub(super) fn hash_at(t: &[Target], at: usize) -> HashOutTarget {
    HashOutTarget {
        elements: [t[at], t[at + 1], t[at + 2], t[at + 3]],
    }
}

impl SegmentTargets {
    /// Elements of the statement for a quorum.
    pub const fn len(quorum: usize) -> usize {
        ChunkPublicInputs::len(quorum)
    }

    /// Reads the statement from the front of a proof's public inputs.
    ///
    /// # Panics
    /// If `t` is shorter than [`Self::len`] (a circuit-construction bug).
    pub fn read(t: &[Target], quorum: usize) -> Self {
        let l = SegmentLayout::of(quorum);
        assert!(t.len() >= l.len, "public inputs too short");
        Self {
            market_hash: hash_at(t, l.market_hash),
            root_in: hash_at(t, l.root_in),
            root_out: hash_at(t, l.root_out),
            epoch: t[l.epoch],
            timestamp: t[l.timestamp],
            batch_in: hash_at(t, l.batch_in),
            batch_out: hash_at(t, l.batch_out),
            report_hashes: (0..quorum)
                .map(|q| hash_at(t, l.report_hashes + 4 * q))
                .collect(),
            op_count: t[l.op_count],
            carry_in: std::array::from_fn(|k| t[l.carry_in + k]),
            carry_out: std::array::from_fn(|k| t[l.carry_out + k]),
            priced: t[l.priced],
            price_sheet: hash_at(t, l.price_sheet),
            deposit_report: std::array::from_fn(|k| t[l.deposit_report + k]),
            transfers_in: std::array::from_fn(|k| t[l.transfers_in + k]),
            transfers_out: std::array::from_fn(|k| t[l.transfers_out + k]),
        }
    }

    /// The statement in layout order.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::with_capacity(Self::len(self.report_hashes.len()));
        for h in [&self.market_hash, &self.root_in, &self.root_out] {
            out.extend(h.elements);
        }
        out.extend([self.epoch, self.timestamp]);
        out.extend(self.batch_in.elements);
        out.extend(self.batch_out.elements);
        for h in &self.report_hashes {
            out.extend(h.elements);
        }
        out.push(self.op_count);
        out.extend(self.carry_in);
        out.extend(self.carry_out);
        out.push(self.priced);
        out.extend(self.price_sheet.elements);
        out.extend(self.deposit_report);
        out.extend(self.transfers_in);
        out.extend(self.transfers_out);
        debug_assert_eq!(out.len(), Self::len(self.report_hashes.len()));
        out
    }

    /// Constrains `right` to continue `left` and returns the joined statement:
    /// roots, batch commitment, settlement registers and transfer logs chain;
    /// market, epoch, timestamp, reports, price sheet and deposit report are
    /// equal; operation counts and
    /// prelude counts add. Costs about one row (the additions); the rest
    /// are copy constraints.
    pub fn join(builder: &mut Builder, left: &Self, right: &Self) -> Self {
        builder.connect_hashes(left.root_out, right.root_in);
        builder.connect_hashes(left.batch_out, right.batch_in);
        builder.connect_hashes(left.market_hash, right.market_hash);
        builder.connect_hashes(left.price_sheet, right.price_sheet);
        for (l, r) in left.report_hashes.iter().zip(&right.report_hashes) {
            builder.connect_hashes(*l, *r);
        }
        builder.connect(left.epoch, right.epoch);
        builder.connect(left.timestamp, right.timestamp);
        for k in 0..CARRY_LEN {
            builder.connect(left.carry_out[k], right.carry_in[k]);
        }
        for (&l, &r) in left.deposit_report.iter().zip(&right.deposit_report) {
            builder.connect(l, r);
        }
        for (&l, &r) in left.transfers_out.iter().zip(&right.transfers_in) {
            builder.connect(l, r);
        }
        Self {
            market_hash: left.market_hash,
            root_in: left.root_in,
            root_out: right.root_out,
            epoch: left.epoch,
            timestamp: left.timestamp,
            batch_in: left.batch_in,
            batch_out: right.batch_out,
            report_hashes: left.report_hashes.clone(),
            op_count: builder.add(left.op_count, right.op_count),
            carry_in: left.carry_in,
            carry_out: right.carry_out,
            priced: builder.add(left.priced, right.priced),
            price_sheet: left.price_sheet,
            deposit_report: left.deposit_report,
            transfers_in: left.transfers_in,
            transfers_out: right.transfers_out,
        }
    }
}

/// Whether `right` continues `left` (the native side of [`SegmentTargets::join`]).
pub fn joins(left: &ChunkPublicInputs, right: &ChunkPublicInputs) -> Result<(), String> {
    let checks = [
        (left.root_out == right.root_in, "root"),
        (left.batch_out == right.batch_in, "batch commitment"),
        (left.market_hash == right.market_hash, "market hash"),
        (left.report_hashes == right.report_hashes, "report hashes"),
        (left.price_sheet == right.price_sheet, "price sheet"),
        (left.epoch == right.epoch, "epoch"),
        (left.timestamp == right.timestamp, "timestamp"),
        (left.carry_out == right.carry_in, "settlement registers"),
        (
            left.deposit_report == right.deposit_report,
            "deposit report",
        ),
        (left.transfers_out == right.transfers_in, "transfer logs"),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(format!("the {what} does not join")),
        None => Ok(()),
    }
}

/// The statement two joined segments make (native side).
pub fn joined(left: &ChunkPublicInputs, right: &ChunkPublicInputs) -> ChunkPublicInputs {
    ChunkPublicInputs {
        root_out: right.root_out,
        batch_out: right.batch_out,
        op_count: left.op_count + right.op_count,
        carry_out: right.carry_out,
        transfers_out: right.transfers_out,
        priced: left.priced + right.priced,
        ..left.clone()
    }
}
