//! How a run ends: the two kinds of failure and their exit codes.
//!
//! * [`Refused`] (exit 2): usage or preflight said no; nothing was changed.
//! * [`Failed`] (exit 1): a step of the release failed and everything local was rolled back.
//! * [`Incomplete`] (exit 4): something may have changed that was not taken back: a push
//!   whose outcome is uncertain, an undo that failed or found a user's edit, a change
//!   outside (cluster, registry, origin). The message says what may have changed.
//! * [`Interrupted`] (exit 130): a signal stopped it; what was done is said.
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
/// Exit code when something may have changed that was not taken back (uncertain push,
/// failed or guarded undo, an outside change): the message says what.
pub const EXIT_INCOMPLETE: i32 = 4;
/// Exit code after Ctrl-C, SIGTERM or SIGHUP stopped a transaction (rolled back).
pub const EXIT_INTERRUPTED: i32 = 130;

/// An error that is a message and nothing else: its text is what people read.
#[macro_export]
macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

message_error!(
    /// A signal stopped the transaction before its push; it was rolled back (the message says what).
    Interrupted
);
message_error!(
    /// The tool refused: bad usage or a failed preflight. Nothing was changed.
    Refused
);
message_error!(
    /// A step failed after changes began; they were rolled back (the message says what).
    Failed
);

message_error!(
    /// Something may have changed that was not taken back; the message says what, and how
    /// to see and finish it.
    Incomplete
);

/// `release status` found a copy out of step (it has said which and why already).
#[derive(Debug)]
pub struct OutOfStep;

impl fmt::Display for OutOfStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("")
    }
}
impl std::error::Error for OutOfStep {}

/// Shorthand for an `anyhow::Error` carrying a [`Refused`].
pub fn refused(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(msg.into()))
}

/// The exit code for an error returned by a command.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<OutOfStep>().is_some() {
        EXIT_OUT_OF_STEP
    } else if err.chain().any(|e| e.downcast_ref::<Incomplete>().is_some()) {
        EXIT_INCOMPLETE
    } else if err.chain().any(|e| e.downcast_ref::<Interrupted>().is_some()) {
        EXIT_INTERRUPTED
    } else if err.chain().any(|e| e.downcast_ref::<Failed>().is_some()) {
        EXIT_FAILED
    } else {
        EXIT_REFUSED
    }
}
