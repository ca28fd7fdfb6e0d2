//! The command-line client in the same binary: `chatdrop send` shares
//! files and posts messages, `chatdrop watch` prints a room as it
//! happens. Both speak the room's socket as the browser does
//! (docs/PROTOCOL.md) and keep their sessions between runs.

pub mod args;
mod link;
mod send;
mod show;
mod state;
mod trouble;
mod upload;
mod watch;

use std::process::ExitCode;

pub use args::{SendArgs, Target, WatchArgs};
pub use link::PASSWORD_VAR;

/// The exit code after Ctrl-C, as shells report a process ended by SIGINT.
const INTERRUPTED: u8 = 130;

/// Runs `chatdrop send`.
pub async fn send(args: SendArgs) -> ExitCode {
    finish(interruptible(send::run(args), true).await)
}

/// Runs `chatdrop watch`.
pub async fn watch(args: WatchArgs) -> ExitCode {
    finish(interruptible(watch::run(args), false).await)
}

/// Stops `work` at Ctrl-C; `None` when it was stopped.
async fn interruptible(
    work: impl std::future::Future<Output = anyhow::Result<()>>,
    resumable: bool,
) -> Option<anyhow::Result<()>> {
    tokio::select! {
        done = work => Some(done),
        _ = tokio::signal::ctrl_c() => {
            if resumable {
                eprintln!("\nStopped. Run the same command again to continue where it was.");
            }
            None
        }
    }
}

fn finish(done: Option<anyhow::Result<()>>) -> ExitCode {
    match done {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(error)) => {
            eprintln!("chatdrop: {error:#}");
            ExitCode::FAILURE
        }
        None => ExitCode::from(INTERRUPTED),
    }
}
