//! Account leaves in the circuit (mirrors `rules/account.rs`).
//!
//! An [`AccountTarget`] holds the leaf elements as targets (the domain tag
//! is a constant). Leaves read from the tree are well formed by induction
//! (the genesis state is checked natively and every leaf the circuit writes
//! is checked), so [`AccountGadget::assert_well_formed`] is applied to every
//! leaf written. The order slots of a written leaf are not re-checked
//! there: the step computes them from the leaf read (`gadgets::ops::orders`:
//! kept, filled, placed from a range-checked item, or emptied), each
//! transition canonical by construction.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::encoding::EncodingGadget;
use super::fixed::FixedGadget;
use super::Builder;
use crate::config::F;
use crate::rules::account::Account;
use crate::rules::encoding::{signed, unsigned, DOMAIN_ACCOUNT};
use crate::rules::units::{N_SLOTS, ORDER_SLOTS};

/// Bits of a cash balance (cash <= 2^58).
pub const CASH_BITS: usize = 59;
/// Bits of an instrument id (at most 64 instruments).
pub const INSTRUMENT_BITS: usize = 6;
/// Bits of a position magnitude (|q| <= 2^19 - 1).
pub const QTY_BITS: usize = 19;

/// Bits of a nonce (`NONCE_MAX` = 2^32 - 1).
pub const NONCE_BITS: usize = 32;

/// One position slot: `(instrument, qty)`, `(0, 0)` when empty.
#[derive(Clone, Copy, Debug)]
pub struct SlotTarget {
    /// Instrument id.
    pub instrument: Target,
    /// Signed lots.
    pub qty: Target,
}

/// One open-order slot: `(instrument, qty left, limit, expiry)`, all zero
/// when empty.
#[derive(Clone, Copy, Debug)]
pub struct OrderTarget {
    /// Instrument id.
    pub instrument: Target,
    /// Signed lots left (positive buys).
    pub qty: Target,
    /// Limit price.
    pub limit: Target,
    /// Expiry time.
    pub expiry: Target,
}

impl OrderTarget {
    /// The slot's elements in leaf order.
    pub fn fields(&self) -> [Target; 4] {
        [self.instrument, self.qty, self.limit, self.expiry]
    }

    /// The slot from its elements in leaf order.
    pub fn from_fields(f: [Target; 4]) -> Self {
        Self {
            instrument: f[0],
            qty: f[1],
            limit: f[2],
            expiry: f[3],
        }
    }
}

/// The elements of one account leaf.
#[derive(Clone, Copy, Debug)]
pub struct AccountTarget {
    /// Owner key hash.
    pub owner: HashOutTarget,
    /// Cash, micro-USD.
    pub cash: Target,
    /// Flag bits.
    pub flags: Target,
    /// Withdrawals made so far.
    pub nonce: Target,
    /// Position slots.
    pub slots: [SlotTarget; N_SLOTS],
    /// Open-order slots.
    pub orders: [OrderTarget; ORDER_SLOTS],
}

/// Account leaf gadgets.
pub trait AccountGadget {
    /// Fresh virtual targets for an account, filled by [`set_account`].
    fn add_virtual_account(&mut self) -> AccountTarget;

    /// The leaf hash `hash([DOMAIN_ACCOUNT, owner, cash, flags, nonce,
    /// slots, orders])`. Cost: 4 rows.
    fn account_leaf_hash(&mut self, account: &AccountTarget) -> HashOutTarget;

    /// Whether a slot holds a position (`qty != 0`). Cost: ~0.2 row.
    fn slot_filled(&mut self, slot: &SlotTarget) -> BoolTarget;

    /// Constrains the leaf to the canonical form the rule book writes
    /// (`Account::check_shape`): cash in `[0, 2^58]`, flags a single bit set
    /// only beside a position, nonce in `[0, 2^32)`, `|qty| <= Q_MAX`, filled slots first with
    /// strictly ascending instruments, empty slots `(0, 0)`.
    /// Cost: about 17 rows.
    fn assert_well_formed(&mut self, account: &AccountTarget);
}

