//! ECgFp5 and its Schnorr signatures against the published known-answer
//! vectors (fixtures/vectors/ecgfp5-kat.json) and the group laws.

use num_bigint::BigUint;
use plonky2::field::types::Field;
use proptest::prelude::*;
use serde_json::Value;
use zksettle_circuits::config::F;
use zksettle_circuits::rules::ecgfp5::field::{self, Gfp5, P};
use zksettle_circuits::rules::ecgfp5::scalar::{order, ORDER_DECIMAL};
use zksettle_circuits::rules::ecgfp5::{
    Ecgfp5Error, Point, PublicKey, Scalar, SecretKey, Signature,
};

const KAT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vectors/ecgfp5-kat.json"
));

fn kat() -> Value {
    serde_json::from_str(KAT).unwrap()
}

fn words(v: &Value) -> [u64; 5] {
    let list: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    list.try_into().unwrap()
}

fn kat_point(name: &str) -> Point {
    Point::from_encoding(words(&kat()["points"][name])).unwrap()
}

fn scalar(text: &str) -> Scalar {
    Scalar::from_decimal(text).unwrap()
}

fn n_minus(k: u64) -> Scalar {
    Scalar::from_biguint(&(order() - BigUint::from(k))).unwrap()
}

#[test]
fn the_vectors_use_our_order_and_generator() {
    let v = kat();
    assert_eq!(v["n"].as_str().unwrap(), ORDER_DECIMAL);
    assert_eq!(words(&v["generator_encoding"]), [4, 0, 0, 0, 0]);
    assert_eq!(order().bits(), 319);
}

#[test]
fn the_generator_decodes_from_four() {
    let g = Point::from_encoding([4, 0, 0, 0, 0]).unwrap();
    assert_eq!(g, Point::GENERATOR);
    assert_eq!(g, Point::generator());
    assert_eq!(g.to_affine_xu(), Point::GENERATOR.to_affine_xu());
    assert_eq!(Point::GENERATOR.encoding(), [4, 0, 0, 0, 0]);
}

#[test]
fn w0_is_the_neutral() {
    let p = kat_point("w0");
    assert!(p.is_neutral());
    assert_eq!(p, Point::NEUTRAL);
    assert_eq!(Point::NEUTRAL.encoding(), [0; 5]);
}

#[test]
fn every_vector_point_reencodes_to_itself() {
    let v = kat();
    for i in 1..=7 {
        let w = words(&v["points"][format!("w{i}")]);
        let p = Point::from_encoding(w).unwrap();
        assert!(!p.is_neutral(), "w{i}");
        assert_eq!(p.encoding(), w, "w{i}");
    }
}

#[test]
fn the_vector_relations_hold() {
    let [p1, w2, w3, w4, w5, w6, w7] = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"].map(kat_point);
    let e = scalar(kat()["e"].as_str().unwrap());
    assert_eq!(p1.mul(&e), w2, "w2 = e P1");
    assert_eq!(p1.mul(&e).encoding(), w2.encoding());
    let p2 = w3.sub(&p1);
    assert_eq!(p1.add(&p2), w3, "w3 = P1 + P2");
    assert_eq!(p1.double(), w4, "w4 = 2 P1 by doubling");
    assert_eq!(p1.add(&p1), w4, "w4 = 2 P1 by addition");
    assert_eq!(p1.double().encoding(), w4.encoding());
    assert_eq!(p2.double(), w5, "w5 = 2 P2");
    assert_eq!(p2.add(&p2), w5);
    assert_eq!(p1.double().add(&p2), w6, "w6 = 2 P1 + P2");
    assert_eq!(p1.mul(&Scalar::from_u64(2)).add(&p2), w6);
    assert_eq!(p1.add(&p2.double()), w7, "w7 = P1 + 2 P2");
    assert_eq!(w3.add(&p2).encoding(), w7.encoding());
}

#[test]
fn undecodable_vectors_are_rejected() {
    let v = kat();
    let bad = v["not_decodable"].as_array().unwrap();
    assert_eq!(bad.len(), 6);
    for w in bad {
        assert_eq!(
            Point::from_encoding(words(w)),
            Err(Ecgfp5Error::InvalidPoint)
        );
    }
}

#[test]
fn non_canonical_coefficients_are_rejected() {
    assert_eq!(
        Point::from_encoding([4, 0, P, 0, 0]),
        Err(Ecgfp5Error::NonCanonicalField { index: 2, value: P })
    );
    assert!(field::from_canonical([P - 1; 5]).is_ok());
    assert!(field::from_canonical([0, 0, 0, 0, u64::MAX]).is_err());
}

