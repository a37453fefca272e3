//! Who may act for an account: the holder of the key its owner commits to.
//!
//! An account's `owner` is `Poseidon(OWNER, w(Q))` ([`owner_of`]), Q the
//! holder's ECgFp5 public key and w(Q) its canonical encoding, z^0 first.
//! A user authorizes an operation with a Schnorr signature
//! ([`crate::rules::ecgfp5::schnorr`]) over the operation's message: always
//! [`MESSAGE_LEN`] elements, the first the operation's domain tag, then the
//! market hash (the venue the message is meant for: a signature for one
//! deployment is worthless on another), then the operation's fields, unused
//! elements zero. The tag keeps a message of one kind from ever being read
//! as another (nor as an oracle report's `[REPORT, market, hash]`, of
//! another length); the fixed length makes every user signature cost the
//! circuit the same. The messages: [`withdrawal_message`], [`order_message`]
//! and [`cancel_message`]; each carries the account's nonce, which the
//! operation counts up, so no signed operation can be applied twice. Signed
//! operations do not expire: the nonce alone orders them (a withdrawal or
//! cancel the operator holds back stays valid until a later signed
//! operation of the account spends its nonce).
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

/// Elements of every message a user signs: the domain tag, the market
/// hash ([`MARKET_HASH_AT`]..+4) and seven elements of the operation.
pub const MESSAGE_LEN: usize = 12;

/// Where the market hash starts in a message (right after the domain tag).
pub const MARKET_HASH_AT: usize = 1;

/// Where the operation's own fields start in a message.
pub const FIELDS_AT: usize = MARKET_HASH_AT + 4;

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

/// The key with secret 1 (public key 1 G), whose secret everyone knows:
/// the signature desk's [`filler`](crate::gadgets::authorization::filler)
/// signs with it.
pub fn filler_key() -> SecretKey {
    SecretKey::from_decimal("1").expect("1 is a valid secret")
}

/// The owner digest of [`filler_key`]. No account may ever have it: a
/// deposit naming it is refused (`Violation::ReservedOwner`), and so is a
/// market naming it.
pub fn reserved_owner() -> Digest {
    owner_of(&filler_key().public_key())
}

/// A message of domain `domain` for the market with hash `market` and the
/// operation's `fields` (at most seven; the rest zero).
fn message(domain: u64, market: &Digest, fields: &[F]) -> Message {
    let mut msg = [F::ZERO; MESSAGE_LEN];
    msg[0] = unsigned(domain);
    msg[MARKET_HASH_AT..FIELDS_AT].copy_from_slice(&market.elements);
    msg[FIELDS_AT..FIELDS_AT + fields.len()].copy_from_slice(fields);
    msg
}

/// The message signed to withdraw `amount` from `account` of the market
/// with hash `market` as the account's signed operation number `nonce`:
/// `[WITHDRAWAL, market[4], account, amount, nonce, 0, 0, 0, 0]`.
pub fn withdrawal_message(market: &Digest, account: u32, amount: u64, nonce: u64) -> Message {
    message(
        WITHDRAWAL,
        market,
        &[
            F::from_canonical_u32(account),
            F::from_noncanonical_u64(amount),
            F::from_noncanonical_u64(nonce),
        ],
    )
}

/// The message signed to place an order in `slot` of `account` of the
/// market with hash `market` as the account's signed operation number
/// `nonce`: `[ORDER, market[4], account, slot, instrument, qty, limit,
/// expiry, nonce]` (qty signed: positive buys).
pub fn order_message(market: &Digest, order: &crate::rules::ops::PlaceOrder) -> Message {
    message(
        ORDER,
        market,
        &[
            F::from_canonical_u32(order.account),
            F::from_canonical_u32(order.slot),
            F::from_canonical_u32(order.instrument),
            super::encoding::signed(order.qty),
            F::from_noncanonical_u64(order.limit),
            F::from_noncanonical_u64(order.expiry),
            F::from_noncanonical_u64(order.nonce),
        ],
    )
}

