//! Per-network budgets: wrong room codes (so codes can't be guessed) and
//! room creation (so one client can't fill the database).
//!
//! Each network (an IPv4 address, or an IPv6 /64, which one host usually
//! owns whole) has a bucket of tries that refills one at a time. Only the
//! counted action spends tries (a wrong code, a new room), so a person who
//! mistypes once never notices.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before full ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// Per-network budgets of one kind of action.
#[derive(Debug)]
pub struct Throttle {
    burst: f64,
    refill: Duration,
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
    fn refilled(self, now: Instant, burst: f64, refill: Duration) -> Self {
        let earned = now.duration_since(self.at).as_secs_f64() / refill.as_secs_f64();
        Self {
            tries: (self.tries + earned).min(burst),
            at: now,
        }
    }
}

impl Throttle {
    /// Wrong room codes: ten back to back, then ten a minute.
    pub fn wrong_codes() -> Self {
        Self::new(10.0, Duration::from_secs(6))
    }

    /// New rooms: `burst` back to back, then one a minute.
    pub fn new_rooms(burst: u32) -> Self {
        Self::new(f64::from(burst.max(1)), Duration::from_secs(60))
    }

    /// `burst` tries back to back, one more every `refill`.
    pub fn new(burst: f64, refill: Duration) -> Self {
        Self {
            burst,
            refill,
            buckets: Mutex::default(),
        }
    }

    /// `Err(seconds)` while `ip`'s network has no tries left: how long until
    /// the next one.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    /// Spends one try for `ip`.
    pub fn spend(&self, ip: IpAddr) {
        self.spend_at(ip, Instant::now());
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets
            .get(&network(ip))
            .map(|b| b.refilled(now, self.burst, self.refill))
        {
            Some(bucket) if bucket.tries < 1.0 => {
                let wait = (1.0 - bucket.tries) * self.refill.as_secs_f64();
                Err(wait.ceil().max(1.0) as u64)
            }
            _ => Ok(()),
        }
    }

    fn spend_at(&self, ip: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.refilled(now, self.burst, self.refill).tries < self.burst);
        }
        let bucket = buckets.entry(network(ip)).or_insert(Bucket {
            tries: self.burst,
            at: now,
        });
        let mut refilled = bucket.refilled(now, self.burst, self.refill);
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
        let throttle = Throttle::wrong_codes();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let start = Instant::now();
        for _ in 0..10 {
            assert_eq!(throttle.check_at(ip, start), Ok(()));
            throttle.spend_at(ip, start);
        }
        assert_eq!(throttle.check_at(ip, start), Err(6));
        assert_eq!(
            throttle.check_at("192.0.2.8".parse().unwrap(), start),
            Ok(())
        );
        assert_eq!(
            throttle.check_at(ip, start + Duration::from_secs(6)),
            Ok(())
        );
    }

    #[test]
    fn an_ipv6_host_cannot_escape_by_changing_its_interface_id() {
        let throttle = Throttle::wrong_codes();
        let now = Instant::now();
        for i in 0..10u16 {
            throttle.spend_at(format!("2001:db8::{i:x}").parse().unwrap(), now);
        }
        assert!(throttle
            .check_at("2001:db8::ffff".parse().unwrap(), now)
            .is_err());
        assert!(throttle
            .check_at("2001:db8:0:1::1".parse().unwrap(), now)
            .is_ok());
    }
}
