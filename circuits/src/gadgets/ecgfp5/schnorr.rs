//! In-circuit verification of the native ECgFp5 Schnorr signatures
//! ([`crate::rules::ecgfp5::schnorr`]): R' = s G - e Q must not be the
//! neutral, and Poseidon(SCHNORR_CHALLENGE, w(Q), w(R'), len, msg...) must
//! equal e's four words.

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::WitnessWrite;
use zksettle_verifier::domain::SCHNORR_CHALLENGE;

use super::curve::CurveGadget;
use super::field::Gfp5Target;
use crate::config::F;
use crate::gadgets::Builder;
use crate::rules::ecgfp5::scalar::order;
use crate::rules::ecgfp5::{Scalar, Signature};

/// Bits of the challenge e: four 64-bit words.
pub const E_BITS: usize = 256;

/// A signature (e, s) in a circuit: e as its four words h0..h3 (each a
/// field element, so below p), s as its 319 bits, little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureTarget {
    /// The challenge words h0..h3.
    pub e: [Target; 4],
    /// The response s, little-endian bits.
    pub s_bits: [BoolTarget; Scalar::BITS],
}

/// Sets `target` to `sig` in a witness.
pub fn set_signature<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    target: &SignatureTarget,
    sig: &Signature,
) -> anyhow::Result<()> {
    for (&t, v) in target.e.iter().zip(sig.e_elements()) {
        witness.set_target(t, v)?;
    }
    for (&t, v) in target.s_bits.iter().zip(sig.s().bits_le()) {
        witness.set_bool_target(t, v)?;
    }
    Ok(())
}

/// Rows (gates, before the circuit's constants) of one signature taken as
/// witness and verified under a key given as its encoding, for a message of
/// `msg_len` elements: what `zksettle stats` reports as `verify_signature`.
pub fn verification_rows(msg_len: usize) -> usize {
    use super::field::Gfp5Gadget;
    let mut builder =
        Builder::new(plonky2::plonk::circuit_data::CircuitConfig::standard_recursion_config());
    let public = builder.add_virtual_gfp5();
    let msg: Vec<Target> = (0..msg_len).map(|_| builder.add_virtual_target()).collect();
    let before = builder.num_gates();
    let sig = builder.add_virtual_signature();
    builder.verify_schnorr(public, &msg, &sig);
    builder.num_gates() - before
}

/// Schnorr verification on the circuit builder.
pub trait SchnorrGadget {
    /// A fresh signature: four unconstrained words and 319 bits, each
    /// constrained boolean. Cost: 319 base ops, 16 rows.
    fn add_virtual_signature(&mut self) -> SignatureTarget;

    /// The 64 little-endian bits of the canonical value of `x` (below p):
    /// a `split_le` (two `BaseSumGate` rows) and the exclusion of the one
    /// other 64-bit representation, x + p (possible for x < 2^32 - 1): a
    /// value is at least p exactly when its high 32 bits are all ones and
    /// its low 32 bits not all zeros, so `(high == 2^32 - 1) * low = 0` is
    /// constrained. Cost: about 4 rows.
    fn split_canonical_u64(&mut self, x: Target) -> Vec<BoolTarget>;

    /// Constrains the 64 little-endian `bits` (boolean, which the caller
    /// guarantees) to encode an integer below p: `(high == 2^32 - 1) *
    /// low = 0` for their high and low 32-bit halves. Cost: about 2 rows.
    fn assert_canonical_u64_bits(&mut self, bits: &[BoolTarget]);

    /// Constrains the little-endian `bits` (boolean, which the caller
    /// guarantees; at least as many as n has) to encode an integer below
    /// the group order n, as the native [`Scalar`] is: from the top, a flag
    /// "equal to n so far" is multiplied by each bit where n has a one, a
    /// bit where n has a zero must be zero while the flag is set, and the
    /// flag must end at zero. Cost: one base op per bit, 16 rows for 319.
    fn assert_scalar_canonical(&mut self, bits: &[BoolTarget]);

    /// Constrains `sig` to be a valid signature of `msg` under the public
    /// key of encoding `public`, exactly as the native
    /// [`PublicKey::verify`](crate::rules::ecgfp5::PublicKey::verify):
    /// `public` must decode ([`CurveGadget::point_decode`]: w = 0, the
    /// neutral key, and undecodable w are refused); e's 256 bits are the
    /// canonical decompositions of its four words; R' = s G + e (-Q)
    /// ([`CurveGadget::point_mul_add_generator`]) must not be the neutral
    /// ([`CurveGadget::point_encode`] refuses it); and
    /// Poseidon(SCHNORR_CHALLENGE, w(Q), w(R'), len(msg), msg...) is
    /// connected to e's words. s's bits must encode an integer below n
    /// ([`SchnorrGadget::assert_scalar_canonical`]), so the witness of a
    /// signature is the native one (no s + n), and be boolean
    /// ([`SchnorrGadget::add_virtual_signature`] constrains them).
    /// Cost: see the row-count test (312 rows for a three-element message,
    /// 313 for an eight- to twelve-element one, the users' messages with
    /// the market hash; 257 of them are s G + e (-Q)).
    fn verify_schnorr(&mut self, public: Gfp5Target, msg: &[Target], sig: &SignatureTarget);
}

