//! Serializers for our circuits' prover data: plonky2's default gates and
//! witness generators plus ours (the range-check gate and the gadgets'
//! generators), so a built circuit can be written to disk and loaded instead
//! of rebuilt (a 2^16 chunk circuit loads in about 2 s and builds in 12 s).

use plonky2::gadgets::arithmetic::EqualityGenerator;
use plonky2::gadgets::arithmetic_extension::QuotientGeneratorExtension;
use plonky2::gadgets::range_check::LowHighGenerator;
use plonky2::gadgets::split_base::BaseSumGenerator;
use plonky2::gadgets::split_join::{SplitGenerator, WireSplitGenerator};
use plonky2::gates::arithmetic_base::{ArithmeticBaseGenerator, ArithmeticGate};
use plonky2::gates::arithmetic_extension::{ArithmeticExtensionGate, ArithmeticExtensionGenerator};
use plonky2::gates::base_sum::{BaseSplitGenerator, BaseSumGate};
use plonky2::gates::constant::ConstantGate;
use plonky2::gates::coset_interpolation::{CosetInterpolationGate, InterpolationGenerator};
use plonky2::gates::exponentiation::{ExponentiationGate, ExponentiationGenerator};
use plonky2::gates::lookup::{LookupGate, LookupGenerator};
use plonky2::gates::lookup_table::{LookupTableGate, LookupTableGenerator};
use plonky2::gates::multiplication_extension::{MulExtensionGate, MulExtensionGenerator};
use plonky2::gates::noop::NoopGate;
use plonky2::gates::poseidon::{PoseidonGate, PoseidonGenerator};
use plonky2::gates::poseidon_mds::{PoseidonMdsGate, PoseidonMdsGenerator};
use plonky2::gates::public_input::PublicInputGate;
use plonky2::gates::random_access::{RandomAccessGate, RandomAccessGenerator};
use plonky2::gates::reducing::{ReducingGate, ReducingGenerator};
use plonky2::gates::reducing_extension::{
    ReducingExtensionGate, ReducingGenerator as ReducingExtensionGenerator,
};
use plonky2::iop::generator::{
    ConstantGenerator, CopyGenerator, NonzeroTestGenerator, RandomValueGenerator,
};
use plonky2::recursion::dummy_circuit::DummyProofGenerator;
use plonky2::util::serialization::{GateSerializer, WitnessGeneratorSerializer};
use plonky2::{
    get_gate_tag_impl, get_generator_tag_impl, impl_gate_serializer, impl_generator_serializer,
    read_gate_impl, read_generator_impl,
};

use crate::config::{C, D, F};
use crate::gadgets::ecgfp5::curve::PointDecodeGenerator;
use crate::gadgets::ecgfp5::field::{
    Gfp5InverseGenerator, Gfp5IsZeroGenerator, Gfp5QuotientGenerator,
};
use crate::gadgets::ecgfp5::mul_gate::{Gfp5MulAddGate, Gfp5MulAddGenerator};
use crate::gadgets::ecgfp5::step_gate::{CurveStepGate, CurveStepGenerator};
use crate::gadgets::fixed::{DivisionGenerator, LessThanGenerator};
use crate::gadgets::margin::{ScanGenerator, SignGenerator};
use crate::gadgets::oracle::SortGenerator;
use crate::gadgets::range_gate::{LimbGenerator, RangeCheckGate};
use crate::gadgets::risk::RowLookupGenerator;

/// Gates of zksettle circuits: plonky2's, [`RangeCheckGate`],
/// [`Gfp5MulAddGate`] and [`CurveStepGate`].
#[derive(Debug, Default)]
pub struct Gates;

impl GateSerializer<F, D> for Gates {
    impl_gate_serializer! {
        Gates,
        ArithmeticGate,
        ArithmeticExtensionGate<D>,
        BaseSumGate<2>,
        ConstantGate,
        CosetInterpolationGate<F, D>,
        ExponentiationGate<F, D>,
        LookupGate,
        LookupTableGate,
        MulExtensionGate<D>,
        NoopGate,
        PoseidonMdsGate<F, D>,
        PoseidonGate<F, D>,
        PublicInputGate,
        RandomAccessGate<F, D>,
        ReducingExtensionGate<D>,
        ReducingGate<D>,
        RangeCheckGate,
        Gfp5MulAddGate,
        CurveStepGate
    }
}

/// Witness generators of zksettle circuits: plonky2's and the gadgets'.
#[derive(Debug, Default)]
pub struct Generators;

impl WitnessGeneratorSerializer<F, D> for Generators {
    impl_generator_serializer! {
        Generators,
        ArithmeticBaseGenerator<F, D>,
        ArithmeticExtensionGenerator<F, D>,
        BaseSplitGenerator<2>,
        BaseSumGenerator<2>,
        ConstantGenerator<F>,
        CopyGenerator,
        DummyProofGenerator<F, C, D>,
        EqualityGenerator,
        ExponentiationGenerator<F, D>,
        InterpolationGenerator<F, D>,
        LookupGenerator,
        LookupTableGenerator,
        LowHighGenerator,
        MulExtensionGenerator<F, D>,
        NonzeroTestGenerator,
        PoseidonGenerator<F, D>,
        PoseidonMdsGenerator<D>,
        QuotientGeneratorExtension<D>,
        RandomAccessGenerator<F, D>,
        RandomValueGenerator,
        ReducingGenerator<D>,
        ReducingExtensionGenerator<D>,
        SplitGenerator,
        WireSplitGenerator,
        DivisionGenerator,
        LessThanGenerator,
        ScanGenerator,
        SignGenerator,
        SortGenerator,
        LimbGenerator,
        RowLookupGenerator,
        Gfp5MulAddGenerator,
        Gfp5InverseGenerator,
        Gfp5QuotientGenerator,
        Gfp5IsZeroGenerator,
        PointDecodeGenerator,
        CurveStepGenerator
    }
}
