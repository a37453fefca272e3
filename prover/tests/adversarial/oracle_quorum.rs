//! The prelude's oracle quorum, witnessed by the adversary: reports and
//! signatures chosen directly (no native check runs before the circuit),
//! each attempt decided by the constraint check. A proof of the prelude
//! means every report was signed, over the market hash and its own hash, by
//! the oracle of the market's set that it names, and the quorum's oracles are distinct;
//! whatever the check accepts states exactly the native statement (the
//! replay property for prices).

use zksettle_circuits::prelude::PreludeWitness;
use zksettle_circuits::rules::ecgfp5::{Scalar, SecretKey, Signature};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::Report;
use zksettle_fixtures::builder::{market, oracle_key, reports_of, Quote, NOW};

use super::common::prelude_provable;

fn witness(reports: Vec<Report>) -> PreludeWitness {
    PreludeWitness {
        reports,
        epoch: 1,
        timestamp: NOW,
        root: ZERO_DIGEST,
        deposit_report: None,
    }
}

fn honest() -> Vec<Report> {
    reports_of(&market(), &[0, 1, 3], NOW - 10, &Quote::default())
}

/// Whether the prelude of `reports` is satisfiable (and then states the
/// native statement).
fn provable(reports: Vec<Report>) -> bool {
    prelude_provable(&witness(reports))
}

#[test]
fn a_signed_quorum_proves_and_states_the_native_sheet() {
    assert!(provable(honest()));
}

#[test]
fn no_report_proves_without_its_oracles_signature_over_it() {
    let m = market();
    let tamper = |edit: &dyn Fn(&mut Vec<Report>)| {
        let mut reports = honest();
        edit(&mut reports);
        provable(reports)
    };
    // A report changed after signing (a forged report).
    assert!(!tamper(&|r| r[1].spot[0] += 100_000));
    // s changed: flipped low bit, s + 1.
    assert!(!tamper(&|r| {
        let sig = r[0].signature;
        let s = Scalar::from_biguint_reduced(&(sig.s().to_biguint() + 1u32));
        r[0].signature = Signature::new(sig.e(), s).unwrap();
    }));
    // e changed.
    assert!(!tamper(&|r| {
        let sig = r[2].signature;
        let mut e = sig.e();
        e[0] ^= 1;
        r[2].signature = Signature::new(e, sig.s()).unwrap();
    }));
    // Signed by another oracle of the set, and by a key outside it.
    assert!(!tamper(&|r| r[0].sign(&m, &oracle_key(1))));
    let outsider = SecretKey::from_decimal("123456789").unwrap();
    assert!(!tamper(&|r| r[1].sign(&m, &outsider)));
    // A valid signature of the same oracle over another report.
    assert!(!tamper(&|r| {
        let mut other = r[0].clone();
        other.timestamp -= 1;
        other.sign(&m, &oracle_key(0));
        r[0].signature = other.signature;
    }));
    // The report names another oracle (index changed, signature kept), or
    // is re-signed by the oracle it now names but keeps another's slot.
    assert!(!tamper(&|r| r[1].oracle = 2));
    // The all-zero placeholder.
    assert!(!tamper(&|r| r[2].signature = Signature::default()));
    // The oracle's own signature of this very report for another market
    // (another fee, the same oracle keys): the market hash is signed, so
    // the native rule refuses it and the prelude does not prove it.
    let mut elsewhere = market();
    elsewhere.params.fee_bps += 1;
    let mut moved = honest();
    moved[0].sign(&elsewhere, &oracle_key(0));
    assert_eq!(
        moved[0].check(&m, NOW),
        Err(zksettle_circuits::rules::error::ReportViolation::BadSignature)
    );
    assert!(!provable(moved));
}

#[test]
fn a_quorum_with_a_repeated_oracle_does_not_prove() {
    // Each report validly signed, but oracle 1 twice (in either slot order).
    let m = market();
    let repeated = reports_of(&m, &[0, 1, 1], NOW - 10, &Quote::default());
    assert!(repeated.iter().all(|r| r.check(&m, NOW).is_ok()));
    assert!(!provable(repeated));
    let mut twice_first = reports_of(&m, &[1, 1, 3], NOW - 10, &Quote::default());
    twice_first[1].timestamp -= 1;
    twice_first[1].sign(&m, &oracle_key(1));
    assert!(!provable(twice_first));
}
