//! Who is online on which node of a cluster, kept in Redis so every node
//! can list everyone and a node that dies takes its people with it.
//!
//! - `chatdrop:node:<node>`: set with an expiry, renewed by each live node's
//!   heartbeat; a node whose key expired is dead.
//! - `chatdrop:nodes`: every node that registered; the one that removes a
//!   dead node from it (`SREM` answers 1 to one caller only) clears the
//!   dead node's entries and hands its people to the hub, which gives them
//!   the grace period and then announces each "left" once.
//! - `chatdrop:online:<room>`: one field `<node> <user>` per person with a
//!   tab (or a grace period) on that node, the member as JSON.
//! - `chatdrop:rooms:<node>`: the rooms a node has entries in, so a dead
//!   node's can be found without scanning.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::protocol::{Member, RoomCode, UserId};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

const NODES: &str = "chatdrop:nodes";

fn node_key(node: &str) -> String {
    format!("chatdrop:node:{node}")
}

fn online_key(room: &RoomCode) -> String {
    format!("chatdrop:online:{}", room.as_str())
}

fn rooms_key(node: &str) -> String {
    format!("chatdrop:rooms:{node}")
}

/// This node's view of the cluster's members.
#[derive(Clone)]
pub struct Roster {
    conn: ConnectionManager,
    node: String,
    /// How long a node's key lives without a heartbeat.
    timeout: Duration,
    /// Whether a heartbeat has registered this node.
    registered: Arc<AtomicBool>,
}

/// What a heartbeat found.
pub struct Beat {
    /// Dead nodes' people, by room, for the hub to give grace periods.
    pub orphans: HashMap<RoomCode, Vec<Member>>,
    /// This node had been taken for dead: its people must be listed again.
    pub revived: bool,
}

/// Entries of one room: (node, member).
type Entries = Vec<(String, Member)>;

impl Roster {
    pub fn new(conn: ConnectionManager, node: String, timeout: Duration) -> Self {
        Self {
            conn,
            node,
            timeout,
            registered: Arc::default(),
        }
    }

    /// Its connection to Redis (cheap to clone: it is shared).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// How often [`Self::beat`] should run: three beats per timeout, so
    /// one late beat doesn't kill a node.
    pub fn every(&self) -> Duration {
        self.timeout / 3
    }

    /// `member` has a tab (or a grace period) here.
    pub async fn add(&self, room: &RoomCode, member: &Member) -> redis::RedisResult<()> {
        let value = serde_json::to_string(member).unwrap_or_default();
        redis::pipe()
            .atomic()
            .hset(online_key(room), self.field(&member.user), value)
            .ignore()
            .sadd(rooms_key(&self.node), room.as_str())
            .ignore()
            .query_async(&mut self.conn.clone())
            .await
    }

    /// `user` has nothing here any more.
    pub async fn remove(&self, room: &RoomCode, user: &UserId) -> redis::RedisResult<()> {
        self.conn
            .clone()
            .hdel(online_key(room), self.field(user))
            .await
    }

    /// Whether a live node other than this one lists `user` in `room`.
    pub async fn elsewhere(&self, room: &RoomCode, user: &UserId) -> redis::RedisResult<bool> {
        Ok(self.others(room).await?.iter().any(|m| &m.user == user))
    }

    /// Everyone the other live nodes list in `room`, once each.
    pub async fn others(&self, room: &RoomCode) -> redis::RedisResult<Vec<Member>> {
        let entries = self.entries(room).await?;
        let nodes: Vec<&str> = entries
            .iter()
            .map(|(node, _)| node.as_str())
            .filter(|node| *node != self.node)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let alive: HashSet<String> = self
            .alive(&nodes)
            .await?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut seen = HashSet::new();
        Ok(entries
            .into_iter()
            .filter(|(node, _)| alive.contains(node))
            .filter_map(|(_, member)| seen.insert(member.user.clone()).then_some(member))
            .collect())
    }

    /// Renews this node's key, and takes over the entries of nodes whose
    /// keys expired.
    pub async fn beat(&self) -> redis::RedisResult<Beat> {
        let mut conn = self.conn.clone();
        let ttl = self.timeout.as_millis().max(1) as u64;
        let (added,): (i64,) = redis::pipe()
            .set_options(
                node_key(&self.node),
                1,
                redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(ttl)),
            )
            .ignore()
            .sadd(NODES, &self.node)
            .query_async(&mut conn)
            .await?;
        // Registered again after the first beat: another node took this
        // one for dead (it was stalled, or cut off from Redis) and cleared
        // its entries.
        let was_registered = self.registered.swap(true, Ordering::AcqRel);
        let revived = added == 1 && was_registered;
        let nodes: Vec<String> = conn.smembers(NODES).await?;
        let others: Vec<&str> = nodes
            .iter()
            .map(String::as_str)
            .filter(|n| *n != self.node)
            .collect();
        let alive = self.alive(&others).await?;
        let mut orphans: HashMap<RoomCode, Vec<Member>> = HashMap::new();
        for dead in others.into_iter().filter(|n| !alive.contains(n)) {
            let claimed: i64 = conn.srem(NODES, dead).await?;
            if claimed == 1 {
                for (room, members) in self.take_over(dead).await? {
                    orphans.entry(room).or_default().extend(members);
                }
            }
        }
        Ok(Beat { orphans, revived })
    }

    /// Clears dead node `dead`'s entries, returning who they listed.
    async fn take_over(&self, dead: &str) -> redis::RedisResult<Vec<(RoomCode, Vec<Member>)>> {
        let mut conn = self.conn.clone();
        let rooms: Vec<String> = conn.smembers(rooms_key(dead)).await?;
        let mut taken = Vec::new();
        for room in rooms {
            let Ok(code) = RoomCode::parse(&room) else {
                continue;
            };
            let theirs: Entries = self
                .entries(&code)
                .await?
                .into_iter()
                .filter(|(node, _)| node == dead)
                .collect();
            if theirs.is_empty() {
                continue;
            }
            let fields: Vec<String> = theirs
                .iter()
                .map(|(_, m)| format!("{dead} {}", m.user.0))
                .collect();
            let _: () = conn.hdel(online_key(&code), fields).await?;
            taken.push((code, theirs.into_iter().map(|(_, m)| m).collect()));
        }
        let _: () = conn.del(rooms_key(dead)).await?;
        tracing::info!(
            node = dead,
            rooms = taken.len(),
            "took over a dead node's members"
        );
        Ok(taken)
    }

    async fn entries(&self, room: &RoomCode) -> redis::RedisResult<Entries> {
        let raw: HashMap<String, String> = self.conn.clone().hgetall(online_key(room)).await?;
        Ok(raw
            .into_iter()
            .filter_map(|(field, value)| {
                let (node, _user) = field.split_once(' ')?;
                let member: Member = serde_json::from_str(&value).ok()?;
                Some((node.to_owned(), member))
            })
            .collect())
    }

    /// Which of `nodes` still have their key.
    async fn alive<'a>(&self, nodes: &[&'a str]) -> redis::RedisResult<HashSet<&'a str>> {
        if nodes.is_empty() {
            return Ok(HashSet::new());
        }
        let keys: Vec<String> = nodes.iter().map(|n| node_key(n)).collect();
        // Spelled out: the typed `mget` sends GET for a single key, whose
        // nil would read as an empty list (every node dead).
        let found: Vec<Option<String>> = redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(nodes
            .iter()
            .zip(found)
            .filter_map(|(node, value)| value.map(|_| *node))
            .collect())
    }

    fn field(&self, user: &UserId) -> String {
        format!("{} {}", self.node, user.0)
    }
}
