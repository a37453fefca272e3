//! Every value a witness generator writes, the alternatives a cheating
//! prover could write instead, and a way to run a circuit with them: the
//! **malicious-generator mode** of the adversarial tests.
//!
//! A generator is not a constraint. The operator runs the prover, so it may
//! replace any generator by one of its own and the verifier data does not
//! change (generators are prover-side only). Every hinted value must
//! therefore be the only one its constraints allow. For each generator kind
//! of our circuits, [`HintKind`] names it, states the argument why its
//! output is unique (written out beside the generator itself), and
//! `alternatives` lists the outputs a cheating generator would try: those
//! its local constraints would admit if they were any weaker (for a
//! division `q +- (p +- (r - r'))/d` with the matching remainder, for a
//! comparison the flipped bit, for a maximum every other candidate, for a
//! lookup another row, for a root the other one, ...).
//!
//! [`with_cheating_hints`] swaps a built circuit's generators of one kind
//! (all instances, or one) for cheating ones that write an alternative, runs
//! a closure (a constraint check or a proof) and puts the honest generators
//! back. The adversarial suite (`prover/tests/adversarial/hints.rs`) does
//! this inside real chunk and prelude circuits and requires every
//! alternative refused, or, for the few values no output depends on (a
//! square-root certificate's sign, an inverse of zero that only feeds a
//! product with zero), proven with the very same statement.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::iop::generator::{
    GeneratedValues, SimpleGenerator, WitnessGenerator, WitnessGeneratorRef,
};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness};
use plonky2::plonk::circuit_data::{CircuitData, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoResult, Read};

use crate::config::{C, D, F};
use crate::gadgets::ecgfp5::curve::PointDecodeGenerator;
use crate::gadgets::ecgfp5::field::Gfp5InverseGenerator;
use crate::gadgets::fixed::{from_signed, to_signed, DivisionGenerator, LessThanGenerator};
use crate::gadgets::margin::{ScanGenerator, SignGenerator};
use crate::gadgets::oracle::SortGenerator;
use crate::gadgets::range_gate::{LimbGenerator, RangeCheckGate};
use crate::gadgets::risk::RowLookupGenerator;
use crate::rules::ecgfp5::curve::B;

/// A kind of witness generator in our circuits, with the reason its output
/// is the only one the constraints allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HintKind {
    /// Quotient and remainder of a division by a constant (`gadgets::fixed`).
    Division,
    /// The bit of a signed comparison (`is_lt`, and `max` through it).
    LessThan,
    /// The sign bit of a quantity (`MarginGadget::long_short`).
    Sign,
    /// The scan risk `max(0, max losses)` (`gadgets::margin`).
    Scan,
    /// A risk row looked up by instrument (`RiskGadget::risk_row`).
    RowLookup,
    /// The sorted copy of a quorum's prices whose middle is the median.
    Sort,
    /// The base-4 limbs of a range-checked value (`RangeCheckGate`).
    Limb,
    /// The affine x of a decoded ECgFp5 point and its square-root certificate.
    PointDecode,
    /// An inverse in GF(p^5) (`gfp5_inverse`, behind affine coordinates and
    /// encodings).
    Gfp5Inverse,
    /// One step of a double-scalar multiplication (`CurveStepGate`'s wires).
    CurveStep,
    /// The output of a GF(p^5) multiply-add row (`Gfp5MulAddGate`).
    Gfp5MulAdd,
    /// plonky2's `is_equal` flag and its inverse hint.
    Equality,
}

impl HintKind {
    /// Every kind.
    pub const ALL: [HintKind; 12] = [
        HintKind::Division,
        HintKind::LessThan,
        HintKind::Sign,
        HintKind::Scan,
        HintKind::RowLookup,
        HintKind::Sort,
        HintKind::Limb,
        HintKind::PointDecode,
        HintKind::Gfp5Inverse,
        HintKind::CurveStep,
        HintKind::Gfp5MulAdd,
        HintKind::Equality,
    ];

