//! A one-line progress bar on stderr, drawn only when stderr is a terminal (a log file or a
//! pipe gets nothing, so scripts see only the summary).

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::time::Instant;

const WIDTH: usize = 30;

/// Progress of a counted job.
pub(crate) struct Progress {
    total: usize,
    what: &'static str,
    started: Instant,
    visible: bool,
    finished: Cell<bool>,
}

impl Progress {
    /// Starts a bar for `total` items; invisible unless stderr is a terminal.
    pub(crate) fn new(total: usize, what: &'static str) -> Self {
        let visible = std::io::stderr().is_terminal();
        Progress { total, what, started: Instant::now(), visible, finished: Cell::new(false) }
    }

    /// Redraws the bar with `done` items finished.
    pub(crate) fn update(&self, done: usize) {
        if self.visible {
            let line = render(done, self.total, self.what, self.started.elapsed().as_secs_f64());
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{line}");
            let _ = err.flush();
        }
    }

    /// Ends the bar's line (once; also on drop, so an error message starts on a line of its own).
    pub(crate) fn finish(&self) {
        if self.visible && !self.finished.replace(true) {
            eprintln!();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `[#########---------------------]  30% 300/1000 devices, 1.2 s`
pub(crate) fn render(done: usize, total: usize, what: &str, seconds: f64) -> String {
    let done = done.min(total);
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "[{}{}] {percent:>3}% {done}/{total} {what}, {seconds:.1} s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(render(0, 10, "devices", 0.0), format!("[{}]   0% 0/10 devices, 0.0 s", "-".repeat(30)));
        let half = render(5, 10, "devices", 1.25);
        assert!(half.starts_with(&format!("[{}{}]  50% 5/10", "#".repeat(15), "-".repeat(15))), "{half}");
        assert!(render(12, 10, "devices", 2.0).contains("100% 10/10"));
        assert!(render(0, 0, "devices", 0.0).contains("100% 0/0"));
    }
}
