//! ECgFp5 and Schnorr signatures over it, natively: the reference a
//! circuit verifier is to mirror.
//!
//! # The curve
//!
//! ECgFp5 (T. Pornin, eprint 2022/274) is the double-odd curve
//! y^2 = x (x^2 + 2 x + 263 z) over GF(p^5) = GF(p)\[z\]/(z^5 - 3), p the
//! Goldilocks prime 2^64 - 2^32 + 1, so its base field is plonky2's own
//! quintic extension and an in-circuit implementation needs no non-native
//! arithmetic. The group ([`curve`](crate::rules::ecgfp5::curve)) has prime
//! order n ≈ 2^318.9 ([`scalar`](crate::rules::ecgfp5::scalar)); generic
//! discrete-log attacks cost about sqrt(n) ≈ 2^159 operations. Elements
//! encode as one field element w, canonically five `u64` coefficients below
//! p, z^0 first
//! ([`to_canonical`](crate::rules::ecgfp5::field::to_canonical)); the
//! neutral is w = 0 and the conventional generator G is w = 4.
//!
//! # Signatures
//!
//! Over field elements `msg: &[F]` (F the Goldilocks field), with secret x
//! and public key Q = x G ([`schnorr`](crate::rules::ecgfp5::schnorr)):
//!
//! * challenge: `H = PoseidonHash::hash_no_pad([SCHNORR_CHALLENGE, w(Q)[0..5],
//!   w(R)[0..5], len(msg), msg...])`, and e = h0 + 2^64 h1 + 2^128 h2 +
//!   2^192 h3 with h0..h3 the canonical values of `H.elements`: a 256-bit
//!   integer, below n, used as a scalar without reduction.
//! * nonce: for attempt t = 0, 1, ... hash
//!   `[SCHNORR_NONCE, c, x as ten 32-bit words little-endian, len(msg), msg...]`
//!   with c = 2t and c = 2t + 1, and read the eight canonical outputs
//!   d0..d7 (those of c = 2t first) as base-p digits:
//!   k = (d0 + d1 p + ... + d7 p^7) mod n. The first attempt with k ≠ 0 is
//!   used (t = 0 except with probability about 2^-319).
//! * signing: R = k G, e = challenge(Q, R, msg), s = k + e x mod n; the
//!   signature is (e, s).
//! * verifying: reject a neutral Q; R' = s G - e Q; reject a neutral R';
//!   accept iff challenge(Q, R', msg) = e.
//! * bytes: h0..h3 as 8 bytes little-endian each (each below p), then s as
//!   40 bytes little-endian (below n): 72 bytes, and as text "0x" plus 144
//!   lowercase hex digits. Decoding rejects anything non-canonical.
//!
//! # Why these sizes give at least 128-bit security
//!
//! Schnorr signatures are unforgeable when discrete logarithms are hard
//! and the challenge hash behaves as a random oracle. Generic discrete-log
//! attacks on a group of order n ≈ 2^319 cost about 2^159. A forger who
//! does not solve discrete logs must make a hash query whose challenge it
//! can answer: e is uniform over about 2^255.9 values (four words below p),
//! so each query succeeds with probability about 2^-255.9. In the generic
//! group model a challenge of 128 bits already gives 128-bit security
//! (Neven, Smart, Warinschi 2009); the full 256 bits also absorb the loss of
//! the random-oracle (forking-lemma) reduction and of multi-key settings.
//! Collisions of the hash do not help: R is hashed and unknown before
//! signing, so Poseidon's 128-bit collision resistance is not the bound.
//!
//! The nonce must be uniform modulo n: even a fraction of a bit of bias per
//! signature leaks the key through lattice attacks. Under the random-oracle
//! model each Poseidon output is uniform below p, so the base-p integer of
//! eight outputs is exactly uniform in [0, p^8); reducing it modulo n
//! leaves a statistical distance at most n / p^8 < 2^-192 from uniform,
//! negligible even over 2^64 signatures. (Reading the outputs as a radix
//! 2^64 integer would not be uniform, because each word is below p.) The
//! nonce is a function of the secret and the message only, so a signature
//! never depends on the quality of a runtime random source, and signing
//! the same message twice gives the same signature.

pub mod curve;
pub mod error;
pub mod field;
pub mod scalar;
pub mod schnorr;

pub use curve::Point;
pub use error::Ecgfp5Error;
pub use field::Gfp5;
pub use scalar::Scalar;
pub use schnorr::{challenge, PublicKey, SecretKey, Signature};
