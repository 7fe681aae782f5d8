//! The `cairn` binary: parse the command line, build the context once, run
//! the subcommand, and map its outcome or error to an exit code
//! (0 clean, 1 findings, 2 could not run). Nothing else.

mod cli;
mod commands;
mod progress;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::commands::{Ctx, Outcome};

/// A history walk makes and frees millions of small strings (paths, ids,
/// field values); glibc's allocator spent a third of a warm `summary` in
/// malloc and free, mimalloc a fraction of that (and musl's, in the static
/// release builds, is slower still). Built without transparent huge pages
/// (feature `no_thp`): they made each touched 2 MiB count whole in the
/// peak memory of every command.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_t`).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with mimalloc before it goes back to the
/// system, in milliseconds. Its default, 1000, kept whatever a command
/// freed in its last second counted in its peak: 15–20 MB of a cold
/// `summary` or `validate --rev` on a 10,000-record log. At 10 ms
/// (mimalloc 2's default) that memory goes back as the command goes, in the
/// same time.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Sets mimalloc's purge delay, unless `MIMALLOC_PURGE_DELAY` chose one
/// (then the option no longer holds its default, 1000, which is also what
/// makes sure `PURGE_DELAY` names that option).
fn purge_early() {
    // SAFETY: both read or write one option word; nothing else sets options
    // (mimalloc reads its environment once, at its start, before main).
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == 1000 {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

fn main() -> ExitCode {
    let code = run();
    // What std's own exit would flush (a line of clap's help or an error
    // without its line break would sit in stdout's buffer).
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // Ending here skips the allocator's tear-down at exit, which hands
    // back every freed page piece by piece to a system about to reclaim
    // the whole process anyway: about 0.2 ms, a few percent of a warm
    // `validate`, and more after a large `summary`.
    #[cfg(unix)]
    {
        // SAFETY: `_exit` ends the process without running destructors or
        // atexit handlers; no output is left buffered and no file is left
        // half-written (writes go through a temporary file and a rename,
        // finished before `run` returns).
        unsafe { libc::_exit(i32::from(code)) }
    }
    #[cfg(not(unix))]
    ExitCode::from(code)
}

/// Runs the command line; the exit code: 0 clean, 1 findings, 2 could
/// not run.
fn run() -> u8 {
    purge_early();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    let choice = match cli.color {
        cli::ColorChoice::Auto => anstream::ColorChoice::Auto,
        cli::ColorChoice::Always => anstream::ColorChoice::Always,
        cli::ColorChoice::Never => anstream::ColorChoice::Never,
    };
    // `auto` is decided against the real stdout (terminal, NO_COLOR, ...);
    // the buffer sits below the colour stream, because stripping writes
    // each run of text between escapes on its own: above it, a buffer would
    // still cost one write call per run.
    let choice = match choice {
        anstream::ColorChoice::Auto => anstream::AutoStream::choice(&io::stdout()),
        other => other,
    };
    let buffered: Box<dyn Write> = Box::new(io::BufWriter::new(io::stdout().lock()));
    let mut out = anstream::AutoStream::new(buffered, choice);
    let result = Ctx::new(&cli, choice).and_then(|ctx| {
        let result = commands::run(&ctx, &cli.command, &mut out);
        // The process ends next: its repository handle, pack maps and
        // caches are left to the system, not taken apart one by one (a
        // few milliseconds after a history walk). Everything a command
        // writes is written before it returns.
        std::mem::forget(ctx);
        result
    });
    let flushed = out.flush();
    match result {
        Ok(outcome) => match flushed {
            Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
                report(&anyhow::Error::from(err), choice)
            }
            _ => match outcome {
                Outcome::Clean => 0,
                Outcome::Findings => 1,
            },
        },
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => report(&err, choice),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn report(err: &anyhow::Error, choice: anstream::ColorChoice) -> u8 {
    let style = anstyle::AnsiColor::Red.on_default().bold();
    let mut stderr = anstream::AutoStream::new(io::stderr().lock(), choice);
    let message = cairn::render::term(&format!("{err:#}")).into_owned();
    let _ = writeln!(stderr, "{style}cairn: error:{style:#} {message}");
    2
}
