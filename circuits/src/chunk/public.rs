//! Public inputs of a chunk proof: the segment statement of `docs/design.md`
//! section 3.4, the epoch statement at chunk level plus the
//! settlement registers a settlement split across chunks carries over.
//!
//! Order ([`SegmentLayout`]): `market_hash[4]`, `root_in[4]`, `root_out[4]`,
//! `epoch`, `timestamp`, `batch_in[4]`, `batch_out[4]`,
//! `report_hashes[quorum][4]`, `op_count`, `carry_in[6]`, `carry_out[6]`
//! (the settlement registers: open, instrument, count, next holder, net
//! quantity as a signed element, previous holder), `priced`,
//! `price_sheet[4]`, `deposit_report[5]` (the deposit log and total the
//! custodians attested, which the prelude checked), `transfers_in[10]`,
//! `transfers_out[10]` (the running deposit and withdrawal logs and totals,
//! `zksettle_verifier::transfers`). Folding checks `root_out`, `batch_out`,
//! `carry_out` and `transfers_out` of a segment against the ins of the
//! next, adds `op_count` and `priced`, and requires the rest equal.

use plonky2::field::types::PrimeField64;
use plonky2::hash::hash_types::HashOut;

use super::witness::SettleCarry;
use crate::config::F;
use crate::gadgets::fixed::to_signed;
use crate::rules::custody::{Transfers, TRANSFERS_LEN};
use crate::rules::encoding::Digest;

/// Elements of the settlement registers.
pub const CARRY_LEN: usize = 6;

/// Where each value of a segment statement (chunk, wrap, prelude, fold)
/// sits in its public inputs: the one description of the order, used to
/// read values ([`ChunkPublicInputs::from_fields`]) and targets
/// (`recursion::segment::SegmentTargets`) alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentLayout {
    /// Reports per statement.
    pub quorum: usize,
    /// `market_hash[4]`.
    pub market_hash: usize,
    /// `root_in[4]`.
    pub root_in: usize,
    /// `root_out[4]`.
    pub root_out: usize,
    /// `epoch`.
    pub epoch: usize,
    /// `timestamp`.
    pub timestamp: usize,
    /// `batch_in[4]`.
    pub batch_in: usize,
    /// `batch_out[4]`.
    pub batch_out: usize,
    /// `report_hashes[quorum][4]`.
    pub report_hashes: usize,
    /// `op_count`.
    pub op_count: usize,
    /// `carry_in[CARRY_LEN]`.
    pub carry_in: usize,
    /// `carry_out[CARRY_LEN]`.
    pub carry_out: usize,
    /// `priced`: preludes in the segment (1 for a prelude, 0 for a chunk).
    pub priced: usize,
    /// `price_sheet[4]`.
    pub price_sheet: usize,
    /// `deposit_report[5]`: attested deposit log and total.
    pub deposit_report: usize,
    /// `transfers_in[TRANSFERS_LEN]`.
    pub transfers_in: usize,
    /// `transfers_out[TRANSFERS_LEN]`.
    pub transfers_out: usize,
    /// Elements in all.
    pub len: usize,
}

impl SegmentLayout {
    /// The layout for a quorum.
    pub const fn of(quorum: usize) -> Self {
        let report_hashes = 22;
        let op_count = report_hashes + 4 * quorum;
        let carry_in = op_count + 1;
        let carry_out = carry_in + CARRY_LEN;
        let priced = carry_out + CARRY_LEN;
        let price_sheet = priced + 1;
        let deposit_report = price_sheet + 4;
        let transfers_in = deposit_report + 5;
        let transfers_out = transfers_in + TRANSFERS_LEN;
        Self {
            quorum,
            market_hash: 0,
            root_in: 4,
            root_out: 8,
            epoch: 12,
            timestamp: 13,
            batch_in: 14,
            batch_out: 18,
            report_hashes,
            op_count,
            carry_in,
            carry_out,
            priced,
            price_sheet,
            deposit_report,
            transfers_in,
            transfers_out,
            len: transfers_out + TRANSFERS_LEN,
        }
    }
}

