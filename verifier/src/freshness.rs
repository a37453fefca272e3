//! How recent a proven epoch must be, by the client's own clock.
//!
//! An epoch's timestamp is a public input the operator chooses: the
//! circuits only require that it never goes down from one epoch to the
//! next. Order expiries and report freshness are checked against it, so
//! an operator that freezes its clock keeps expired orders fillable and
//! stale oracle reports valid, and a proof of such an epoch is still a
//! valid proof. Only the client's clock can bound how stale the proven
//! state is: [`Freshness::within`] refuses a proof whose epoch timestamp is
//! older than `now - max_age` (or later than `now` plus a small skew).

use crate::VerifyError;

/// Seconds an epoch timestamp may run ahead of the client's clock under
/// [`Freshness::within`]: clocks of operator and client drift by seconds,
/// not minutes, and an epoch stamped further ahead would expire orders
/// (and age reports) early.
pub const DEFAULT_CLOCK_SKEW: u64 = 60;

/// How recent the proven epoch must be by the client's own clock (unix
/// seconds); every verification names one, so a caller that accepts any
/// timestamp says so with [`Freshness::Unchecked`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Any epoch timestamp: for replaying history, for tests, or for a
    /// caller that checks [`crate::Finalized::timestamp`] itself. The
    /// proof then shows the state at a time the operator picked, however
    /// long ago.
    Unchecked,
    /// The epoch timestamp must lie in `now - max_age ..= now + max_skew`:
    /// older is [`VerifyError::StaleTimestamp`], later
    /// [`VerifyError::FutureTimestamp`].
    Within {
        /// The client's clock, unix seconds.
        now: u64,
        /// Greatest accepted age of the epoch, seconds.
        max_age: u64,
        /// How far the epoch timestamp may be ahead of `now`, seconds.
        max_skew: u64,
    },
}

impl Freshness {
    /// Epochs at most `max_age` seconds older than `now`, and at most
    /// [`DEFAULT_CLOCK_SKEW`] seconds ahead of it.
    pub fn within(now: u64, max_age: u64) -> Self {
        Self::Within {
            now,
            max_age,
            max_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// This bound with another allowed skew ahead of `now` (no change to
    /// [`Freshness::Unchecked`]).
    pub fn with_skew(self, skew: u64) -> Self {
        match self {
            Self::Unchecked => Self::Unchecked,
            Self::Within { now, max_age, .. } => Self::Within {
                now,
                max_age,
                max_skew: skew,
            },
        }
    }

    /// Checks an epoch timestamp against this bound.
    pub fn check(&self, timestamp: u64) -> Result<(), VerifyError> {
        match *self {
            Self::Unchecked => Ok(()),
            Self::Within {
                now,
                max_age,
                max_skew,
            } => {
                if timestamp < now.saturating_sub(max_age) {
                    Err(VerifyError::StaleTimestamp {
                        timestamp,
                        now,
                        max_age,
                    })
                } else if timestamp > now.saturating_add(max_skew) {
                    Err(VerifyError::FutureTimestamp {
                        timestamp,
                        now,
                        max_skew,
                    })
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_older_than_max_age_by_the_clients_clock_is_stale() {
        let bound = Freshness::within(10_000, 600);
        assert_eq!(bound.check(9_400), Ok(()));
        assert_eq!(bound.check(10_000), Ok(()));
        assert_eq!(
            bound.check(9_399),
            Err(VerifyError::StaleTimestamp {
                timestamp: 9_399,
                now: 10_000,
                max_age: 600
            })
        );
    }

    #[test]
    fn an_epoch_ahead_of_the_clients_clock_beyond_the_skew_is_refused() {
        let bound = Freshness::within(10_000, 600);
        assert_eq!(bound.check(10_000 + DEFAULT_CLOCK_SKEW), Ok(()));
        assert_eq!(
            bound.check(10_001 + DEFAULT_CLOCK_SKEW),
            Err(VerifyError::FutureTimestamp {
                timestamp: 10_001 + DEFAULT_CLOCK_SKEW,
                now: 10_000,
                max_skew: DEFAULT_CLOCK_SKEW
            })
        );
        assert!(bound.with_skew(0).check(10_001).is_err());
    }

    #[test]
    fn unchecked_freshness_accepts_any_timestamp_and_bounds_saturate_and_name_both_times() {
        assert_eq!(Freshness::Unchecked.check(0), Ok(()));
        assert_eq!(Freshness::Unchecked.check(u64::MAX), Ok(()));
        assert_eq!(Freshness::within(100, 1_000).check(0), Ok(()));
        assert_eq!(Freshness::within(u64::MAX, 0).check(u64::MAX), Ok(()));
        let message = Freshness::within(10_000, 600)
            .check(1)
            .map_err(|e| alloc::string::ToString::to_string(&e))
            .unwrap_err();
        assert_eq!(
            message,
            "the proof's epoch timestamp 1 is more than 600 s before now 10000 (the client's clock)"
        );
    }
}
