//! SIGINT and SIGTERM to the agent: a step's commands run in their own process group, so a
//! terminal's Ctrl-C or a service stop does not reach them; the running step stops them instead.

use std::sync::OnceLock;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

fn flag() -> &'static watch::Sender<bool> {
    static FLAG: OnceLock<watch::Sender<bool>> = OnceLock::new();
    FLAG.get_or_init(|| watch::channel(false).0)
}

/// Starts listening for SIGINT and SIGTERM (once per process; the CLI's `run` and `daemon`).
pub(crate) fn listen() -> std::io::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        tracing::warn!("termination signal: stopping the running step");
        request();
    });
    Ok(())
}

/// Asks the running attempt to stop (what a signal does).
pub(crate) fn request() {
    flag().send_replace(true);
}

/// Whether a stop was asked for.
pub(crate) fn requested() -> bool {
    *flag().borrow()
}

/// Resolves once a stop is asked for; never, in a process that is not asked.
pub(crate) async fn until_requested() {
    let mut rx = flag().subscribe();
    let _ = rx.wait_for(|stop| *stop).await;
}