    /// The generator id (`SimpleGenerator::id`) of this kind.
    pub fn generator_id(self) -> &'static str {
        match self {
            HintKind::Division => "zksettle::DivisionGenerator",
            HintKind::LessThan => "zksettle::LessThanGenerator",
            HintKind::Sign => "zksettle::SignGenerator",
            HintKind::Scan => "zksettle::ScanGenerator",
            HintKind::RowLookup => "zksettle::RowLookupGenerator",
            HintKind::Sort => "zksettle::SortGenerator",
            HintKind::Limb => "zksettle::LimbGenerator",
            HintKind::PointDecode => "zksettle::PointDecodeGenerator",
            HintKind::Gfp5Inverse => "zksettle::Gfp5InverseGenerator",
            HintKind::CurveStep => "zksettle::CurveStepGenerator",
            HintKind::Gfp5MulAdd => "zksettle::Gfp5MulAddGenerator",
            HintKind::Equality => "EqualityGenerator",
        }
    }

    /// Why the output is unique (the full argument is beside the generator).
    pub fn argument(self) -> &'static str {
        match self {
            HintKind::Division => {
                "q*d+r = n mod p with r in [0,d), q in [-2^qb, 2^qb) and 2^qb*d+d < p/2: \
                 two solutions would differ by a multiple of p below p"
            }
            HintKind::LessThan => {
                "the bit picks which of b-a-1 and a-b is below 2^62; they sum to p-1 > 2^63"
            }
            HintKind::Sign => {
                "the wrong bit makes long or short negative, so the packed short*2^21+long is above 2^62"
            }
            HintKind::Scan => {
                "out in [0,2^59), out >= every loss (|loss| < 2^61) and out*prod(out-loss) = 0"
            }
            HintKind::RowLookup => {
                "the row hashes to the two digest elements stored at the instrument (a 128-bit second preimage)"
            }
            HintKind::Sort => {
                "ascending by range checks, equal to the inputs as a multiset by n power sums (n! < p)"
            }
            HintKind::Limb => {
                "31 base-4 digits sum to below 2^62 < p: the representation is the integer one"
            }
            HintKind::PointDecode => {
                "x^2 - x(w^2-a) + b = 0 has roots x, b/x, and only the non-square makes x*b = r^2; \
                 r's sign is inert (no other value depends on r)"
            }
            HintKind::Gfp5Inverse => "a*i = 1 in the field GF(p^5) has one solution",
            HintKind::CurveStep => "every wire the generator writes is fixed by a gate constraint",
            HintKind::Gfp5MulAdd => "c = a*b + d is the gate's constraint",
            HintKind::Equality => {
                "equal = 1 - (x-y)*inv and (x-y)*equal = 0: x != y forces equal = 0 and inv = 1/(x-y); \
                 x = y forces equal = 1, and inv is then inert"
            }
        }
    }

    /// The kind of a generator id, if it is one of ours.
    pub fn of_id(id: &str) -> Option<HintKind> {
        HintKind::ALL.into_iter().find(|k| k.generator_id() == id)
    }
}

/// Which generators to corrupt and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cheat {
    /// The generator kind.
    pub kind: HintKind,
    /// Which alternative of `alternatives` each corrupted generator writes
    /// (a generator with fewer alternatives writes its honest values).
    pub alternative: usize,
    /// Only the `k`-th generator of the kind (in the circuit's generator
    /// order), or every one.
    pub instance: Option<usize>,
}

/// The generators of `kind` in `data`.
pub fn instances(data: &CircuitData<F, C, D>, kind: HintKind) -> usize {
    data.prover_only
        .generators
        .iter()
        .filter(|g| g.0.id() == kind.generator_id())
        .count()
}

/// The divisor and rounding (`true` for a ceiling) of every division of
/// `data`, in generator order (the instance numbers of [`Cheat::instance`]
/// for [`HintKind::Division`]): a division's call site shows in them.
pub fn division_sites(data: &CircuitData<F, C, D>) -> Vec<(u64, bool)> {
    data.prover_only
        .generators
        .iter()
        .filter(|g| g.0.id() == HintKind::Division.generator_id())
        .map(
            |g| match Parsed::parse(HintKind::Division, g, &data.common) {
                Ok(Parsed::Division(d)) => (d.divisor, d.ceil),
                _ => unreachable!("a division generator parses as one"),
            },
        )
        .collect()
}

/// A built circuit whose generators can be swapped: the raw circuit data,
/// the chunk circuit and the prelude circuit.
pub trait Cheatable {
    /// The circuit's prover and verifier data.
    fn circuit_data_mut(&mut self) -> &mut CircuitData<F, C, D>;
}

impl Cheatable for CircuitData<F, C, D> {
    fn circuit_data_mut(&mut self) -> &mut CircuitData<F, C, D> {
        self
    }
}

