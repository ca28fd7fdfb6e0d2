//! The one token bucket: `burst` tokens, refilled at `per_second`. Used per
//! network for wrong codes and new rooms (`throttle.rs`) and per connection
//! for frames (`socket/`).

use std::time::{Duration, Instant};

/// Tokens that refill over time, up to a burst.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
    burst: f64,
    per_second: f64,
}

impl Bucket {
    /// A full bucket of `burst` tokens, refilling `per_second`.
    pub fn new(burst: f64, per_second: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            at: now,
            burst,
            per_second,
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Takes one token, or the last fraction of one: the bucket never goes
    /// below empty.
    pub fn spend(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = (self.tokens - 1.0).max(0.0);
    }

    /// How long until a token is there (zero if one is).
    pub fn wait(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.per_second)
        }
    }

    /// Whether the bucket is full at `now` (nothing to remember about it).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.burst
    }

    fn refill(&mut self, now: Instant) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + earned).min(self.burst);
        self.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(3.0, 2.0, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        assert_eq!(bucket.wait(start), Duration::from_millis(500));
        assert!(bucket.take(start + Duration::from_millis(500)));
        assert!(!bucket.is_full(start + Duration::from_millis(500)));
        assert!(bucket.is_full(start + Duration::from_secs(10)));
    }

    #[test]
    fn spending_never_goes_below_empty() {
        let start = Instant::now();
        let mut bucket = Bucket::new(1.0, 1.0, start);
        bucket.spend(start);
        bucket.spend(start);
        assert!(bucket.take(start + Duration::from_secs(1)));
    }
}
