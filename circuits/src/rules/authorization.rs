//! Who may act for an account: the holder of the key its owner commits to.
//!
//! An account's `owner` is `Poseidon(OWNER, w(Q))` ([`owner_of`]), Q the
//! holder's ECgFp5 public key and w(Q) its canonical encoding, z^0 first.
//! A user authorizes an operation with a Schnorr signature
//! ([`crate::rules::ecgfp5::schnorr`]) over the operation's message: always
//! [`MESSAGE_LEN`] elements, the first the operation's domain tag, unused
//! elements zero. The tag keeps a message of one kind from ever being read
//! as another (nor as an oracle report's `[REPORT, hash]`, of another
//! length); the fixed length makes every user signature cost the circuit
//! the same. The messages: [`withdrawal_message`], [`order_message`] and
//! [`cancel_message`]; each carries the account's nonce, which the
//! operation counts up, so no signed operation can be applied twice.
//!
//! [`authorize`] is the check a rule makes: the key decodes, hashes to the
//! account's owner, and the signature verifies under it. Its circuit side
//! is [`crate::gadgets::authorization`]: the steps queue the (key,
//! message) pairs they need signed and the chunk's signature desk verifies
//! the queue.

use plonky2::field::types::Field;
use serde::{Deserialize, Serialize};
use zksettle_verifier::domain::{CANCEL, ORDER, OWNER, WITHDRAWAL};

use super::ecgfp5::{Ecgfp5Error, PublicKey, SecretKey, Signature};
use super::encoding::{hash, unsigned, Digest};
use crate::config::F;

/// Elements of every message a user signs.
pub const MESSAGE_LEN: usize = 8;

/// A message a user signs: its domain tag first, unused elements zero.
pub type Message = [F; MESSAGE_LEN];

/// The owner digest of `key`: `Poseidon(OWNER, w(Q)[0..5])`.
pub fn owner_of(key: &PublicKey) -> Digest {
    let mut input = [F::ZERO; 6];
    input[0] = unsigned(OWNER);
    for (slot, w) in input[1..].iter_mut().zip(key.encoding()) {
        *slot = F::from_canonical_u64(w);
    }
    hash(&input)
}

/// The message signed to withdraw `amount` from `account` as the account's
/// withdrawal number `nonce`: `[WITHDRAWAL, account, amount, nonce, 0, 0,
/// 0, 0]`.
pub fn withdrawal_message(account: u32, amount: u64, nonce: u64) -> Message {
    let mut msg = [F::ZERO; MESSAGE_LEN];
    msg[0] = unsigned(WITHDRAWAL);
    msg[1] = F::from_canonical_u32(account);
    msg[2] = F::from_noncanonical_u64(amount);
    msg[3] = F::from_noncanonical_u64(nonce);
    msg
}

/// The message signed to place an order in `slot` of `account` as the
/// account's signed operation number `nonce`: `[ORDER, account, slot,
/// instrument, qty, limit, expiry, nonce]` (qty signed: positive buys).
pub fn order_message(order: &crate::rules::ops::PlaceOrder) -> Message {
    [
        unsigned(ORDER),
        F::from_canonical_u32(order.account),
        F::from_canonical_u32(order.slot),
        F::from_canonical_u32(order.instrument),
        super::encoding::signed(order.qty),
        F::from_noncanonical_u64(order.limit),
        F::from_noncanonical_u64(order.expiry),
        F::from_noncanonical_u64(order.nonce),
    ]
}

/// The message signed to cancel the order in `slot` of `account` as the
/// account's signed operation number `nonce`: `[CANCEL, account, slot,
/// nonce, 0, 0, 0, 0]`.
pub fn cancel_message(account: u32, slot: u32, nonce: u64) -> Message {
    let mut msg = [F::ZERO; MESSAGE_LEN];
    msg[0] = unsigned(CANCEL);
    msg[1] = F::from_canonical_u32(account);
    msg[2] = F::from_canonical_u32(slot);
    msg[3] = F::from_noncanonical_u64(nonce);
    msg
}

/// A user's authorization of one operation: the key it signs with and the
/// signature over the operation's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The signer's public key, its canonical encoding (five coefficients
    /// below p, z^0 first).
    pub public_key: [u64; 5],
    /// The Schnorr signature over the operation's message, `0x` hex.
    pub signature: Signature,
}

impl Authorization {
    /// `key`'s authorization of `msg`.
    pub fn sign(key: &SecretKey, msg: &Message) -> Self {
        Self {
            public_key: key.public_key().encoding(),
            signature: key.sign(msg),
        }
    }
}