impl Cheatable for crate::chunk::ChunkCircuit {
    fn circuit_data_mut(&mut self) -> &mut CircuitData<F, C, D> {
        &mut self.data
    }
}

impl Cheatable for crate::prelude::PreludeCircuit {
    fn circuit_data_mut(&mut self) -> &mut CircuitData<F, C, D> {
        &mut self.data
    }
}

/// Runs `run` on `circuit` with the generators `cheat` selects replaced by
/// cheating ones, then restores the honest generators (also when `run`
/// panics; the panic then propagates).
pub fn with_cheating_hints<T: Cheatable, R>(
    circuit: &mut T,
    cheat: Cheat,
    run: impl FnOnce(&T) -> R,
) -> Cheated<R> {
    let written = Arc::new(AtomicUsize::new(0));
    let data = circuit.circuit_data_mut();
    let common = data.common.clone();
    let mut replaced = Vec::new();
    let mut seen = 0;
    for (index, slot) in data.prover_only.generators.iter_mut().enumerate() {
        if slot.0.id() != cheat.kind.generator_id() {
            continue;
        }
        let chosen = cheat.instance.is_none_or(|k| k == seen);
        seen += 1;
        if !chosen {
            continue;
        }
        let parsed = Parsed::parse(cheat.kind, slot, &common)
            .expect("a generator of a known kind deserializes");
        let honest = Arc::new(std::mem::replace(
            slot,
            WitnessGeneratorRef::new(Placeholder),
        ));
        *slot = WitnessGeneratorRef::new(Cheating {
            honest: honest.clone(),
            parsed,
            alternative: cheat.alternative,
            written: written.clone(),
        });
        replaced.push((index, honest));
    }
    let count = replaced.len();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(circuit)));
    let data = circuit.circuit_data_mut();
    for (index, honest) in replaced {
        let slot = &mut data.prover_only.generators[index];
        // Dropping the cheating generator releases its share of the honest one.
        *slot = WitnessGeneratorRef::new(Placeholder);
        *slot = Arc::try_unwrap(honest).expect("the cheating generator is gone");
    }
    match outcome {
        Ok(outcome) => Cheated {
            replaced: count,
            written: written.load(Ordering::SeqCst),
            outcome,
        },
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// What a run with cheating hints did.
#[derive(Clone, Debug)]
pub struct Cheated<R> {
    /// Generators replaced.
    pub replaced: usize,
    /// Generators that ran and wrote an alternative (the others had none of
    /// that index, or never ran, and wrote their honest values).
    pub written: usize,
    /// The result of the run.
    pub outcome: R,
}

/// What a cheating generator needs to know of the honest one: its inputs.
#[derive(Debug)]
enum Parsed {
    Division(DivisionGenerator),
    LessThan(LessThanGenerator),
    Sign(SignGenerator),
    Scan(ScanGenerator),
    RowLookup(RowLookupGenerator),
    Sort(SortGenerator),
    Limb(LimbGenerator),
    PointDecode(PointDecodeGenerator),
    Gfp5Inverse(Gfp5InverseGenerator),
    /// A gate's generator: every output fixed by the gate.
    GateOutputs,
    /// plonky2's `EqualityGenerator`: `(x, y, equal, inv)`.
    Equality([Target; 4]),
}

impl Parsed {
    fn parse(
        kind: HintKind,
        generator: &WitnessGeneratorRef<F, D>,
        common: &CommonCircuitData<F, D>,
    ) -> IoResult<Self> {
        let mut bytes = Vec::new();
        generator.0.serialize(&mut bytes, common)?;
        let mut src = Buffer::new(&bytes);
        let src = &mut src;
        Ok(match kind {
            HintKind::Division => Parsed::Division(DivisionGenerator::deserialize(src, common)?),
            HintKind::LessThan => Parsed::LessThan(LessThanGenerator::deserialize(src, common)?),
            HintKind::Sign => Parsed::Sign(SignGenerator::deserialize(src, common)?),
            HintKind::Scan => Parsed::Scan(ScanGenerator::deserialize(src, common)?),
            HintKind::RowLookup => Parsed::RowLookup(RowLookupGenerator::deserialize(src, common)?),
            HintKind::Sort => Parsed::Sort(SortGenerator::deserialize(src, common)?),
            HintKind::Limb => Parsed::Limb(<LimbGenerator as SimpleGenerator<F, D>>::deserialize(
                src, common,
            )?),
            HintKind::PointDecode => {
                Parsed::PointDecode(PointDecodeGenerator::deserialize(src, common)?)
            }
            HintKind::Gfp5Inverse => {
                Parsed::Gfp5Inverse(Gfp5InverseGenerator::deserialize(src, common)?)
            }
            HintKind::CurveStep | HintKind::Gfp5MulAdd => Parsed::GateOutputs,
            HintKind::Equality => Parsed::Equality([
                src.read_target()?,
                src.read_target()?,
                src.read_target()?,
                src.read_target()?,
            ]),
        })
    }
}

/// The alternatives to `honest` (the generator's honest outputs, in the
/// order it writes them) that a cheating generator of this kind tries.
fn alternatives(
    parsed: &Parsed,
    witness: &PartitionWitness<F>,
    honest: &[(Target, F)],
) -> Vec<Vec<(Target, F)>> {
    let value = |t: Target| witness.get_target(t);
    let with = |changes: &[(Target, F)]| -> Vec<(Target, F)> {
        honest
            .iter()
            .map(|&(t, v)| {
                let changed = changes.iter().find(|(c, _)| *c == t);
                (t, changed.map_or(v, |&(_, w)| w))
            })
            .collect()
    };
    let flip = |t: Target| with(&[(t, F::ONE - honest_of(honest, t))]);
    match parsed {
        Parsed::Division(g) => {
            // q' d + r' = n + m p for m = +1, -1, with r' in [0, d).
            let n = to_signed(value(g.numerator));
            let d = i128::from(g.divisor);
            let p = i128::from(F::ORDER);
            [1i128, -1]
                .into_iter()
                .map(|m| {
                    let shifted = n + m * p;
                    let (q, r) = if g.ceil {
                        let q = crate::rules::fixed::ceil_div(shifted, d);
                        (q, q * d - shifted)
                    } else {
                        let q = crate::rules::fixed::floor_div(shifted, d);
                        (q, shifted - q * d)
                    };
                    with(&[(g.quotient, from_signed(q)), (g.remainder, from_signed(r))])
                })
                .collect()
        }
        Parsed::LessThan(g) => vec![flip(g.lt)],
        Parsed::Sign(g) => vec![flip(g.is_long)],
        Parsed::Scan(g) => {
            let out = honest_of(honest, g.out);
            let mut candidates = vec![out + F::ONE, F::ZERO];
            candidates.extend(g.losses.iter().map(|&t| value(t)));
            candidates.dedup();
            candidates
                .into_iter()
                .filter(|&c| c != out)
                .map(|c| with(&[(g.out, c)]))
                .collect()
        }
        Parsed::RowLookup(g) => {
            let index = value(g.index).to_canonical_u64() as usize;
            (1..g.table.len())
                .map(|k| &g.table[(index + k) % g.table.len()])
                .map(|row| {
                    let changes: Vec<_> = g
                        .out
                        .iter()
                        .zip(row)
                        .map(|(&o, &t)| (o, value(t)))
                        .collect();
                    with(&changes)
                })
                .filter(|alt| alt != honest)
                .collect()
        }
        Parsed::Sort(g) => {
            let sorted: Vec<F> = g.sorted.iter().map(|&t| honest_of(honest, t)).collect();
            let inputs: Vec<F> = g.values.iter().map(|&t| value(t)).collect();
            let mut reversed = sorted.clone();
            reversed.reverse();
            let mut middle_moved = sorted.clone();
            let mid = sorted.len() / 2;
            middle_moved[mid] += F::ONE;
            let mut top_replaced = sorted.clone();
            if let Some(last) = top_replaced.last_mut() {
                *last = sorted[0];
            }
            [inputs, reversed, middle_moved, top_replaced]
                .into_iter()
                .filter(|alt| *alt != sorted)
                .map(|alt| {
                    let changes: Vec<_> = g.sorted.iter().copied().zip(alt).collect();
                    with(&changes)
                })
                .collect()
        }
        Parsed::Limb(g) => {
            // Carry one between the two lowest digits: same sum, a digit
            // outside {0, 1, 2, 3}.
            let limb = |i| Target::wire(g.row, RangeCheckGate::wire_limb(g.op, i));
            let (l0, l1) = (honest_of(honest, limb(0)), honest_of(honest, limb(1)));
            vec![
                with(&[
                    (limb(0), l0 + F::from_canonical_u64(4)),
                    (limb(1), l1 - F::ONE),
                ]),
                with(&[
                    (limb(0), l0 - F::from_canonical_u64(4)),
                    (limb(1), l1 + F::ONE),
                ]),
            ]
        }
        Parsed::PointDecode(g) => {
            let x = honest_gfp5(honest, g.x.0);
            let r = honest_gfp5(honest, g.r.0);
            let other = x.try_inverse().map_or(B, |inv| B * inv);
            let set = |targets: [Target; 5], v: crate::rules::ecgfp5::field::Gfp5| {
                targets.into_iter().zip(v.0).collect::<Vec<_>>()
            };
            let mut other_root = set(g.x.0, other);
            other_root.extend(set(g.r.0, r));
            vec![with(&other_root), with(&set(g.r.0, -r))]
        }
        Parsed::Gfp5Inverse(g) => {
            let inverse = get_gfp5_or(honest, g.inverse.0);
            vec![
                with(&[(g.inverse.0[0], inverse[0] + F::ONE)]),
                with(&g.inverse.0.map(|t| (t, F::ZERO))),
            ]
        }
        Parsed::GateOutputs => honest
            .first()
            .map(|&(t, v)| vec![with(&[(t, v + F::ONE)])])
            .unwrap_or_default(),
        Parsed::Equality([x, y, equal, inv]) => {
            let differ = value(*x) != value(*y);
            let flipped = F::ONE - honest_of(honest, *equal);
            // Claiming equal for distinct values: any inverse; claiming
            // distinct for equal values: no inverse exists, try 1.
            let inv_value = if differ {
                honest_of(honest, *inv)
            } else {
                F::ONE
            };
            vec![with(&[(*equal, flipped), (*inv, inv_value)])]
        }
    }
}

fn honest_of(honest: &[(Target, F)], t: Target) -> F {
    honest
        .iter()
        .find(|(s, _)| *s == t)
        .map_or(F::ZERO, |&(_, v)| v)
}

fn get_gfp5_or(honest: &[(Target, F)], targets: [Target; 5]) -> [F; 5] {
    targets.map(|t| honest_of(honest, t))
}

fn honest_gfp5(honest: &[(Target, F)], targets: [Target; 5]) -> crate::rules::ecgfp5::field::Gfp5 {
    plonky2::field::extension::quintic::QuinticExtension(get_gfp5_or(honest, targets))
}

/// A generator that runs the honest one and writes one of its
/// `alternatives` instead (the honest values if it has fewer).
#[derive(Debug)]
struct Cheating {
    honest: Arc<WitnessGeneratorRef<F, D>>,
    parsed: Parsed,
    alternative: usize,
    written: Arc<AtomicUsize>,
}

/// Stands in a generator slot while generators are swapped; never run.
#[derive(Debug)]
struct Placeholder;

impl WitnessGenerator<F, D> for Placeholder {
    fn id(&self) -> String {
        "zksettle::hints::Placeholder".into()
    }

    fn watch_list(&self) -> Vec<Target> {
        Vec::new()
    }

    fn run(&self, _: &PartitionWitness<F>, _: &mut GeneratedValues<F>) -> bool {
        true
    }

    fn serialize(&self, _: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        Err(plonky2::util::serialization::IoError)
    }

    fn deserialize(_: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Err(plonky2::util::serialization::IoError)
    }
}

impl WitnessGenerator<F, D> for Cheating {
    fn id(&self) -> String {
        "zksettle::hints::Cheating".into()
    }

    fn watch_list(&self) -> Vec<Target> {
        self.honest.0.watch_list()
    }

    fn run(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> bool {
        let mut values = GeneratedValues::empty();
        let done = self.honest.0.run(witness, &mut values);
        if !done {
            return false;
        }
        let chosen = alternatives(&self.parsed, witness, &values.target_values)
            .into_iter()
            .nth(self.alternative);
        if chosen.is_some() {
            self.written.fetch_add(1, Ordering::SeqCst);
        }
        out.target_values
            .extend(chosen.unwrap_or(values.target_values));
        true
    }

    fn serialize(&self, _: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        Err(plonky2::util::serialization::IoError)
    }

    fn deserialize(_: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Err(plonky2::util::serialization::IoError)
    }
}
