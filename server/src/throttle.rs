//! Per-network budgets: wrong room codes (so codes can't be guessed) and
//! room creation (so one client can't fill the database).
//!
//! Each network (an IPv4 address, or an IPv6 /64, which one host usually
//! owns whole) has a bucket of tries that refills one at a time. Only the
//! counted action spends tries (a wrong code, a new room), so a person who
//! mistypes once never notices.
//!
//! On a cluster the buckets live in Redis, so the budget is the same
//! whichever node a request reaches (a guesser can't multiply it by the
//! number of nodes); while Redis is unreachable each node falls back to
//! its own buckets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use crate::bucket::Bucket;

/// Buckets kept before full ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// Per-network budgets of one kind of action.
pub struct Throttle {
    /// Names the budget's keys in Redis.
    kind: &'static str,
    burst: f64,
    per_second: f64,
    // A std mutex is enough: it guards a map lookup and is never held
    // across an `.await`.
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    /// The cluster's Redis, where the buckets are shared.
    shared: Option<ConnectionManager>,
}

/// One bucket in Redis, refilled and spent in one atomic step on Redis's
/// clock: `KEYS[1]` the bucket, `ARGV` the burst, tokens per millisecond,
/// and whether to spend one. Answers how many milliseconds until a token
/// is there (0: one is).
const BUCKET_SCRIPT: &str = r"
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
if ARGV[3] == '1' then
  tokens = math.max(0, tokens - 1)
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
end
if tokens >= 1 then
  return 0
end
return math.ceil((1 - tokens) / per_ms)
";

impl Throttle {
    /// Wrong room codes: ten back to back, then ten a minute.
    pub fn wrong_codes() -> Self {
        Self::new("wrong_codes", 10.0, Duration::from_secs(6))
    }

    /// New rooms: `burst` back to back, then one a minute.
    pub fn new_rooms(burst: u32) -> Self {
        Self::new(
            "new_rooms",
            f64::from(burst.max(1)),
            Duration::from_secs(60),
        )
    }

    /// `burst` tries back to back, one more every `refill`.
    pub fn new(kind: &'static str, burst: f64, refill: Duration) -> Self {
        Self {
            kind,
            burst,
            per_second: 1.0 / refill.as_secs_f64(),
            buckets: Mutex::default(),
            shared: None,
        }
    }

    /// The same budget, shared by every node on the Redis `redis` (if any).
    pub fn shared(mut self, redis: Option<ConnectionManager>) -> Self {
        self.shared = redis;
        self
    }

    /// `Err(seconds)` while `ip`'s network has no tries left: how long until
    /// the next one.
    pub async fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if let Some(wait) = self.in_redis(ip, false).await {
            return wait;
        }
        self.check_at(ip, Instant::now())
    }

    /// Spends one try for `ip` (in this node's buckets too, for when Redis
    /// is away).
    pub async fn spend(&self, ip: IpAddr) {
        self.in_redis(ip, true).await;
        self.spend_at(ip, Instant::now());
    }

    /// The shared bucket's answer, or `None` without Redis.
    async fn in_redis(&self, ip: IpAddr, spend: bool) -> Option<Result<(), u64>> {
        let conn = self.shared.as_ref()?;
        let key = format!("chatdrop:budget:{}:{}", self.kind, network(ip));
        let wait: redis::RedisResult<u64> = redis::Script::new(BUCKET_SCRIPT)
            .key(key)
            .arg(self.burst)
            .arg(self.per_second / 1000.0)
            .arg(if spend { "1" } else { "0" })
            .invoke_async(&mut conn.clone())
            .await;
        match wait {
            Ok(0) => Some(Ok(())),
            Ok(ms) => Some(Err(ms.div_ceil(1000).max(1))),
            Err(error) => {
                tracing::warn!(%error, budget = self.kind, "the shared budget is unreachable");
                None
            }
        }
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut buckets = self.lock();
        let wait = buckets
            .get_mut(&network(ip))
            .map_or(Duration::ZERO, |bucket| bucket.wait(now));
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait.as_secs_f64().ceil().max(1.0) as u64)
        }
    }

    fn spend_at(&self, ip: IpAddr, now: Instant) {
        let mut buckets = self.lock();
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, bucket| !bucket.is_full(now));
        }
        buckets
            .entry(network(ip))
            .or_insert_with(|| Bucket::new(self.burst, self.per_second, now))
            .spend(now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The unit a budget (or a connection cap) belongs to: an IPv4 address,
/// or an IPv6 /64.
pub fn network(ip: IpAddr) -> IpAddr {
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
