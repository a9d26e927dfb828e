//! How a run ends: the two kinds of failure and their exit codes.
//!
//! * [`Refused`] (exit 2): usage or preflight said no; nothing was changed.
//! * [`Failed`] (exit 1): a step of the release failed and everything local was rolled back.
//!
//! Any other error is reported as refused as well: it can only come from reading facts,
//! before anything was changed.

use std::fmt;

/// Exit code when the work was done.
pub const EXIT_DONE: i32 = 0;
/// Exit code when a step failed and the local changes were rolled back.
pub const EXIT_FAILED: i32 = 1;
/// Exit code when the tool refused to start (usage or preflight); nothing changed.
pub const EXIT_REFUSED: i32 = 2;
/// Exit code of `release status` when a copy is out of step.
pub const EXIT_OUT_OF_STEP: i32 = 3;
/// Exit code after Ctrl-C, SIGTERM or SIGHUP stopped a transaction (rolled back).
pub const EXIT_INTERRUPTED: i32 = 130;

/// A signal stopped the transaction before its push; it was rolled back (the message says what).
#[derive(Debug)]
pub struct Interrupted(pub String);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Interrupted {}

/// `release status` found a copy out of step (it has said which and why already).
#[derive(Debug)]
pub struct OutOfStep;

impl fmt::Display for OutOfStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("")
    }
}
impl std::error::Error for OutOfStep {}

/// The tool refused: bad usage or a failed preflight. Nothing was changed.
#[derive(Debug)]
pub struct Refused(pub String);

/// A step failed after changes began; they were rolled back (the message says what).
#[derive(Debug)]
pub struct Failed(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Refused {}
impl std::error::Error for Failed {}

/// Shorthand for an `anyhow::Error` carrying a [`Refused`].
pub fn refused(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(msg.into()))
}

/// The exit code for an error returned by a command.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<OutOfStep>().is_some() {
        EXIT_OUT_OF_STEP
    } else if err.chain().any(|e| e.downcast_ref::<Interrupted>().is_some()) {
        EXIT_INTERRUPTED
    } else if err.chain().any(|e| e.downcast_ref::<Failed>().is_some()) {
        EXIT_FAILED
    } else {
        EXIT_REFUSED
    }
}