/// Why an authorization does not authorize.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The public key is not a canonical encoding of a group element other
    /// than the neutral.
    #[error("public key rejected: {0}")]
    BadKey(#[from] Ecgfp5Error),
    /// The key does not hash to the account's owner.
    #[error("public key is not the account owner's")]
    NotOwner,
    /// The signature does not verify under the key.
    #[error("signature does not verify under the account owner's key")]
    BadSignature,
}

/// Checks that `auth` authorizes `msg` for the account owned by `owner`:
/// the key decodes, `owner_of(key) = owner`, and the signature verifies.
pub fn authorize(
    owner: &Digest,
    auth: &Authorization,
    msg: &Message,
) -> Result<(), AuthorizationError> {
    let key = PublicKey::from_encoding(auth.public_key)?;
    if owner_of(&key) != *owner {
        return Err(AuthorizationError::NotOwner);
    }
    if !key.verify(msg, &auth.signature) {
        return Err(AuthorizationError::BadSignature);
    }
    Ok(())
}

/// A deterministic user signing key derived from a seed (simulations and
/// fixtures only; real users generate their own keys, `zksettle keygen`).
pub fn user_key_from_seed(seed: u64, account: u32) -> SecretKey {
    super::oracle::seeded_key(&[
        unsigned(0x75736572),
        unsigned(seed),
        unsigned(account.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encoding::ZERO_DIGEST;

    fn key(secret: &str) -> SecretKey {
        SecretKey::from_decimal(secret).unwrap()
    }

    #[test]
    fn an_owners_signature_authorizes_its_message_only() {
        let alice = key("1234567");
        let owner = owner_of(&alice.public_key());
        let msg = withdrawal_message(7, 5_000_000, 0);
        let auth = Authorization::sign(&alice, &msg);
        assert_eq!(authorize(&owner, &auth, &msg), Ok(()));
        for other in [
            withdrawal_message(8, 5_000_000, 0),
            withdrawal_message(7, 5_000_001, 0),
            withdrawal_message(7, 5_000_000, 1),
        ] {
            assert_eq!(
                authorize(&owner, &auth, &other),
                Err(AuthorizationError::BadSignature)
            );
        }
    }

    #[test]
    fn another_key_is_not_the_owner_even_with_a_valid_signature() {
        let alice = key("1234567");
        let mallory = key("7654321");
        let owner = owner_of(&alice.public_key());
        let msg = withdrawal_message(7, 5_000_000, 0);
        let forged = Authorization::sign(&mallory, &msg);
        assert_eq!(
            authorize(&owner, &forged, &msg),
            Err(AuthorizationError::NotOwner)
        );
        // Alice's key beside Mallory's signature: the signature fails.
        let spliced = Authorization {
            public_key: alice.public_key().encoding(),
            signature: forged.signature,
        };
        assert_eq!(
            authorize(&owner, &spliced, &msg),
            Err(AuthorizationError::BadSignature)
        );
    }

    #[test]
    fn undecodable_and_neutral_keys_are_refused() {
        let msg = withdrawal_message(7, 1, 0);
        let neutral = Authorization {
            public_key: [0; 5],
            signature: Signature::default(),
        };
        assert_eq!(
            authorize(&ZERO_DIGEST, &neutral, &msg),
            Err(AuthorizationError::BadKey(Ecgfp5Error::NeutralPublicKey))
        );
        let beyond_p = Authorization {
            public_key: [u64::MAX, 0, 0, 0, 0],
            signature: Signature::default(),
        };
        assert!(matches!(
            authorize(&ZERO_DIGEST, &beyond_p, &msg),
            Err(AuthorizationError::BadKey(_))
        ));
    }

    #[test]
    fn owners_are_domain_separated_and_distinct() {
        let a = owner_of(&key("1").public_key());
        let b = owner_of(&key("2").public_key());
        assert_ne!(a, b);
        assert_ne!(a, ZERO_DIGEST);
        // Not the unhashed encoding, nor its hash without the tag.
        let untagged = hash(&[4, 0, 0, 0, 0].map(F::from_canonical_u64));
        assert_ne!(a, untagged);
    }

    #[test]
    fn an_authorization_round_trips_through_json() {
        let auth = Authorization::sign(&key("99"), &withdrawal_message(3, 10, 2));
        let text = serde_json::to_string(&auth).unwrap();
        assert!(text.contains("\"signature\":\"0x"));
        let back: Authorization = serde_json::from_str(&text).unwrap();
        assert_eq!(back, auth);
    }
}