#[test]
fn the_generator_has_order_n() {
    let g = Point::GENERATOR;
    assert_eq!(g.mul(&n_minus(1)), g.neg());
    assert!(g.mul(&n_minus(1)).add(&g).is_neutral());
    assert_eq!(g.mul(&n_minus(2)).encoding(), g.double().neg().encoding());
    assert!(g.mul(&Scalar::ZERO).is_neutral());
    assert_eq!(g.mul(&Scalar::ONE), g);
}

#[test]
fn complete_formulas_have_no_exceptions() {
    let p = kat_point("w1");
    let n = Point::NEUTRAL;
    assert_eq!(p.add(&n), p);
    assert_eq!(n.add(&p), p);
    assert!(n.add(&n).is_neutral());
    assert!(n.double().is_neutral());
    assert!(p.add(&p.neg()).is_neutral());
    assert!(p.sub(&p).is_neutral());
    assert_eq!(p.neg().neg(), p);
    assert_ne!(p, p.neg());
    assert_ne!(p, n);
    // Projective representatives compare as points.
    let a = p.double().add(&p);
    let b = p.add(&p.double());
    assert_eq!(a, b);
    assert_eq!(a.encoding(), b.encoding());
}

#[test]
fn field_square_roots_and_characters() {
    let x = field::from_canonical(words(&kat()["points"]["w1"])).unwrap();
    let sq = x * x;
    assert_eq!(field::legendre(&sq), 1);
    let r = field::sqrt(&sq).unwrap();
    assert!(r == x || r == -x);
    assert_eq!(field::legendre(&Gfp5::ZERO), 0);
    assert_eq!(field::sqrt(&Gfp5::ZERO), Some(Gfp5::ZERO));
    // b = 263 z is a non-square (the curve is double-odd).
    let b = field::from_canonical([0, 263, 0, 0, 0]).unwrap();
    assert_eq!(field::legendre(&b), -1);
    assert_eq!(field::sqrt(&b), None);
    assert_eq!(field::legendre(&(b * sq)), -1);
    // An element of GF(p) is a square in GF(p^5) exactly when it is one in
    // GF(p) (its norm is its fifth power): 7 is not, 4 is.
    assert_eq!(field::legendre(&Gfp5::from_canonical_u64(7)), -1);
    assert_eq!(field::legendre(&Gfp5::from_canonical_u64(4)), 1);
}

#[test]
fn scalar_arithmetic() {
    let one = Scalar::ONE;
    let m1 = n_minus(1);
    assert_eq!(m1 + one, Scalar::ZERO);
    assert_eq!(-one, m1);
    assert_eq!(-Scalar::ZERO, Scalar::ZERO);
    assert_eq!(m1 * m1, one);
    assert_eq!(Scalar::ZERO - one, m1);
    let a = scalar("123456789012345678901234567890123456789");
    let b = scalar(kat()["e"].as_str().unwrap());
    let c = n_minus(12345);
    assert_eq!((a + b) * c, a * c + b * c);
    assert_eq!(a * b, b * a);
    assert_eq!(b - b, Scalar::ZERO);
    assert_eq!(a.to_decimal(), "123456789012345678901234567890123456789");
    assert_eq!(format!("{b}"), kat()["e"].as_str().unwrap());
}

#[test]
fn scalar_encodings_are_canonical() {
    assert_eq!(
        Scalar::from_decimal(ORDER_DECIMAL),
        Err(Ecgfp5Error::ScalarOutOfRange)
    );
    for bad in ["", "-1", "+1", "1 ", "0x10", "1_000"] {
        assert!(
            matches!(Scalar::from_decimal(bad), Err(Ecgfp5Error::BadDecimal(_))),
            "{bad:?}"
        );
    }
    let m1 = n_minus(1);
    let bytes = m1.to_bytes_le();
    assert_eq!(Scalar::from_bytes_le(&bytes), Ok(m1));
    let mut n_bytes = [0u8; 40];
    let le = order().to_bytes_le();
    n_bytes[..le.len()].copy_from_slice(&le);
    assert_eq!(
        Scalar::from_bytes_le(&n_bytes),
        Err(Ecgfp5Error::ScalarOutOfRange)
    );
    assert_eq!(
        Scalar::from_bytes_le(&[0xff; 40]),
        Err(Ecgfp5Error::ScalarOutOfRange)
    );
    let wide = Scalar::from_wide(&[u64::MAX; 8]);
    let expected = ((BigUint::from(1u8) << 512) - 1u8) % order();
    assert_eq!(wide.to_biguint(), expected);
    let bits = m1.bits_le();
    let back = bits
        .iter()
        .rev()
        .fold(BigUint::ZERO, |acc, &b| (acc << 1) + u8::from(b));
    assert_eq!(back, m1.to_biguint());
    let words = m1.to_u32_words();
    assert_eq!(words[0] as u64, m1.to_limbs()[0] & 0xffff_ffff);
    assert_eq!(words[9] as u64, m1.to_limbs()[4] >> 32);
}

