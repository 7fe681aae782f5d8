//! The progress bar of long history walks, drawn for the library's
//! [`cairn::project::Progress`] hook.

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr for a long history walk: drawn only when
/// stderr is a terminal, and only once the walk has taken 300 ms.
pub(crate) struct Bar {
    message: &'static str,
    terminal: bool,
    started: Cell<Option<Instant>>,
    bar: RefCell<Option<ProgressBar>>,
}

impl Bar {
    /// A bar that has not appeared yet.
    pub(crate) fn new(message: &'static str) -> Bar {
        Bar {
            message,
            terminal: std::io::stderr().is_terminal(),
            started: Cell::new(None),
            bar: RefCell::new(None),
        }
    }
}

impl cairn::project::Progress for Bar {
    fn start(&self) {
        self.started.set(Some(Instant::now()));
    }

    fn update(&self, done: usize, total: usize) {
        let started = self.started.get().unwrap_or_else(|| {
            let now = Instant::now();
            self.started.set(Some(now));
            now
        });
        if !self.terminal || started.elapsed() < Duration::from_millis(300) {
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

    fn finish(&self) {
        self.started.set(None);
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
