//! Wall-clock helpers.

use std::time::Instant;

/// Runs `f` and returns its result with the seconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let clock = Instant::now();
    let out = f();
    (out, clock.elapsed().as_secs_f64())
}

/// The median of some samples (the upper one of an even count); 0 when empty.
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// Median seconds of `runs` calls of `f` (at least one).
pub fn median_secs<E>(runs: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<f64, E> {
    let mut samples = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let (outcome, secs) = timed(&mut f);
        outcome?;
        samples.push(secs);
    }
    Ok(median(&samples))
}