fn msg() -> Vec<F> {
    [7u64, 0, 123456789, P - 1]
        .iter()
        .map(|&v| F::from_canonical_u64(v))
        .collect()
}

fn key(decimal: &str) -> SecretKey {
    SecretKey::from_decimal(decimal).unwrap()
}

#[test]
fn keys() {
    assert_eq!(key("1").public_key().encoding(), [4, 0, 0, 0, 0]);
    assert_eq!(SecretKey::from_decimal("0"), Err(Ecgfp5Error::ZeroSecret));
    assert_eq!(
        SecretKey::from_decimal(ORDER_DECIMAL),
        Err(Ecgfp5Error::ScalarOutOfRange)
    );
    let k = key("42");
    let q = k.public_key();
    assert_eq!(PublicKey::from_encoding(q.encoding()), Ok(q));
    assert_eq!(*q.point(), Point::GENERATOR.mul(&Scalar::from_u64(42)));
    assert_eq!(
        PublicKey::from_encoding([0; 5]),
        Err(Ecgfp5Error::NeutralPublicKey)
    );
    assert_eq!(
        PublicKey::from_point(Point::NEUTRAL),
        Err(Ecgfp5Error::NeutralPublicKey)
    );
    assert_eq!(format!("{k:?}"), "SecretKey(..)");
    let mut rng = rand::rngs::OsRng;
    let r1 = SecretKey::random(&mut rng);
    let r2 = SecretKey::random(&mut rng);
    assert_ne!(r1, r2);
}

#[test]
fn sign_and_verify() {
    let k = key("987654321987654321987654321");
    let q = k.public_key();
    let m = msg();
    let sig = k.sign(&m);
    assert!(q.verify(&m, &sig));
    assert_eq!(k.sign(&m), sig, "signing is deterministic");
    assert!(q.verify(&[], &k.sign(&[])));
    assert_ne!(k.sign(&[]), k.sign(&[F::ZERO]), "the length is hashed");
    // e is the challenge of R = s G - e Q.
    let r = Point::GENERATOR
        .mul(&sig.s())
        .sub(&q.point().mul(&sig.e_scalar()));
    assert_eq!(
        zksettle_circuits::rules::ecgfp5::challenge(&q.encoding(), &r, &m),
        sig.e()
    );
    assert_eq!(sig.e_elements().map(|e| e.0), sig.e());
}

#[test]
fn verification_rejects_tampering() {
    let k = key("31415926535897932384626433832795028841971");
    let q = k.public_key();
    let m = msg();
    let sig = k.sign(&m);
    for i in 0..m.len() {
        let mut bad = m.clone();
        bad[i] += F::ONE;
        assert!(!q.verify(&bad, &sig), "message element {i}");
    }
    let mut longer = m.clone();
    longer.push(F::ZERO);
    assert!(!q.verify(&longer, &sig));
    assert!(!q.verify(&m[..3], &sig));
    assert!(!key("2").public_key().verify(&m, &sig), "another key");
    let s_tweak = Signature::new(sig.e(), sig.s() + Scalar::ONE).unwrap();
    assert!(!q.verify(&m, &s_tweak), "tweaked s");
    for i in 0..4 {
        let mut e = sig.e();
        e[i] = (e[i] + 1) % P;
        let e_tweak = Signature::new(e, sig.s()).unwrap();
        assert!(!q.verify(&m, &e_tweak), "tweaked e word {i}");
    }
    let zero = Signature::new([0; 4], Scalar::ZERO).unwrap();
    assert!(!q.verify(&m, &zero), "R' neutral");
}

