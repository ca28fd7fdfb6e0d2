//! Presence across nodes: everyone on every node is listed, each arrival
//! and departure is announced once however many nodes see it, a reload
//! onto another node is quiet, and a node that dies takes its people with
//! it.

use std::time::Duration;

use app::protocol::{Event, EventKind, ServerMsg};

use crate::nodes::{Cluster, Tab};

/// Reads `tab` until a members list is exactly `names` (sorted as the
/// server sorts: by name), adding the events that came meanwhile to
/// `events`. Fails after `within` without such a list.
async fn until_members(tab: &mut Tab, events: &mut Vec<Event>, names: &[&str], within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = None;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tab.recv_within(left).await {
            Some(ServerMsg::Presence { members }) => {
                let got: Vec<String> = members.iter().map(|m| m.name.as_str().to_owned()).collect();
                if got == names {
                    return;
                }
                last = Some(got);
            }
            Some(ServerMsg::Event { event }) => events.push(event),
            Some(_) => {}
            None => panic!("members never became {names:?}; last list: {last:?}"),
        }
    }
}

/// Gathers `tab`'s events for `wait`.
async fn events_for(tab: &mut Tab, events: &mut Vec<Event>, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tab.recv_within(left).await {
            Some(ServerMsg::Event { event }) => events.push(event),
            Some(_) => {}
            None => return,
        }
    }
}

/// How many `joined` and `left` events of `name` are in `events`.
fn comings_and_goings(events: &[Event], name: &str) -> (usize, usize) {
    let of = |want: fn(&EventKind) -> bool| {
        events
            .iter()
            .filter(|e| e.who.name.as_str() == name && want(&e.kind))
            .count()
    };
    (
        of(|k| matches!(k, EventKind::Joined)),
        of(|k| matches!(k, EventKind::Left)),
    )
}

#[tokio::test]
async fn people_on_every_node_are_listed_and_each_arrival_and_departure_announced_once() {
    let cluster = Cluster::start_timed(2, 400, 6_000).await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(1, "Bob", &alice.code).await;
    let mut alice_here = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut bob_there = Tab::open(cluster.nodes[1].addr, &bob, 0).await;
    let mut seen_by_bob = Vec::new();
    let within = Duration::from_secs(10);
    until_members(&mut bob_there, &mut seen_by_bob, &["Alice", "Bob"], within).await;
    let mut seen_by_alice = Vec::new();
    until_members(
        &mut alice_here,
        &mut seen_by_alice,
        &["Alice", "Bob"],
        within,
    )
    .await;

    // A second tab on the other node, then the first one closes: she is
    // still here.
    let alice_there = Tab::open(cluster.nodes[1].addr, &alice, 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(alice_here);
    events_for(
        &mut bob_there,
        &mut seen_by_bob,
        Duration::from_millis(1_500),
    )
    .await;
    assert_eq!(
        comings_and_goings(&seen_by_bob, "Alice"),
        (1, 0),
        "one join, and no leave while a tab is open on the other node"
    );

    drop(alice_there);
    until_members(&mut bob_there, &mut seen_by_bob, &["Bob"], within).await;
    events_for(
        &mut bob_there,
        &mut seen_by_bob,
        Duration::from_millis(1_500),
    )
    .await;
    assert_eq!(comings_and_goings(&seen_by_bob, "Alice"), (1, 1));
    assert_eq!(comings_and_goings(&seen_by_bob, "Bob"), (1, 0));
}

#[tokio::test]
async fn a_reload_onto_another_node_within_the_grace_announces_nothing() {
    let cluster = Cluster::start_timed(2, 2_000, 6_000).await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(1, "Bob", &alice.code).await;
    let alice_here = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut bob_there = Tab::open(cluster.nodes[1].addr, &bob, 0).await;
    let mut seen = Vec::new();
    let within = Duration::from_secs(10);
    until_members(&mut bob_there, &mut seen, &["Alice", "Bob"], within).await;

    drop(alice_here);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _alice_there = Tab::open(cluster.nodes[1].addr, &alice, 0).await;
    // Past the grace on the node she left.
    events_for(&mut bob_there, &mut seen, Duration::from_millis(3_500)).await;
    assert_eq!(comings_and_goings(&seen, "Alice"), (1, 0), "{seen:?}");
}

#[tokio::test]
async fn a_node_that_dies_takes_its_people_with_it_each_announced_gone_once() {
    let cluster = Cluster::start_timed(2, 300, 1_500).await;
    let (mut doomed, doomed_addr) = cluster.process_node().await;
    let alice = cluster.create(0, "Alice").await;
    let carol = cluster.join(1, "Carol", &alice.code).await;
    let bob = cluster.join(0, "Bob", &alice.code).await;
    let mut alice_tab = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut carol_tab = Tab::open(cluster.nodes[1].addr, &carol, 0).await;
    let _bob_tab = Tab::open(doomed_addr, &bob, 0).await;
    let everyone = ["Alice", "Bob", "Carol"];
    let within = Duration::from_secs(10);
    let (mut seen_by_alice, mut seen_by_carol) = (Vec::new(), Vec::new());
    until_members(&mut alice_tab, &mut seen_by_alice, &everyone, within).await;
    until_members(&mut carol_tab, &mut seen_by_carol, &everyone, within).await;
    // Listed first, then stored: wait for the join itself.
    while comings_and_goings(&seen_by_alice, "Bob").0 == 0 {
        match alice_tab.recv_within(within).await {
            Some(ServerMsg::Event { event }) => seen_by_alice.push(event),
            Some(_) => {}
            None => panic!("Bob's join never came"),
        }
    }

    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    // The node timeout, a heartbeat, then Bob's grace.
    until_members(
        &mut alice_tab,
        &mut seen_by_alice,
        &["Alice", "Carol"],
        within,
    )
    .await;
    until_members(
        &mut carol_tab,
        &mut seen_by_carol,
        &["Alice", "Carol"],
        within,
    )
    .await;
    // Both survivors saw the death; a second "left" would come by now.
    events_for(&mut alice_tab, &mut seen_by_alice, Duration::from_secs(3)).await;
    events_for(
        &mut carol_tab,
        &mut seen_by_carol,
        Duration::from_millis(200),
    )
    .await;
    assert_eq!(
        comings_and_goings(&seen_by_alice, "Bob"),
        (1, 1),
        "{seen_by_alice:?}"
    );
    assert_eq!(comings_and_goings(&seen_by_carol, "Bob"), (1, 1));
}
