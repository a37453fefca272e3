//! Signed withdrawals against an operator without the users' keys: it may
//! put any key and any signature at the desk, name any nonce in the item,
//! or replay a signature it has seen, or one the owner gave another market.
//! Only the owner's signature of exactly the item's (account, amount,
//! nonce) for this market proves, and a proof replays natively.

use zksettle_circuits::rules::authorization::{Authorization, Message, FIELDS_AT, MARKET_HASH_AT};
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
    items_of(&[signed_withdraw(&market(), 3, amount, nonce)])[0]
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
    other[FIELDS_AT + 1] += zksettle_circuits::config::F::from_canonical_u64(1);
    users_sign(account, owner, &other)
}

/// The first withdrawal's signature (nonce 0) for every withdrawal: a replay.
fn replays_the_first(account: u32, owner: &Digest, message: &Message) -> Option<Authorization> {
    let mut first = *message;
    first[FIELDS_AT + 2] = zksettle_circuits::config::F::from_canonical_u64(0);
    users_sign(account, owner, &first)
}

/// Another deployment: the builder's market with another fee (so another
/// market hash), at the test depth.
fn another_market() -> Market {
    let mut other = small(&market());
    other.params.fee_bps += 1;
    other
}

/// The owner's signature of exactly this withdrawal, given to another
/// market (its hash in the message in place of this market's).
fn signed_for_another_market(
    account: u32,
    owner: &Digest,
    message: &Message,
) -> Option<Authorization> {
    let mut elsewhere = *message;
    elsewhere[MARKET_HASH_AT..FIELDS_AT].copy_from_slice(&another_market().hash().elements);
    users_sign(account, owner, &elsewhere)
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
    assert!(!proves(
        signed_for_another_market,
        &items,
        "the owner's signatures for another market"
    ));
    // The item naming the nonce the replayed signature covers.
    let replayed = [withdraw(100 * USD, 0), withdraw(100 * USD, 0)];
    assert!(!proves(users_sign, &replayed, "the same withdrawal twice"));
    let skipped = [withdraw(100 * USD, 1)];
    assert!(!proves(users_sign, &skipped, "a nonce ahead of the leaf's"));
}

#[test]
fn a_withdrawal_signed_for_one_market_is_unprovable_in_another() {
    // The same epoch's signed withdrawal, with the same state, under two
    // markets: the users sign for the first; the circuit of the second
    // (whose statement names the second's hash) refuses it, and the native
    // engine refuses it there with `Unauthorized`.
    let (first, _, _) = setup();
    let second = another_market();
    assert_ne!(first.hash(), second.hash());
    let genesis = state(vec![account(3, 1_000 * USD, &[])]);
    let withdrawal = signed_withdraw(&first, 3, 100 * USD, 0);
    let here = Ledger::from_state(first.clone(), &genesis).unwrap();
    let epoch_here = epoch(&first, here.root(), vec![withdrawal.clone()]);
    assert!(
        here.apply_epoch(&epoch_here).is_ok(),
        "control: it applies where signed"
    );
    let there = Ledger::from_state(second.clone(), &genesis).unwrap();
    let mut epoch_there = epoch(&second, there.root(), vec![]);
    epoch_there.ops = vec![withdrawal];
    match there.apply_epoch(&epoch_there) {
        Err(zksettle_circuits::rules::EpochError::Operation {
            index: 0,
            violation: zksettle_circuits::rules::error::Violation::Unauthorized { account: 3, .. },
        }) => {}
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    // In the circuit: the desk holds the owner's signature for the first
    // market's message; the step queues the second market's.
    let items = [withdraw(100 * USD, 0)];
    let mut adversary = Adversary::new(&there, &epoch_there);
    adversary.signer = signed_for_first_market;
    let attempt = adversary.attempt(&circuit(&second), &items, &[]);
    assert!(
        !adversary.assert_replay(&items, &attempt, "signed for the first market"),
        "a signature for the first market proved in the second"
    );
}

/// The owner's signature of the message with the builder market's hash (at
/// the test depth) in place of the one it is asked for.
fn signed_for_first_market(
    account: u32,
    owner: &Digest,
    message: &Message,
) -> Option<Authorization> {
    let mut first = *message;
    first[MARKET_HASH_AT..FIELDS_AT].copy_from_slice(&small(&market()).hash().elements);
    users_sign(account, owner, &first)
}
