//! Faults: a node killed mid-conversation, and PostgreSQL going away.
//! Redis failing is in `main.rs`. Nothing is lost or repeated, the errors
//! say what happened, and no node crashes.

use std::time::Duration;

use app::protocol::{ErrorCode, ServerMsg};

use crate::nodes::{text, Cluster, Tab};
use crate::postgres::{psql, Postgres};

#[tokio::test]
async fn a_killed_node_s_people_resume_on_another_with_nothing_lost_or_repeated() {
    let cluster = Cluster::start(1).await;
    let (mut doomed, doomed_addr) = cluster.process_node().await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(0, "Bob", &alice.code).await;
    let mut watcher = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let mut bob_tab = Tab::open(doomed_addr, &bob, 0).await;
    for i in 0..20 {
        bob_tab.say_acked(&format!("m{i}"), &format!("m{i}")).await;
    }
    // Sent, and the node dies before (or after) storing it: Bob's tab
    // can't tell, so it sends it again after reconnecting.
    bob_tab.say("m20", "m20").await;
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    drop(bob_tab);

    let mut bob_tab = Tab::open(cluster.nodes[0].addr, &bob, 0).await;
    for i in 20..30 {
        bob_tab.say_acked(&format!("m{i}"), &format!("m{i}")).await;
    }
    let seen = watcher.events_until(|e| text(e) == Some("m29")).await;
    let texts: Vec<&str> = seen.iter().filter_map(text).collect();
    let expected: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, expected, "each message once, in order");
    for pair in seen.windows(2) {
        assert_eq!(pair[1].seq.0, pair[0].seq.0 + 1, "no gaps");
    }
}

#[tokio::test]
async fn while_postgresql_is_away_sending_fails_clearly_and_works_again_after() {
    let cluster = Cluster::start(1).await;
    let database = cluster.database.rsplit('/').next().unwrap().to_owned();
    let alice = cluster.create(0, "Alice").await;
    let mut tab = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    tab.say_acked("before", "before").await;

    // The database refuses this node: new connections are turned away and
    // the open ones are cut.
    let port = Postgres::get().port;
    psql(
        port,
        &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false"),
    );
    psql(
        port,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        ),
    );
    tab.say("during", "during").await;
    let refusal = loop {
        match tab.recv_within(Duration::from_secs(15)).await {
            Some(ServerMsg::Error { code, message, .. }) => break (code, message),
            Some(ServerMsg::Ack { .. }) => panic!("stored while the database was away"),
            Some(_) => {}
            None => panic!("no answer within 15 s"),
        }
    };
    assert_eq!(refusal.0, ErrorCode::Unavailable);
    assert_eq!(refusal.1, "The message could not be stored; try again.");
    let page = reqwest::get(format!("{}/", cluster.base(0))).await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "the node still serves");

    psql(
        port,
        &format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"),
    );
    // The browser sends it again, with the same id.
    tab.say_acked("during", "during").await;
    tab.say_acked("after", "after").await;
    let mut reader = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let seen = reader.events_until(|e| text(e) == Some("after")).await;
    let texts: Vec<&str> = seen.iter().filter_map(text).collect();
    assert_eq!(texts, ["before", "during", "after"]);
}
