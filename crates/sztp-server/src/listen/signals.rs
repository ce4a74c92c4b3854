//! The process signals the server reacts to: SIGHUP reloads listeners and certificates,
//! SIGTERM and SIGINT drain and exit.

use std::io;

use tokio::signal::unix::{SignalKind, signal};

/// What the main loop should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGHUP: re-read listener configuration and certificates.
    Hangup,
    /// SIGTERM or SIGINT: stop accepting, drain, exit 0.
    Terminate,
}

/// Registered handlers for SIGHUP, SIGTERM and SIGINT. Create it once, early: from then on these
/// signals are queued for [`Signals::recv`] instead of killing the process, also between calls.
#[derive(Debug)]
pub struct Signals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Registers the handlers (needs a Tokio runtime).
    pub fn new() -> io::Result<Self> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the next signal.
    pub async fn recv(&mut self) -> Signal {
        tokio::select! {
            _ = self.terminate.recv() => Signal::Terminate,
            _ = self.interrupt.recv() => Signal::Terminate,
            _ = self.hangup.recv() => Signal::Hangup,
        }
    }
}

/// Waits for SIGHUP, SIGTERM or SIGINT. A one-shot convenience: signals arriving between two
/// calls are still caught (the handlers stay installed) but not reported; loops should keep one
/// [`Signals`] instead. If the handlers cannot be registered, it waits forever.
pub async fn wait_for_signal() -> Signal {
    match Signals::new() {
        Ok(mut signals) => signals.recv().await,
        Err(e) => {
            tracing::error!(error = %e, "cannot register signal handlers");
            std::future::pending().await
        }
    }
}
