//! Units and bounds of `docs/design.md` section 2, and the fixed account indices.
//!
//! The rule book (`zksettle-circuits`) and light clients share these: a
//! light client checks an account leaf it is shown against the same bounds.

/// Price tick: every price is a multiple of this many micro-USD.
pub const TICK: u64 = 100;
/// Lots per unit of underlying (a lot is 0.01 underlying).
pub const Q_SCALE: u64 = 100;
/// Largest price, micro-USD per underlying.
pub const P_MAX: u64 = 1 << 40;
/// Largest absolute position or trade quantity, in lots.
pub const Q_MAX: i64 = (1 << 19) - 1;
/// Largest cash balance of an account, micro-USD.
pub const CASH_MAX: u64 = 1 << 58;
/// Largest withdrawal nonce an account may hold: after this many
/// withdrawals it can withdraw no more (2^32 - 1).
pub const NONCE_MAX: u64 = u32::MAX as u64;
/// Largest outstanding bad debt, micro-USD.
pub const BAD_DEBT_MAX: u64 = 1 << 60;
/// Basis points in one.
pub const BPS: u64 = 10_000;
/// Position slots per account.
pub const N_SLOTS: usize = 8;
/// Open-order slots per account.
pub const ORDER_SLOTS: usize = 2;
/// Largest number of underlyings a market may list.
pub const MAX_UNDERLYINGS: usize = 8;
/// Largest number of instruments a market may list.
pub const MAX_INSTRUMENTS: usize = 64;
/// Largest number of scenarios of the margin grid.
pub const MAX_SCENARIOS: usize = 16;
/// Largest scenario move, in bps of spot (5x).
pub const MAX_MOVE_BPS: u64 = 50_000;
/// Largest number of oracles in the oracle set.
pub const MAX_ORACLES: usize = 16;

/// Largest timestamp (unix seconds) any file may carry: below 2^40, so
/// timestamps and their differences compare with single range checks.
pub const TIMESTAMP_MAX: u64 = (1 << 40) - 1;
/// Largest epoch number.
pub const EPOCH_MAX: u64 = u32::MAX as u64;

/// Index of the insurance fund account.
pub const INSURANCE_FUND: u32 = 0;
/// Index of the fee account.
pub const FEE_ACCOUNT: u32 = 1;
/// Index of the global leaf (holds `bad_debt`); it is not an account.
pub const GLOBAL_LEAF: u32 = 2;
/// First index of a user account.
pub const FIRST_USER_ACCOUNT: u32 = 3;

/// Whether `index` is one of the venue's own leaves (insurance, fees, global).
pub const fn is_system_index(index: u32) -> bool {
    index < FIRST_USER_ACCOUNT
}
