//! The ECgFp5 group: points of the double-odd curve
//! E: y^2 = x (x^2 + a x + b) over GF(p^5), a = 2, b = 263 z.
//!
//! E has 2n points, n prime, and exactly one point of order two,
//! N = (0, 0). The group used is { P + N : n P = 0 } with the law
//! (P + N) ⊕ (Q + N) = P + Q + N: its neutral is N itself, so every element,
//! the neutral included, is an affine point (x, y) and no element has
//! y = 0 except N. The x coordinate of every element other than N is a
//! non-square (b is a non-square and x(P + N) = b / x(P)).
//!
//! Encoding: N encodes as w = 0, any other element (x, y) as w = y / x.
//! Decoding solves x^2 - (w^2 - a) x + b = 0: with e = w^2 - a and
//! delta = e^2 - 4b, w is rejected unless delta is a square, and of the two
//! roots (e ± sqrt(delta)) / 2 exactly one is a non-square: that one is x
//! (the other is x(-P), the third point on the line of slope w through N).
//! Encoding is injective and each element has exactly one w.
//!
//! Internally a point is held in the fractional (x, u) coordinates of the
//! whitepaper, u = x / y = 1 / w: (X : Z : U : T) with x = X / Z and
//! u = U / T, N = (0 : 1 : 0 : 1). The addition formulas are complete (no
//! exceptional case: P + P, P + N, P + (-P) all work), negation flips U,
//! and two points are equal exactly when U1 T2 = U2 T1.

use plonky2::field::ops::Square;
use plonky2::field::types::Field;

use super::error::Ecgfp5Error;
use super::field::{self, gfp5_const, Gfp5};
use super::scalar::Scalar;

/// The curve constant a = 2.
pub const A: Gfp5 = gfp5_const([2, 0, 0, 0, 0]);
/// The curve constant b = 263 z.
pub const B: Gfp5 = gfp5_const([0, 263, 0, 0, 0]);

/// An element of the ECgFp5 group, in fractional (x, u) coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    x: Gfp5,
    z: Gfp5,
    u: Gfp5,
    t: Gfp5,
}

impl Point {
    /// The neutral element N = (0, 0), encoded as w = 0.
    pub const NEUTRAL: Self = Self {
        x: Gfp5::ZERO,
        z: Gfp5::ONE,
        u: Gfp5::ZERO,
        t: Gfp5::ONE,
    };

    /// The conventional generator G, encoded as w = 4: x is the non-square
    /// root of x^2 - 14 x + 263 z (checked against decoding by the tests).
    pub const GENERATOR: Self = Self {
        x: gfp5_const([
            12883135586176881569,
            4356519642755055268,
            5248930565894896907,
            2165973894480315022,
            2448410071095648785,
        ]),
        z: Gfp5::ONE,
        u: Gfp5::ONE,
        t: gfp5_const([4, 0, 0, 0, 0]),
    };

    /// The conventional generator G (same as [`Self::GENERATOR`]).
    pub fn generator() -> Self {
        Self::GENERATOR
    }

    /// Decodes w (see the module docs); `InvalidPoint` if no element
    /// encodes to w.
    pub fn decode(w: &Gfp5) -> Result<Self, Ecgfp5Error> {
        if w.is_zero() {
            return Ok(Self::NEUTRAL);
        }
        let e = w.square() - A;
        let delta = e.square() - B * Gfp5::from_canonical_u64(4);
        let r = field::sqrt(&delta).ok_or(Ecgfp5Error::InvalidPoint)?;
        let half = Gfp5::TWO.inverse();
        let x1 = (e + r) * half;
        let x2 = (e - r) * half;
        let x = if field::is_square(&x1) { x2 } else { x1 };
        Ok(Self {
            x,
            z: Gfp5::ONE,
            u: Gfp5::ONE,
            t: *w,
        })
    }

    /// Decodes five canonical coefficients of w, z^0 first.
    pub fn from_encoding(w: [u64; 5]) -> Result<Self, Ecgfp5Error> {
        Self::decode(&field::from_canonical(w)?)
    }

    /// The encoding w = 1 / u (zero for the neutral).
    pub fn encode(&self) -> Gfp5 {
        if self.u.is_zero() {
            Gfp5::ZERO
        } else {
            self.t / self.u
        }
    }

    /// The canonical coefficients of [`Self::encode`], z^0 first.
    pub fn encoding(&self) -> [u64; 5] {
        field::to_canonical(&self.encode())
    }

    /// The affine (x, u) coordinates, u = x / y (u = 0 for the neutral).
    pub fn to_affine_xu(&self) -> (Gfp5, Gfp5) {
        (self.x / self.z, self.u / self.t)
    }

    /// The fractional coordinates (X, Z, U, T): x = X / Z, u = U / T (for
    /// circuit gadgets mirroring this code).
    pub fn coordinates(&self) -> [Gfp5; 4] {
        [self.x, self.z, self.u, self.t]
    }

    /// The point of fractional coordinates (X, Z, U, T), unchecked: the
    /// caller vouches that they describe a group element (for reading back
    /// circuit gadgets' outputs).
    pub fn from_coordinates([x, z, u, t]: [Gfp5; 4]) -> Self {
        Self { x, z, u, t }
    }

    /// Whether this is the neutral element.
    pub fn is_neutral(&self) -> bool {
        self.u.is_zero()
    }