impl SchnorrGadget for Builder {
    fn add_virtual_signature(&mut self) -> SignatureTarget {
        SignatureTarget {
            e: core::array::from_fn(|_| self.add_virtual_target()),
            s_bits: core::array::from_fn(|_| self.add_virtual_bool_target_safe()),
        }
    }

    fn split_canonical_u64(&mut self, x: Target) -> Vec<BoolTarget> {
        let bits = self.split_le(x, 64);
        self.assert_canonical_u64_bits(&bits);
        bits
    }

    fn assert_canonical_u64_bits(&mut self, bits: &[BoolTarget]) {
        assert_eq!(bits.len(), 64, "64 bits");
        let low = self.le_sum(bits[..32].iter());
        let high = self.le_sum(bits[32..].iter());
        let all_ones = self.constant(F::from_canonical_u64(u32::MAX as u64));
        let high_all_ones = self.is_equal(high, all_ones);
        let product = self.mul(high_all_ones.target, low);
        self.assert_zero(product);
    }

    fn assert_scalar_canonical(&mut self, bits: &[BoolTarget]) {
        let n = order();
        assert!(bits.len() as u64 >= n.bits(), "enough bits for n");
        let mut equal = self.one();
        for (i, bit) in bits.iter().enumerate().rev() {
            if n.bit(i as u64) {
                equal = self.mul(equal, bit.target);
            } else {
                let above = self.mul(equal, bit.target);
                self.assert_zero(above);
            }
        }
        self.assert_zero(equal);
    }