#[test]
fn signature_hex() {
    let k = key("5");
    let sig = k.sign(&msg());
    let text = sig.to_hex();
    assert_eq!(text.len(), 2 + 144);
    assert!(text.starts_with("0x"));
    assert_eq!(text, text.to_lowercase());
    assert_eq!(Signature::from_hex(&text), Ok(sig));
    assert_eq!(text.parse::<Signature>(), Ok(sig));
    assert_eq!(sig.to_string(), text);
    assert_eq!(
        Signature::from_hex(&text.to_uppercase().replacen("0X", "0x", 1)),
        Ok(sig)
    );
    let bytes = sig.to_bytes();
    assert_eq!(&bytes[..8], &sig.e()[0].to_le_bytes());
    assert_eq!(&bytes[32..], &sig.s().to_bytes_le());
    assert_eq!(Signature::from_bytes(&bytes), Ok(sig));

    assert_eq!(Signature::from_hex(&text[2..]), Err(Ecgfp5Error::BadHex));
    assert_eq!(
        Signature::from_hex(&text[..text.len() - 2]),
        Err(Ecgfp5Error::BadHexLength {
            actual: 142,
            expected: 144
        })
    );
    assert_eq!(
        Signature::from_hex(&format!("{text}0")),
        Err(Ecgfp5Error::BadHexLength {
            actual: 145,
            expected: 144
        })
    );
    let mut bad_char = text.clone();
    bad_char.replace_range(10..11, "g");
    assert_eq!(Signature::from_hex(&bad_char), Err(Ecgfp5Error::BadHex));
    assert_eq!(
        Signature::from_bytes(&bytes[..71]),
        Err(Ecgfp5Error::BadLength {
            actual: 71,
            expected: 72
        })
    );
    let mut e_big = bytes;
    e_big[8..16].copy_from_slice(&P.to_le_bytes());
    assert_eq!(
        Signature::from_bytes(&e_big),
        Err(Ecgfp5Error::NonCanonicalField { index: 1, value: P })
    );
    let mut s_big = bytes;
    s_big[32..].copy_from_slice(&[0xff; 40]);
    assert_eq!(
        Signature::from_hex(&format!("0x{}", hex_of(&s_big))),
        Err(Ecgfp5Error::ScalarOutOfRange)
    );
    assert!(Signature::new([P, 0, 0, 0], Scalar::ONE).is_err());
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn any_scalar() -> impl Strategy<Value = Scalar> {
    any::<[u64; 8]>().prop_map(|w| Scalar::from_wide(&w))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn scalar_multiplication_is_linear(a in any_scalar(), b in any_scalar()) {
        let g = Point::GENERATOR;
        prop_assert_eq!(g.mul(&(a + b)), g.mul(&a).add(&g.mul(&b)));
        prop_assert_eq!(g.mul(&a).mul(&b), g.mul(&(a * b)));
        let q = g.mul(&b);
        prop_assert_eq!(Point::mul_add_generator(&a, &b, &q), g.mul(&(a + b * b)));
        let w = g.mul(&a).encoding();
        prop_assert_eq!(Point::from_encoding(w).unwrap().encoding(), w);
    }

    #[test]
    fn signatures_round_trip(
        x in any_scalar(),
        m in proptest::collection::vec(0..P, 0..12),
    ) {
        prop_assume!(!x.is_zero());
        let k = SecretKey::from_scalar(x).unwrap();
        let m: Vec<F> = m.into_iter().map(F::from_canonical_u64).collect();
        let sig = k.sign(&m);
        prop_assert!(k.public_key().verify(&m, &sig));
        prop_assert_eq!(Signature::from_hex(&sig.to_hex()).unwrap(), sig);
    }
}

#[test]
fn the_generator_comb_is_double_and_add() {
    let g = Point::GENERATOR;
    let mut cases = vec![
        Scalar::ZERO,
        Scalar::ONE,
        Scalar::from_u64(15),
        Scalar::from_u64(16),
        Scalar::from_u64(u64::MAX),
        n_minus(1),
        n_minus(2),
        Scalar::from_biguint(&(BigUint::from(1u8) << 318)).unwrap(),
    ];
    // Scalars of every window pattern: a splitmix stream reduced mod n.
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for _ in 0..24 {
        let words: Vec<u8> = (0..5).flat_map(|_| next().to_le_bytes()).collect();
        cases.push(Scalar::from_biguint_reduced(&BigUint::from_bytes_le(
            &words,
        )));
    }
    for k in &cases {
        assert_eq!(Point::mul_generator(k), g.mul(k), "{}", k.to_decimal());
    }
    assert!(Point::mul_generator(&Scalar::ZERO).is_neutral());
}
