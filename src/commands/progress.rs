//! The progress bar of long history walks.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr for a long history walk: drawn only when
/// stderr is a terminal, and only once the walk has taken 300 ms.
pub(crate) struct Progress {
    started: Instant,
    message: &'static str,
    terminal: bool,
    bar: RefCell<Option<ProgressBar>>,
}

impl Progress {
    /// A bar that has not appeared yet.
    pub(crate) fn new(message: &'static str) -> Progress {
        Progress {
            started: Instant::now(),
            message,
            terminal: std::io::stderr().is_terminal(),
            bar: RefCell::new(None),
        }
    }

    /// Moves the bar to `done` of `total`.
    pub(crate) fn update(&self, done: usize, total: usize) {
        if !self.terminal || self.started.elapsed() < Duration::from_millis(300) {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        let bar = bar.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} commits ({eta})")
            {
                bar.set_style(style);
            }
            bar.set_message(self.message);
            bar
        });
        bar.set_position(done as u64);
    }

    /// Removes the bar, if it appeared.
    pub(crate) fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
