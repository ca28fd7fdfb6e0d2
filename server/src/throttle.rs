//! Throttles failed room joins per network, so codes can't be guessed.
//!
//! Each network (an IPv4 address, or an IPv6 /64, which one host usually
//! owns whole) has a bucket of [`BURST`] tries that refills one every
//! [`REFILL`]. Only wrong codes spend tries, so a person who mistypes once
//! never notices.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong codes allowed back to back.
pub const BURST: f64 = 10.0;
/// Time for one try to come back: ten a minute, sustained.
pub const REFILL: Duration = Duration::from_secs(6);
/// Buckets kept before full ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// Per-network budgets of wrong room codes.
#[derive(Debug, Default)]
pub struct JoinThrottle {
    // A std mutex is enough: it guards a map lookup and is never held
    // across an `.await`.
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tries: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> Self {
        let earned = now.duration_since(self.at).as_secs_f64() / REFILL.as_secs_f64();
        Self {
            tries: (self.tries + earned).min(BURST),
            at: now,
        }
    }
}

impl JoinThrottle {
    /// `Err(seconds)` while `ip`'s network has no tries left: how long until
    /// the next one.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    /// Spends one try for a wrong code from `ip`.
    pub fn record_failure(&self, ip: IpAddr) {
        self.record_failure_at(ip, Instant::now());
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(&network(ip)).map(|b| b.refilled(now)) {
            Some(bucket) if bucket.tries < 1.0 => {
                let wait = (1.0 - bucket.tries) * REFILL.as_secs_f64();
                Err(wait.ceil().max(1.0) as u64)
            }
            _ => Ok(()),
        }
    }

    fn record_failure_at(&self, ip: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.refilled(now).tries < BURST);
        }
        let bucket = buckets.entry(network(ip)).or_insert(Bucket {
            tries: BURST,
            at: now,
        });
        let mut refilled = bucket.refilled(now);
        refilled.tries = (refilled.tries - 1.0).max(0.0);
        *bucket = refilled;
    }
}

/// The unit a budget belongs to.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_wrong_code_in_a_row_is_refused_until_a_try_comes_back() {
        let throttle = JoinThrottle::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let start = Instant::now();
        for _ in 0..10 {
            assert_eq!(throttle.check_at(ip, start), Ok(()));
            throttle.record_failure_at(ip, start);
        }
        assert_eq!(throttle.check_at(ip, start), Err(6));
        assert_eq!(
            throttle.check_at("192.0.2.8".parse().unwrap(), start),
            Ok(())
        );
        assert_eq!(throttle.check_at(ip, start + REFILL), Ok(()));
    }

    #[test]
    fn an_ipv6_host_cannot_escape_by_changing_its_interface_id() {
        let throttle = JoinThrottle::default();
        let now = Instant::now();
        for i in 0..10u16 {
            throttle.record_failure_at(format!("2001:db8::{i:x}").parse().unwrap(), now);
        }
        assert!(throttle
            .check_at("2001:db8::ffff".parse().unwrap(), now)
            .is_err());
        assert!(throttle
            .check_at("2001:db8:0:1::1".parse().unwrap(), now)
            .is_ok());
    }
}
