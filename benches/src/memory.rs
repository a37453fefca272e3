//! Peak resident memory: a process's high-water mark (`VmHWM` in
//! `/proc/self/status`). Linux only; elsewhere it reads `None`.
//!
//! Child processes report their own mark in their output: on Linux,
//! `getrusage(RUSAGE_CHILDREN)` would count the parent's pages a child
//! shares between its spawn and its `exec`, so it reads as the parent's
//! peak.

/// Resets this process's high-water mark to its current resident set (on
/// Linux, `5` written to `/proc/self/clear_refs`), so the next
/// [`peak_self_bytes`] is the peak of what runs in between. False where
/// that is not supported (the mark then keeps the whole run's peak).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of a run cut into windows: each window's own peak,
/// and the whole run's across the resets between them.
#[derive(Debug, Default)]
pub struct Peaks {
    whole: Option<u64>,
}

impl Peaks {
    /// Runs `work` in a window of its own: its result and this process's
    /// peak while it ran (the memory held before it included).
    pub fn window<T>(&mut self, work: impl FnOnce() -> T) -> (T, Option<u64>) {
        self.whole = self.whole.max(peak_self_bytes());
        reset_peak();
        let out = work();
        let peak = peak_self_bytes();
        self.whole = self.whole.max(peak);
        (out, peak)
    }

    /// The whole run's peak so far.
    pub fn whole(&self) -> Option<u64> {
        self.whole.max(peak_self_bytes())
    }
}

/// This process's peak resident set, in bytes.
pub fn peak_self_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_peak_bytes(&status)
}

/// This process's resident set now, in bytes.
pub fn resident_self_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_bytes(&status, "VmRSS:")
}

/// The `VmHWM` line of a `/proc/<pid>/status` text, in bytes.
pub fn status_peak_bytes(status: &str) -> Option<u64> {
    status_bytes(status, "VmHWM:")
}

/// The `field` line (`VmHWM:`, `VmRSS:`) of a status text, in bytes.
fn status_bytes(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_of_a_status_text() {
        let status = "Name:\treport\nVmPeak:\t  900 kB\nVmHWM:\t    4096 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(status_peak_bytes(status), Some(4096 * 1024));
        assert_eq!(status_peak_bytes("Name:\treport\n"), None);
        assert_eq!(status_bytes(status, "VmRSS:"), Some(100 * 1024));
    }

    #[test]
    fn this_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            assert!(peak_self_bytes().unwrap_or(0) > 0);
        }
    }
}