    /// The group sum (complete formulas, 10 multiplications plus small
    /// constants; whitepaper section 4).
    pub fn add(&self, rhs: &Self) -> Self {
        let (x1, z1, u1, t1) = (self.x, self.z, self.u, self.t);
        let (x2, z2, u2, t2) = (rhs.x, rhs.z, rhs.u, rhs.t);
        let xx = x1 * x2;
        let zz = z1 * z2;
        let uu = u1 * u2;
        let tt = t1 * t2;
        // x1 z2 + x2 z1 and u1 t2 + u2 t1, Karatsuba style.
        let xz = (x1 + z1) * (x2 + z2) - xx - zz;
        let ut = (u1 + t1) * (u2 + t2) - uu - tt;
        let m = xx + B * zz;
        let tm = tt * m;
        let um = uu * (B.double() * xz + A * m);
        let big = (tt + A * uu) * (xz + m);
        Self {
            x: B * (big - tm),
            z: tm - um,
            u: ut * (B * zz - xx),
            t: tm + um,
        }
    }

    /// Twice this point (4 multiplications and 5 squarings; the formulas
    /// use a = 2).
    pub fn double(&self) -> Self {
        let (x, z, u, t) = (self.x, self.z, self.u, self.t);
        let zt = z * t;
        let ztt = zt * t;
        let ztu = zt * u;
        let w = ztt - (x + z).double() * u.square();
        let ztu2 = ztu.square();
        let w2 = w.square();
        Self {
            x: B * ztu2.double().double(),
            z: w2,
            u: (w + ztu).square() - ztu2 - w2,
            t: ztt.square().double() - ztu2.double().double() - w2,
        }
    }

    /// The group inverse: (x, y) to (x, -y).
    pub fn neg(&self) -> Self {
        Self {
            u: -self.u,
            ..*self
        }
    }

    /// The group difference.
    pub fn sub(&self, rhs: &Self) -> Self {
        self.add(&rhs.neg())
    }

    /// `k · self`, by double-and-add from the top bit (not constant time).
    pub fn mul(&self, k: &Scalar) -> Self {
        let mut acc = Self::NEUTRAL;
        for bit in k.bits_le().iter().rev() {
            acc = acc.double();
            if *bit {
                acc = acc.add(self);
            }
        }
        acc
    }

    /// `k · G`, by a fixed-base comb: `k` in 4-bit windows `k_i`, and
    /// `k · G = sum_i (k_i · 2^(4i)) · G` read from a table built once per
    /// process (80 windows x 15 multiples), so 80 additions and no
    /// doublings against [`Self::mul`]'s 319 doublings and ~160 additions.
    /// Equal to `GENERATOR.mul(k)` (not constant time either): the keys and
    /// nonces of the simulator, fixtures and `keygen`.
    pub fn mul_generator(k: &Scalar) -> Self {
        let table = generator_table();
        let bits = k.bits_le();
        let mut acc = Self::NEUTRAL;
        for (window, multiples) in table.iter().enumerate() {
            let digit = (0..COMB_BITS)
                .map(|b| bits.get(window * COMB_BITS + b).copied().unwrap_or(false))
                .rev()
                .fold(0usize, |d, bit| 2 * d + usize::from(bit));
            if digit != 0 {
                acc = acc.add(&multiples[digit - 1]);
            }
        }
        acc
    }

    /// `s · G + e · q`, by one joint double-and-add (Shamir's trick; not
    /// constant time: for verification, on public data).
    pub fn mul_add_generator(s: &Scalar, e: &Scalar, q: &Self) -> Self {
        let g = Self::GENERATOR;
        let gq = g.add(q);
        let mut acc = Self::NEUTRAL;
        for (sb, eb) in s.bits_le().iter().zip(e.bits_le().iter()).rev() {
            acc = acc.double();
            match (sb, eb) {
                (true, true) => acc = acc.add(&gq),
                (true, false) => acc = acc.add(&g),
                (false, true) => acc = acc.add(q),
                (false, false) => {}
            }
        }
        acc
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        // u determines the element (w = 1/u is an injective encoding), and
        // T is never zero for an element of the group.
        self.u * other.t == other.u * self.t
    }
}

impl Eq for Point {}

/// Bits per window of [`Point::mul_generator`]'s comb.
const COMB_BITS: usize = 4;

/// Windows of the comb: every scalar bit in one.
const COMB_WINDOWS: usize = Scalar::BITS.div_ceil(COMB_BITS);

/// `table[i][j - 1] = (j · 2^(4i)) · G` for `j` in `1..16`.
type GeneratorTable = [[Point; (1 << COMB_BITS) - 1]; COMB_WINDOWS];

/// The comb's table, built on first use.
fn generator_table() -> &'static GeneratorTable {
    static TABLE: std::sync::OnceLock<Box<GeneratorTable>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut base = Point::GENERATOR;
        let mut table = Box::new([[Point::NEUTRAL; (1 << COMB_BITS) - 1]; COMB_WINDOWS]);
        for window in table.iter_mut() {
            let mut multiple = base;
            for slot in window.iter_mut() {
                *slot = multiple;
                multiple = multiple.add(&base);
            }
            // 2^4 · base: the next window's base.
            base = multiple;
        }
        table
    })
}