    fn verify_schnorr(&mut self, public: Gfp5Target, msg: &[Target], sig: &SignatureTarget) {
        self.assert_scalar_canonical(&sig.s_bits);
        let q = self.point_decode(public);
        let minus_q = self.point_neg(q);
        let e_bits: Vec<BoolTarget> = sig
            .e
            .iter()
            .flat_map(|&h| self.split_canonical_u64(h))
            .collect();
        debug_assert_eq!(e_bits.len(), E_BITS);
        let r = self.point_mul_add_generator(&sig.s_bits, &e_bits, minus_q);
        let w_r = self.point_encode(r);
        let mut input = Vec::with_capacity(12 + msg.len());
        input.push(self.constant(F::from_canonical_u64(SCHNORR_CHALLENGE)));
        input.extend(public.0);
        input.extend(w_r.0);
        input.push(self.constant(F::from_canonical_usize(msg.len())));
        input.extend_from_slice(msg);
        let h = self.hash_n_to_hash_no_pad::<PoseidonHash>(input);
        for (h, e) in h.elements.into_iter().zip(sig.e) {
            self.connect(h, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Sample;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::CircuitData;

    use super::*;
    use crate::config::{C, D};
    use crate::gadgets::ecgfp5::curve::tests::{random_scalar, rng};
    use crate::gadgets::ecgfp5::field::{set_gfp5, Gfp5, Gfp5Gadget};
    use crate::gadgets::ecgfp5::testing::provable_tampered;
    use crate::gadgets::testing::{builder, provable};
    use crate::rules::ecgfp5::{PublicKey, SecretKey};

    const MSG_LEN: usize = 3;

    struct Verifier {
        data: CircuitData<F, C, D>,
        public: Gfp5Target,
        msg: [Target; MSG_LEN],
        sig: SignatureTarget,
    }

    fn verifier() -> Verifier {
        let mut b = builder();
        let public = b.add_virtual_gfp5();
        let msg = core::array::from_fn(|_| b.add_virtual_target());
        let sig = b.add_virtual_signature();
        b.verify_schnorr(public, &msg, &sig);
        Verifier {
            data: b.build::<C>(),
            public,
            msg,
            sig,
        }
    }

    fn witness(v: &Verifier, public: Gfp5, msg: &[F], sig: &Signature) -> PartialWitness<F> {
        let mut pw = PartialWitness::new();
        set_gfp5(&mut pw, v.public, public).unwrap();
        for (&t, &m) in v.msg.iter().zip(msg) {
            pw.set_target(t, m).unwrap();
        }
        set_signature(&mut pw, &v.sig, sig).unwrap();
        pw
    }

    fn key_w(key: &PublicKey) -> Gfp5 {
        key.point().encode()
    }

    #[test]
    fn signatures_verify_in_circuit_exactly_when_natively() {
        let mut rng = rng();
        let v = verifier();
        let sk = SecretKey::from_scalar(random_scalar(&mut rng)).unwrap();
        let pk = sk.public_key();
        let msg: [F; MSG_LEN] = core::array::from_fn(|_| F::rand());
        let sig = sk.sign(&msg);
        assert!(pk.verify(&msg, &sig));
        assert!(provable(&v.data, witness(&v, key_w(&pk), &msg, &sig)));

        // Another message.
        let mut other_msg = msg;
        other_msg[1] += F::ONE;
        assert!(!pk.verify(&other_msg, &sig));
        assert!(!provable(
            &v.data,
            witness(&v, key_w(&pk), &other_msg, &sig)
        ));

        // Another key.
        let other = SecretKey::from_scalar(random_scalar(&mut rng))
            .unwrap()
            .public_key();
        assert!(!other.verify(&msg, &sig));
        assert!(!provable(&v.data, witness(&v, key_w(&other), &msg, &sig)));

        // The neutral key w = 0.
        assert!(!provable(&v.data, witness(&v, Gfp5::ZERO, &msg, &sig)));

        // A tweaked e.
        let mut e = sig.e();
        e[2] = (e[2] + 1) % crate::rules::ecgfp5::field::P;
        let tweaked = Signature::new(e, sig.s()).unwrap();
        assert!(!pk.verify(&msg, &tweaked));
        assert!(!provable(&v.data, witness(&v, key_w(&pk), &msg, &tweaked)));

        // A flipped bit of s (through the witness, as a cheating prover).
        let honest = || witness(&v, key_w(&pk), &msg, &sig);
        assert!(provable_tampered(&v.data, honest(), &[]));
        for i in [0, 100, 318] {
            let bit = sig.s().bits_le()[i];
            let flip = [(v.sig.s_bits[i].target, F::from_bool(!bit))];
            assert!(!provable_tampered(&v.data, honest(), &flip), "bit {i}");
        }
        // A non-boolean "bit" is refused too.
        let two = [(v.sig.s_bits[5].target, F::TWO)];
        assert!(!provable_tampered(&v.data, honest(), &two));
    }

    #[test]
    fn a_verification_circuit_round_trips_through_bytes() {
        use crate::serialize::{Gates, Generators};
        let v = verifier();
        let bytes = v.data.to_bytes(&Gates, &Generators).expect("serialises");
        let loaded =
            CircuitData::<F, C, D>::from_bytes(&bytes, &Gates, &Generators).expect("deserialises");
        assert_eq!(loaded.common, v.data.common);
        let sk = SecretKey::from_scalar(random_scalar(&mut rng())).unwrap();
        let msg = [F::ONE, F::TWO, F::ZERO];
        let sig = sk.sign(&msg);
        let pw = witness(&v, key_w(&sk.public_key()), &msg, &sig);
        crate::gadgets::testing::prove_and_verify(&loaded, pw);
    }

    #[test]
    fn the_split_of_a_word_is_canonical() {
        let p = crate::rules::ecgfp5::field::P;
        let mut b = builder();
        let x = b.add_virtual_target();
        let split = b.split_canonical_u64(x);
        let bits: Vec<_> = (0..64).map(|_| b.add_virtual_bool_target_safe()).collect();
        b.assert_canonical_u64_bits(&bits);
        let data = b.build::<C>();
        let wit = |x_value: u64, bits_value: u64| {
            let mut pw = PartialWitness::new();
            pw.set_target(x, F::from_canonical_u64(x_value)).unwrap();
            for (i, t) in bits.iter().enumerate() {
                pw.set_bool_target(*t, (bits_value >> i) & 1 == 1).unwrap();
            }
            pw
        };
        for v in [
            0,
            1,
            5,
            u32::MAX as u64 - 1,
            u32::MAX as u64,
            1 << 63,
            p - 1,
        ] {
            assert!(provable(&data, wit(v, v)), "{v}");
        }
        // Every integer from p on has bits that split_le alone accepts for
        // its residue; the check refuses them.
        for v in [p, p + 5, u64::MAX - 1, u64::MAX] {
            assert!(!provable(&data, wit(0, v)), "{v}");
        }
        assert_eq!(split.len(), 64);
    }

    #[test]
    fn s_must_be_below_the_group_order() {
        use num_bigint::BigUint;
        let mut b = builder();
        let bits: Vec<_> = (0..Scalar::BITS)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        b.assert_scalar_canonical(&bits);
        let data = b.build::<C>();
        let wit = |v: &BigUint| {
            let mut pw = PartialWitness::new();
            for (i, t) in bits.iter().enumerate() {
                pw.set_bool_target(*t, v.bit(i as u64)).unwrap();
            }
            pw
        };
        let n = order();
        let one = BigUint::from(1u8);
        for v in [BigUint::ZERO, one.clone(), n - &one, n >> 1] {
            assert!(provable(&data, wit(&v)), "{v}");
        }
        let top = (BigUint::from(1u8) << Scalar::BITS) - &one;
        for v in [n.clone(), n + &one, n + BigUint::from(5u8), top] {
            assert!(!provable(&data, wit(&v)), "{v}");
        }
    }

    #[test]
    fn rows_of_one_verification() {
        for len in [MSG_LEN, 8] {
            let rows = verification_rows(len);
            println!("verify_schnorr ({len}-element message): {rows} rows (gates)");
            assert!(rows <= 320, "{rows}");
        }
    }
}