/// The message signed to cancel the order in `slot` of `account` of the
/// market with hash `market` as the account's signed operation number
/// `nonce`: `[CANCEL, market[4], account, slot, nonce, 0, 0, 0, 0]`.
pub fn cancel_message(market: &Digest, account: u32, slot: u32, nonce: u64) -> Message {
    message(
        CANCEL,
        market,
        &[
            F::from_canonical_u32(account),
            F::from_canonical_u32(slot),
            F::from_noncanonical_u64(nonce),
        ],
    )
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

    /// The hash of a market the tests sign for.
    const MARKET: Digest = ZERO_DIGEST;

    fn other_market() -> Digest {
        hash(&[F::ONE])
    }

    #[test]
    fn an_owners_signature_authorizes_its_message_only() {
        let alice = key("1234567");
        let owner = owner_of(&alice.public_key());
        let msg = withdrawal_message(&MARKET, 7, 5_000_000, 0);
        let auth = Authorization::sign(&alice, &msg);
        assert_eq!(authorize(&owner, &auth, &msg), Ok(()));
        for other in [
            withdrawal_message(&MARKET, 8, 5_000_000, 0),
            withdrawal_message(&MARKET, 7, 5_000_001, 0),
            withdrawal_message(&MARKET, 7, 5_000_000, 1),
        ] {
            assert_eq!(
                authorize(&owner, &auth, &other),
                Err(AuthorizationError::BadSignature)
            );
        }
    }

    #[test]
    fn a_signature_for_one_market_does_not_authorize_in_another() {
        let alice = key("1234567");
        let owner = owner_of(&alice.public_key());
        let here = other_market();
        let order = crate::rules::ops::PlaceOrder {
            account: 7,
            slot: 1,
            instrument: 3,
            qty: -5,
            limit: 1_000_000,
            expiry: 99,
            nonce: 2,
            authorization: None,
        };
        for (signed, replayed) in [
            (
                withdrawal_message(&here, 7, 5_000_000, 0),
                withdrawal_message(&MARKET, 7, 5_000_000, 0),
            ),
            (order_message(&here, &order), order_message(&MARKET, &order)),
            (
                cancel_message(&here, 7, 1, 2),
                cancel_message(&MARKET, 7, 1, 2),
            ),
        ] {
            let auth = Authorization::sign(&alice, &signed);
            assert_eq!(authorize(&owner, &auth, &signed), Ok(()));
            assert_eq!(
                authorize(&owner, &auth, &replayed),
                Err(AuthorizationError::BadSignature)
            );
            assert_eq!(&signed[MARKET_HASH_AT..FIELDS_AT], &here.elements);
        }
    }

    #[test]
    fn the_reserved_owner_is_the_generators() {
        assert_eq!(
            reserved_owner(),
            owner_of(&SecretKey::from_decimal("1").unwrap().public_key())
        );
        // The key the desk's filler signs with is that very key.
        assert_eq!(
            crate::gadgets::authorization::filler().0.public_key,
            filler_key().public_key().encoding()
        );
        assert_ne!(reserved_owner(), ZERO_DIGEST);
    }

    #[test]
    fn another_key_is_not_the_owner_even_with_a_valid_signature() {
        let alice = key("1234567");
        let mallory = key("7654321");
        let owner = owner_of(&alice.public_key());
        let msg = withdrawal_message(&MARKET, 7, 5_000_000, 0);
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
        let msg = withdrawal_message(&MARKET, 7, 1, 0);
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
        let auth = Authorization::sign(&key("99"), &withdrawal_message(&MARKET, 3, 10, 2));
        let text = serde_json::to_string(&auth).unwrap();
        assert!(text.contains("\"signature\":\"0x"));
        let back: Authorization = serde_json::from_str(&text).unwrap();
        assert_eq!(back, auth);
    }
}
