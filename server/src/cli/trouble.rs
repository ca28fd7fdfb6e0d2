//! How the client's failures are told apart: worth another try (the
//! network, a server restarting), worth signing in again (the session is
//! no longer good), or final (the room is gone, a refusal); and how long
//! to wait between tries.

use std::time::Duration;

/// A failure the caller acts on by its kind.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Trouble {
    pub kind: Kind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Another try may work: reconnect and resume.
    Passing,
    /// The session is not accepted any more: sign in again.
    SignInAgain,
    /// Trying again won't help: say so and stop.
    Final,
}

/// A failure another try may cure.
pub fn passing(message: impl Into<String>) -> anyhow::Error {
    Trouble {
        kind: Kind::Passing,
        message: message.into(),
    }
    .into()
}

/// A failure that ends the command.
pub fn final_(message: impl Into<String>) -> anyhow::Error {
    Trouble {
        kind: Kind::Final,
        message: message.into(),
    }
    .into()
}

/// The kind of `error`; errors of other types (a file that can't be read,
/// say) are final.
pub fn kind(error: &anyhow::Error) -> Kind {
    error
        .downcast_ref::<Trouble>()
        .map_or(Kind::Final, |t| t.kind)
}

/// Waits between tries: 0.5 s, doubling up to 15 s.
#[derive(Debug, Default)]
pub struct Backoff {
    tries: u32,
}

impl Backoff {
    /// The wait before the next try.
    pub fn next(&mut self) -> Duration {
        let wait = Duration::from_millis(500)
            .saturating_mul(1 << self.tries.min(5))
            .min(Duration::from_secs(15));
        self.tries += 1;
        wait
    }

    /// Tries since the last success.
    pub fn tries(&self) -> u32 {
        self.tries
    }

    /// Something worked: start again from the shortest wait.
    pub fn reset(&mut self) {
        self.tries = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_a_ceiling_and_start_over_after_a_success() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| backoff.next().as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(500));
    }

    #[test]
    fn foreign_errors_are_final() {
        assert_eq!(kind(&anyhow::anyhow!("disk")), Kind::Final);
        assert_eq!(kind(&passing("net")), Kind::Passing);
    }
}
