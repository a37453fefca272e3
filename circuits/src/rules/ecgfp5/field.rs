//! GF(p^5) = GF(p)\[z\]/(z^5 - 3) over the Goldilocks prime p = 2^64 - 2^32 + 1,
//! the base field of ECgFp5.
//!
//! plonky2's [`QuinticExtension`] already multiplies and inverts in exactly
//! this field (`GoldilocksField: Extendable<5>` with `W = 3`). This file adds
//! what the curve needs on top: the quadratic character, square roots, and
//! the canonical encoding as five `u64` coefficients, z^0 first.
//!
//! Both the character and the square root go through the norm
//! N(x) = x^(1 + p + p^2 + p^3 + p^4), which lies in GF(p): since
//! (p^5 - 1)/2 = (p - 1)/2 · r with r = 1 + p + ... + p^4, x is a square in
//! GF(p^5) exactly when N(x) = x^r is a square in GF(p). A square root is
//! then sqrt(x^r) / x^((r - 1)/2), one GF(p) square root and a handful of
//! Frobenius maps (Pornin, ECgFp5 whitepaper, section 3).

use plonky2::field::extension::quintic::QuinticExtension;
use plonky2::field::extension::Frobenius;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, Field64, PrimeField, PrimeField64};

use super::error::Ecgfp5Error;

/// An element of GF(p^5), coefficients z^0 first.
pub type Gfp5 = QuinticExtension<GoldilocksField>;

/// The Goldilocks prime p = 2^64 - 2^32 + 1.
pub const P: u64 = GoldilocksField::ORDER;

/// The element with the given coefficients, z^0 first. Every coefficient
/// must already be below p (only for constants; see [`from_canonical`]).
pub const fn gfp5_const(c: [u64; 5]) -> Gfp5 {
    QuinticExtension([
        GoldilocksField(c[0]),
        GoldilocksField(c[1]),
        GoldilocksField(c[2]),
        GoldilocksField(c[3]),
        GoldilocksField(c[4]),
    ])
}

/// Decodes five canonical coefficients (z^0 first); a coefficient not
/// below p is rejected, so every element has exactly one encoding.
pub fn from_canonical(c: [u64; 5]) -> Result<Gfp5, Ecgfp5Error> {
    if let Some(index) = c.iter().position(|&v| v >= P) {
        return Err(Ecgfp5Error::NonCanonicalField {
            index,
            value: c[index],
        });
    }
    Ok(gfp5_const(c))
}

/// The canonical coefficients of `x`, z^0 first, each below p.
pub fn to_canonical(x: &Gfp5) -> [u64; 5] {
    x.0.map(|c| c.to_canonical_u64())
}

/// The norm N(x) = x^(1 + p + p^2 + p^3 + p^4), an element of GF(p).
pub fn norm(x: &Gfp5) -> GoldilocksField {
    // t = x^(p + p^2), then x^(p + p^2 + p^3 + p^4).
    let f = x.frobenius();
    let t = f * f.frobenius();
    let t = t * t.repeated_frobenius(2);
    let n = *x * t;
    debug_assert!(n.0[1..].iter().all(|c| c.is_zero()));
    n.0[0]
}

/// The quadratic character: 0 for zero, 1 for a nonzero square, -1 for a
/// non-square.
pub fn legendre(x: &Gfp5) -> i8 {
    let n = norm(x);
    if n.is_zero() {
        0
    } else if n.exp_u64((P - 1) / 2).is_one() {
        1
    } else {
        -1
    }
}

/// Whether `x` is a square (zero counts as one).
pub fn is_square(x: &Gfp5) -> bool {
    legendre(x) >= 0
}

/// A square root of `x`, or `None` if `x` is not a square. Which of the two
/// roots is returned is unspecified.
pub fn sqrt(x: &Gfp5) -> Option<Gfp5> {
    if x.is_zero() {
        return Some(Gfp5::ZERO);
    }
    // (r - 1)/2 = (p + p^2 + p^3 + p^4)/2 = ((p + 1)/2) · (p + p^3), so
    // x^((r-1)/2) = frob(d · frob^2(d)) with d = x^((p+1)/2).
    let d = x.exp_u64(P.div_ceil(2));
    let e = (d * d.repeated_frobenius(2)).frobenius();
    // x · e^2 = x^r lies in GF(p).
    let g = *x * e * e;
    debug_assert!(g.0[1..].iter().all(|c| c.is_zero()));
    let s = g.0[0].sqrt()?;
    let root = Gfp5::from(s) / e;
    (root * root == *x).then_some(root)
}
