//! Standard output for the command-line tools (`verifier`, `engine`). `println!` panics when
//! stdout is closed (`verifier list | head -1`) or full (`> /dev/full`); [`outln!`] and
//! [`out!`] instead end the program quietly on a closed pipe, with the status a shell gives a
//! process that SIGPIPE ended ([`PIPE_CLOSED`]: never 0, so `set -o pipefail` still sees that
//! a `check` did not finish), and with [`WRITE_FAILED`] and a message naming the error on any
//! other write failure.

use std::io::{ErrorKind, Write};

/// Exit status when stdout cannot be written (other than a closed pipe).
pub const WRITE_FAILED: i32 = 4;
/// Exit status when the reader closed stdout: 128 + SIGPIPE.
pub const PIPE_CLOSED: i32 = 141;

/// Write `args` to stdout, or end the program as described above.
pub fn write(args: std::fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    let result = stdout.write_fmt(args).and_then(|()| stdout.flush());
    if let Err(e) = result {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(PIPE_CLOSED);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(WRITE_FAILED);
    }
}

/// `print!` through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::write(format_args!($($arg)*)) };
}

/// `println!` through [`write`].
#[macro_export]
macro_rules! outln {
    () => { $crate::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::write(format_args!("{}\n", format_args!($($arg)*))) };
}
