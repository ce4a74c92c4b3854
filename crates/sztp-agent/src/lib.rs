//! Device-side RFC 8572 agent: discovery, the bootstrap client with full verification of what
//! servers send, onboarding in RFC order, progress reports, and a status kept on disk.

/// `println!` that ends the process when stdout has gone (`… | head`), with the status a
/// SIGPIPE death gives (141), instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
        }
    }};
}

pub mod agent;
pub mod cli;
mod client;
mod conveyed;
pub mod discovery;
pub mod error;
mod flow;
pub mod identity;
mod onboard;
mod platform;
mod session;
mod shell;
mod shutdown;
mod simulate;
mod state;