/// The statement of one chunk proof (and of any segment: a prelude's or a fold's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkPublicInputs {
    /// Poseidon hash of the market.
    pub market_hash: Digest,
    /// Root before the chunk.
    pub root_in: Digest,
    /// Root after the chunk.
    pub root_out: Digest,
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp.
    pub timestamp: u64,
    /// Batch commitment before the chunk.
    pub batch_in: Digest,
    /// Batch commitment after the chunk.
    pub batch_out: Digest,
    /// Hashes of the quorum's reports (a chunk states the hashes it was
    /// given; the fold requires them equal to the prelude's, which checked
    /// the reports).
    pub report_hashes: Vec<Digest>,
    /// Operations started in the chunk (a settlement counts where its first holder is).
    pub op_count: u64,
    /// Settlement registers before.
    pub carry_in: SettleCarry,
    /// Settlement registers after.
    pub carry_out: SettleCarry,
    /// Preludes in the segment: 0 for a chunk, 1 for a prelude, the sum for a fold.
    pub priced: u64,
    /// Commitment of the price sheet the segment used
    /// (`rules::sheet::PriceSheet::commitment`).
    pub price_sheet: Digest,
    /// The deposit log and total the custodians attested for the epoch (a
    /// chunk states the values it was given; the fold requires them equal to
    /// the prelude's, which checked the custodians' signatures; zero and 0
    /// for an epoch without deposits).
    pub deposit_report: AttestedDeposits,
    /// The epoch's deposit and withdrawal logs and totals before the segment.
    pub transfers_in: Transfers,
    /// And after it.
    pub transfers_out: Transfers,
}

/// The deposit log and total a deposit report attests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttestedDeposits {
    /// The attested deposit log.
    pub deposit_log: Digest,
    /// The attested total.
    pub deposited: u64,
}

impl AttestedDeposits {
    /// What `report` attests (nothing for an epoch without one).
    pub fn of(report: Option<&crate::rules::custody::DepositReport>) -> Self {
        report.map_or_else(Self::default, |r| Self {
            deposit_log: r.deposit_log,
            deposited: r.deposited,
        })
    }

    /// Whether `transfers` credited exactly the attested deposits.
    pub fn covers(&self, transfers: &Transfers) -> bool {
        self.deposit_log == transfers.deposit_log && self.deposited == transfers.deposited
    }
}

/// A public-input vector of the wrong length.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("chunk public inputs have {actual} elements, expected {expected}")]
pub struct ChunkLayoutError {
    /// Elements found.
    pub actual: usize,
    /// Elements expected.
    pub expected: usize,
}

impl ChunkPublicInputs {
    /// Elements of the layout for a quorum.
    pub const fn len(quorum: usize) -> usize {
        SegmentLayout::of(quorum).len
    }

    /// Decodes the public inputs of a chunk proof.
    pub fn from_fields(fields: &[F], quorum: usize) -> Result<Self, ChunkLayoutError> {
        let l = SegmentLayout::of(quorum);
        if fields.len() != l.len {
            return Err(ChunkLayoutError {
                actual: fields.len(),
                expected: l.len,
            });
        }
        let digest = |at: usize| HashOut {
            elements: [fields[at], fields[at + 1], fields[at + 2], fields[at + 3]],
        };
        let carry = |at: usize| carry_from_fields(&fields[at..at + CARRY_LEN]);
        let transfers =
            |at: usize| Transfers::from_fields(&fields[at..at + TRANSFERS_LEN]).unwrap_or_default();
        Ok(Self {
            market_hash: digest(l.market_hash),
            root_in: digest(l.root_in),
            root_out: digest(l.root_out),
            epoch: fields[l.epoch].to_canonical_u64(),
            timestamp: fields[l.timestamp].to_canonical_u64(),
            batch_in: digest(l.batch_in),
            batch_out: digest(l.batch_out),
            report_hashes: (0..quorum)
                .map(|k| digest(l.report_hashes + 4 * k))
                .collect(),
            op_count: fields[l.op_count].to_canonical_u64(),
            carry_in: carry(l.carry_in),
            carry_out: carry(l.carry_out),
            priced: fields[l.priced].to_canonical_u64(),
            price_sheet: digest(l.price_sheet),
            deposit_report: AttestedDeposits {
                deposit_log: digest(l.deposit_report),
                deposited: fields[l.deposit_report + 4].to_canonical_u64(),
            },
            transfers_in: transfers(l.transfers_in),
            transfers_out: transfers(l.transfers_out),
        })
    }
}

/// The registers as public-input elements (open, instrument, count, next,
/// net, previous holder).
pub fn carry_fields(carry: &SettleCarry) -> [F; CARRY_LEN] {
    use plonky2::field::types::Field;
    [
        F::from_bool(carry.open),
        F::from_canonical_u32(carry.instrument),
        F::from_noncanonical_u64(carry.count),
        F::from_noncanonical_u64(carry.next),
        crate::gadgets::fixed::from_signed(carry.net.into()),
        F::from_noncanonical_u64(carry.previous_account),
    ]
}

/// The registers from public-input elements (values that fit no register
/// read as their truncation: such a statement is only ever compared).
pub fn carry_from_fields(fields: &[F]) -> SettleCarry {
    let at = |k: usize| fields.get(k).map_or(0, |f| f.to_canonical_u64());
    SettleCarry {
        open: at(0) != 0,
        instrument: at(1) as u32,
        count: at(2),
        next: at(3),
        net: fields.get(4).map_or(0, |f| to_signed(*f) as i64),
        previous_account: at(5),
    }
}