impl AccountGadget for Builder {
    fn add_virtual_account(&mut self) -> AccountTarget {
        AccountTarget {
            owner: self.add_virtual_hash(),
            cash: self.add_virtual_target(),
            flags: self.add_virtual_target(),
            nonce: self.add_virtual_target(),
            slots: [(); N_SLOTS].map(|_| SlotTarget {
                instrument: self.add_virtual_target(),
                qty: self.add_virtual_target(),
            }),
            orders: [(); ORDER_SLOTS]
                .map(|_| OrderTarget::from_fields([(); 4].map(|_| self.add_virtual_target()))),
        }
    }

    fn account_leaf_hash(&mut self, account: &AccountTarget) -> HashOutTarget {
        let mut elements = vec![self.constant(unsigned(DOMAIN_ACCOUNT))];
        elements.extend(account.owner.elements);
        elements.push(account.cash);
        elements.push(account.flags);
        elements.push(account.nonce);
        for slot in &account.slots {
            elements.push(slot.instrument);
            elements.push(slot.qty);
        }
        for order in &account.orders {
            elements.extend(order.fields());
        }
        self.hash(elements)
    }

    fn slot_filled(&mut self, slot: &SlotTarget) -> BoolTarget {
        let zero = self.zero();
        let empty = self.is_equal(slot.qty, zero);
        self.not(empty)
    }

    fn assert_well_formed(&mut self, account: &AccountTarget) {
        let cash_max = self.constant(F::from_canonical_u64(crate::rules::units::CASH_MAX));
        self.assert_le(account.cash, cash_max, CASH_BITS);
        self.assert_unsigned_bits(account.cash, CASH_BITS);
        self.assert_bool(BoolTarget::new_unsafe(account.flags));
        // nonce <= NONCE_MAX = 2^32 - 1.
        self.assert_unsigned_bits(account.nonce, NONCE_BITS);
        let filled: Vec<BoolTarget> = account.slots.iter().map(|s| self.slot_filled(s)).collect();
        // Flagged => a position (slot 0 filled).
        let flagged_empty = self.mul_sub(account.flags, filled[0].target, account.flags);
        self.assert_zero(flagged_empty);
        for (k, slot) in account.slots.iter().enumerate() {
            // |qty| <= Q_MAX: qty + Q_MAX in [0, 2^20 - 1), i.e. qty in [-(2^19-1), 2^19-1].
            let shifted = self.add_const(slot.qty, F::from_canonical_u64((1 << QTY_BITS) - 1));
            let limit = self.constant(F::from_canonical_u64((1 << (QTY_BITS + 1)) - 2));
            self.assert_le(shifted, limit, QTY_BITS + 1);
            self.assert_unsigned_bits(shifted, QTY_BITS + 1);
            // An empty slot is (0, 0).
            let empty_instrument = self.mul_sub(filled[k].target, slot.instrument, slot.instrument);
            self.assert_zero(empty_instrument);
            if k + 1 < N_SLOTS {
                let next = &account.slots[k + 1];
                // A filled slot follows a filled slot ...
                let gap =
                    self.mul_sub(filled[k + 1].target, filled[k].target, filled[k + 1].target);
                self.assert_zero(gap);
                // ... with a larger instrument: next - this - 1 >= 0 when next is filled.
                let step = self.sub(next.instrument, slot.instrument);
                let step = self.add_const(step, -F::ONE);
                let gated = self.mul(filled[k + 1].target, step);
                self.assert_unsigned_bits(gated, INSTRUMENT_BITS);
            }
            self.assert_unsigned_bits(slot.instrument, INSTRUMENT_BITS);
        }
    }
}

