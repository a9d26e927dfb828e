//! Ctrl-C, SIGTERM and SIGHUP while a transaction applies: the first one is noted and the
//! transaction stops at the next step boundary (rolling back before the push; waiting for
//! the push once it started); a second one exits at once, leaving the journal for
//! `release resume` or `release abort`.

use crate::error::EXIT_INTERRUPTED;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Signals caught while applying.
pub struct Signals {
    flag: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    /// Catches the three signals until dropped.
    pub fn arm() -> Signals {
        let flag = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // The second signal finds the flag set and exits at once.
            if let Ok(id) = signal_hook::flag::register_conditional_shutdown(sig, EXIT_INTERRUPTED, Arc::clone(&flag)) {
                ids.push(id);
            }
            if let Ok(id) = signal_hook::flag::register(sig, Arc::clone(&flag)) {
                ids.push(id);
            }
        }
        Signals { flag, ids }
    }

    pub fn caught(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
