//! Cluster tests: two or three nodes on one PostgreSQL and one Redis (the
//! tests' own, see `support/`), with people on different nodes. What one
//! node's tabs see must be what every node's tabs see: every event once,
//! in sequence order, whatever Redis does.

#[path = "../support/bytes.rs"]
mod bytes;
mod faults;
mod limits;
mod nodes;
#[path = "../support/postgres.rs"]
mod postgres;
mod presence;
#[path = "../support/redis.rs"]
mod redis;
#[path = "../support/sign_in.rs"]
mod sign_in;
mod uploads;

use std::collections::HashSet;
use std::time::Duration;

use app::protocol::{Event, ServerMsg};

use crate::nodes::{text, Cluster, Tab};

/// Posters per node, and messages each: 3 × 10 × 340 = 10,200 messages.
const POSTERS_PER_NODE: usize = 10;
const MESSAGES_EACH: usize = 340;
/// Each poster waits for its acknowledgement, and at least this long
/// between messages: below the socket's 20 frames a second per client.
const PACE: Duration = Duration::from_millis(55);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_node_sees_every_event_once_in_the_same_order_under_concurrent_posting() {
    let cluster = Cluster::start(3).await;
    let alice = cluster.create(0, "Alice").await;
    let mut watchers = Vec::new();
    for (at, name) in ["Alice", "Olga", "Oscar"].into_iter().enumerate() {
        let person = if at == 0 {
            alice.clone()
        } else {
            cluster.join(at, name, &alice.code).await
        };
        let tab = Tab::open(cluster.nodes[at].addr, &person, 0).await;
        watchers.push(tokio::spawn(watch(
            tab,
            3 * POSTERS_PER_NODE * MESSAGES_EACH,
        )));
    }
    let mut posters = Vec::new();
    for at in 0..3 {
        for p in 0..POSTERS_PER_NODE {
            let person = cluster
                .join(at, &format!("Poster {at}-{p}"), &alice.code)
                .await;
            let addr = cluster.nodes[at].addr;
            posters.push(tokio::spawn(async move {
                let mut tab = Tab::open(addr, &person, 0).await;
                for i in 0..MESSAGES_EACH {
                    let id = format!("{at}-{p}-{i}");
                    let sent = tokio::time::Instant::now();
                    tab.say_acked(&id, &format!("from {id}")).await;
                    tokio::time::sleep_until(sent + PACE).await;
                }
            }));
        }
    }
    for poster in posters {
        poster.await.unwrap();
    }
    let mut seen: Vec<Vec<Event>> = Vec::new();
    for watcher in watchers {
        seen.push(watcher.await.unwrap());
    }
    let expected: HashSet<String> = (0..3)
        .flat_map(|at| {
            (0..POSTERS_PER_NODE)
                .flat_map(move |p| (0..MESSAGES_EACH).map(move |i| format!("from {at}-{p}-{i}")))
        })
        .collect();
    for (node, events) in seen.iter().enumerate() {
        for pair in events.windows(2) {
            assert_eq!(
                pair[1].seq.0,
                pair[0].seq.0 + 1,
                "node {node}: {} after {}",
                pair[1].seq.0,
                pair[0].seq.0
            );
        }
        assert_eq!(
            events.first().map(|e| e.seq.0),
            Some(1),
            "node {node} starts at 1"
        );
        let texts: Vec<&str> = events.iter().filter_map(text).collect();
        assert_eq!(
            texts.len(),
            expected.len(),
            "node {node}: each message once"
        );
        let unique: HashSet<String> = texts.iter().map(|t| t.to_string()).collect();
        assert_eq!(unique, expected, "node {node}: every message");
    }
    let order = |events: &Vec<Event>| -> Vec<(u64, Option<String>)> {
        events
            .iter()
            .map(|e| (e.seq.0, text(e).map(str::to_owned)))
            .collect()
    };
    let first = order(&seen[0]);
    let shortest = seen.iter().map(Vec::len).min().unwrap();
    for (node, events) in seen.iter().enumerate().skip(1) {
        assert_eq!(
            order(events)[..shortest],
            first[..shortest],
            "node {node} saw another order than node 0"
        );
    }
}

/// A tab's events until it has seen `messages` messages.
async fn watch(mut tab: Tab, messages: usize) -> Vec<Event> {
    let mut count = 0;
    tab.events_until(|event| {
        count += usize::from(text(event).is_some());
        count == messages
    })
    .await
}

#[tokio::test]
async fn a_relay_lost_to_a_dropped_subscriber_or_a_redis_restart_still_arrives_once_in_order() {
    let mut cluster = Cluster::start(2).await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(1, "Bob", &alice.code).await;
    let mut a = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut b = Tab::open(cluster.nodes[1].addr, &bob, 0).await;
    a.say("hello", "hello").await;
    b.events_until(|e| text(e) == Some("hello")).await;

    // Every subscriber is cut; node 1 misses what is published meanwhile.
    let killed = cluster.redis.cli(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert_ne!(killed.trim(), "0", "subscribers were connected");
    a.say("m1", "while unsubscribed").await;
    a.say("m2", "just after").await;
    let got = b.events_until(|e| text(e) == Some("just after")).await;
    assert_texts(&got, &["while unsubscribed", "just after"]);

    // Redis goes away: posting still works (the database is the record),
    // and node 1 reads what it missed from it.
    cluster.redis.stop();
    a.say("m3", "while Redis is down").await;
    let got = b
        .events_until(|e| text(e) == Some("while Redis is down"))
        .await;
    assert_texts(&got, &["while Redis is down"]);
    cluster.redis.restart();
    // Both nodes reconnect within a second or so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    a.say("m4", "Redis is back").await;
    let got = b.events_until(|e| text(e) == Some("Redis is back")).await;
    assert_texts(&got, &["Redis is back"]);
    // And nothing comes twice.
    let extra = b.recv_within(Duration::from_millis(1_500)).await;
    assert!(
        !matches!(extra, Some(ServerMsg::Event { ref event }) if text(event).is_some()),
        "a message came twice: {extra:?}"
    );
    for node in &mut cluster.nodes {
        node.shutdown().await;
    }
}

#[tokio::test]
async fn a_tab_that_reconnects_to_another_node_resumes_where_it_was() {
    let cluster = Cluster::start(2).await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(1, "Bob", &alice.code).await;
    let mut a = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut b = Tab::open(cluster.nodes[1].addr, &bob, 0).await;
    a.say("one", "one").await;
    let seen = b.events_until(|e| text(e) == Some("one")).await;
    let last = seen.last().unwrap().seq.0;
    drop(b);
    for i in 0..5 {
        a.say(&format!("later {i}"), &format!("later {i}")).await;
    }
    a.events_until(|e| text(e) == Some("later 4")).await;
    let mut b = Tab::open(cluster.nodes[0].addr, &bob, last).await;
    let got = b.events_until(|e| text(e) == Some("later 4")).await;
    assert_eq!(got.first().unwrap().seq.0, last + 1, "resumed just after");
    assert_texts(
        &got,
        &["later 0", "later 1", "later 2", "later 3", "later 4"],
    );
}

/// `events` hold exactly these messages, in this order, with consecutive
/// numbers.
fn assert_texts(events: &[Event], expected: &[&str]) {
    let texts: Vec<&str> = events.iter().filter_map(text).collect();
    assert_eq!(texts, expected);
    for pair in events.windows(2) {
        assert_eq!(pair[1].seq.0, pair[0].seq.0 + 1, "consecutive numbers");
    }
}