/// Assigns an account's values to its targets.
pub fn set_account(
    witness: &mut PartialWitness<F>,
    target: &AccountTarget,
    account: &Account,
) -> anyhow::Result<()> {
    witness.set_hash_target(target.owner, account.owner)?;
    witness.set_target(target.cash, unsigned(account.cash))?;
    witness.set_target(target.flags, unsigned(account.flags))?;
    witness.set_target(target.nonce, unsigned(account.nonce))?;
    for (k, slot) in target.slots.iter().enumerate() {
        let (instrument, qty) = account
            .positions
            .get(k)
            .map_or((0, 0), |p| (p.instrument, p.qty));
        witness.set_target(slot.instrument, unsigned(instrument.into()))?;
        witness.set_target(slot.qty, signed(qty))?;
    }
    for (target, order) in target.orders.iter().zip(&account.orders) {
        for (&t, v) in target.fields().iter().zip(order.to_fields()) {
            witness.set_target(t, v)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::C;
    use crate::gadgets::testing::{builder, provable};
    use crate::rules::account::Position;
    use crate::rules::encoding::hash;
    use crate::rules::units::{CASH_MAX, Q_MAX};

    /// Whether `account` proves well formed with the native leaf hash.
    fn accepted(account: &Account) -> bool {
        let mut b = builder();
        let target = b.add_virtual_account();
        b.assert_well_formed(&target);
        let leaf = b.account_leaf_hash(&target);
        let expected = b.add_virtual_hash();
        b.connect_hashes(leaf, expected);
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_account(&mut pw, &target, account).unwrap();
        pw.set_hash_target(expected, account.leaf_hash()).unwrap();
        provable(&data, pw)
    }

    fn account(cash: u64, flags: u64, positions: &[(u32, i64)]) -> Account {
        Account {
            owner: hash(&[F::ONE]),
            cash,
            flags,
            nonce: 0,
            positions: positions
                .iter()
                .map(|&(instrument, qty)| Position { instrument, qty })
                .collect(),
            orders: Default::default(),
        }
    }

    #[test]
    fn canonical_accounts_hash_like_the_native_leaf() {
        assert!(accepted(&Account::default()));
        assert!(accepted(&account(
            CASH_MAX,
            1,
            &[(0, -Q_MAX), (5, Q_MAX), (63, 1)]
        )));
        assert!(accepted(&account(7, 0, &[])));
        let mut withdrawn = account(7, 0, &[]);
        withdrawn.nonce = crate::rules::units::NONCE_MAX;
        assert!(accepted(&withdrawn));
        assert!(accepted(&account(
            0,
            0,
            &(0..8)
                .map(|i| (i * 2, 1 - 2 * (i as i64 % 2)))
                .collect::<Vec<_>>()
        )));
    }

    #[test]
    fn non_canonical_leaves_cannot_be_written() {
        assert!(!accepted(&account(CASH_MAX + 1, 0, &[])), "cash above 2^58");
        assert!(!accepted(&account(0, 2, &[])), "unknown flag bit");
        assert!(!accepted(&account(0, 1, &[])), "flagged without a position");
        let mut exhausted = account(7, 0, &[]);
        exhausted.nonce = crate::rules::units::NONCE_MAX + 1;
        assert!(!accepted(&exhausted), "nonce beyond 2^32 - 1");
        assert!(
            !accepted(&account(0, 0, &[(3, Q_MAX + 1)])),
            "position beyond Q_MAX"
        );
        assert!(
            !accepted(&account(0, 0, &[(3, -Q_MAX - 1)])),
            "short position beyond Q_MAX"
        );
        assert!(
            !accepted(&account(0, 0, &[(5, 1), (3, 1)])),
            "slots out of order"
        );
        assert!(
            !accepted(&account(0, 0, &[(5, 1), (5, 1)])),
            "instrument twice"
        );
        assert!(
            !accepted(&account(0, 0, &[(5, 0)])),
            "empty slot with an instrument"
        );
        let mut gap = account(0, 0, &[(1, 1), (2, 1)]);
        gap.positions[0].qty = 0;
        gap.positions[0].instrument = 0;
        assert!(!accepted(&gap), "filled slot after an empty one");
    }
}
