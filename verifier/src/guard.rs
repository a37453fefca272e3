//! A last line of defence around plonky2 calls that may panic on bytes the
//! checks before them did not anticipate: with `std`, a panic becomes `None`
//! (an error for the caller); without `std` there is no unwinding to catch.

/// Runs `f`, turning a panic into `None` when `std` is available.
#[cfg(feature = "std")]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// Runs `f` (no unwinding without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    Some(f())
}
