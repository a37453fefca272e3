//! Signed withdrawals against an operator without the users' keys: it may
//! put any key and any signature at the desk, name any nonce in the item,
//! or replay a signature it has seen. Only the owner's signature of exactly
//! the item's (account, amount, nonce) proves, and a proof replays natively.

use zksettle_circuits::rules::authorization::{Authorization, Message};
use zksettle_circuits::rules::ecgfp5::SecretKey;
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{circuit, small};
use crate::support::adversary::{items_of, users_sign, Adversary, Item};

/// Account 3 with 1,000 USD and no positions.
fn setup() -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let ledger =
        Ledger::from_state(market.clone(), &state(vec![account(3, 1_000 * USD, &[])])).unwrap();
    let epoch = epoch(&market, ledger.root(), vec![]);
    (market, ledger, epoch)
}

fn withdraw(amount: u64, nonce: u64) -> Item {
    items_of(&[signed_withdraw(3, amount, nonce)])[0]
}

/// Whether `items` prove as an epoch with `signer` at the desk (asserting
/// the replay property either way).
fn proves(signer: crate::support::adversary::Signer, items: &[Item], what: &str) -> bool {
    let (_, ledger, epoch) = setup();
    let mut adversary = Adversary::new(&ledger, &epoch);
    adversary.signer = signer;
    let attempt = adversary.attempt(&circuit(ledger.market()), items, &[]);
    let proved = adversary.assert_replay(items, &attempt, what);
    eprintln!("{what}: {attempt:?}");
    proved
}

/// The operator's own key.
fn operator_signs(_: u32, _: &Digest, message: &Message) -> Option<Authorization> {
    let key = SecretKey::from_decimal("987654321").unwrap();
    Some(Authorization::sign(&key, message))
}

/// No signature at all.
fn nobody_signs(_: u32, _: &Digest, _: &Message) -> Option<Authorization> {
    None
}

/// The owner's key beside its signature of another amount (one it saw).
fn signature_of_another_amount(
    account: u32,
    owner: &Digest,
    message: &Message,
) -> Option<Authorization> {
    let mut other = *message;
    other[2] += zksettle_circuits::config::F::from_canonical_u64(1);
    users_sign(account, owner, &other)
}

/// The first withdrawal's signature (nonce 0) for every withdrawal: a replay.
fn replays_the_first(account: u32, owner: &Digest, message: &Message) -> Option<Authorization> {
    let mut first = *message;
    first[3] = zksettle_circuits::config::F::from_canonical_u64(0);
    users_sign(account, owner, &first)
}

use plonky2::field::types::Field;

#[test]
fn only_the_owners_signature_of_the_item_proves() {
    let items = [withdraw(100 * USD, 0), withdraw(50 * USD, 1)];
    assert!(
        proves(users_sign, &items, "signed by the owner"),
        "the honest batch proves"
    );
    assert!(!proves(nobody_signs, &items, "no signature"));
    assert!(!proves(operator_signs, &items, "the operator's key"));
    assert!(!proves(
        signature_of_another_amount,
        &items,
        "a signature of another amount"
    ));
    assert!(!proves(
        replays_the_first,
        &items,
        "the first signature replayed"
    ));
    // The item naming the nonce the replayed signature covers.
    let replayed = [withdraw(100 * USD, 0), withdraw(100 * USD, 0)];
    assert!(!proves(users_sign, &replayed, "the same withdrawal twice"));
    let skipped = [withdraw(100 * USD, 1)];
    assert!(!proves(users_sign, &skipped, "a nonce ahead of the leaf's"));
}
