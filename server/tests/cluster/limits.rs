//! Budgets hold for the cluster: a guesser or a room-filler gets no more
//! tries by spreading requests over the nodes.

use crate::nodes::Cluster;
use crate::sign_in::{post_login, NO_SUCH_ROOM};

#[tokio::test]
async fn wrong_codes_spend_one_budget_whichever_node_they_reach() {
    let cluster = Cluster::start(2).await;
    // Ten wrong codes, the budget, half on each node.
    for i in 0..10 {
        let response = post_login(&cluster.base(i % 2), "Mallory", Some(NO_SUCH_ROOM)).await;
        assert_eq!(response.status().as_u16(), 404, "wrong code {i}");
    }
    for at in [0, 1] {
        let response = post_login(&cluster.base(at), "Mallory", Some(NO_SUCH_ROOM)).await;
        assert_eq!(response.status().as_u16(), 429, "node {at}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Too many wrong room codes"), "node {at}");
    }
}

#[tokio::test]
async fn room_creation_spends_one_budget_whichever_node_it_reaches() {
    let mut cluster = Cluster::pieces();
    cluster.new_room_burst = 4;
    cluster.add_nodes(2).await;
    for i in 0..4 {
        let response = post_login(&cluster.base(i % 2), "Alice", None).await;
        assert_eq!(response.status().as_u16(), 303, "room {i}");
    }
    for at in [0, 1] {
        let response = post_login(&cluster.base(at), "Alice", None).await;
        assert_eq!(response.status().as_u16(), 429, "node {at}");
    }
}

#[tokio::test]
async fn a_node_without_redis_refuses_to_share_the_database_and_the_other_way_round() {
    let cluster = Cluster::start(1).await;
    let mut alone = server::Config::for_tests(cluster.dir.path().to_path_buf());
    alone.database_url = cluster.database.clone();
    let refused = server::app(&alone)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("needs --redis-url"), "{refused}");

    // A lone node without Redis keeps nodes with Redis out.
    let database = crate::postgres::Postgres::get().fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let mut lone = server::Config::for_tests(dir.path().to_path_buf());
    lone.database_url = database.clone();
    let _lone = server::app(&lone).await.expect("alone on its database");
    let mut relayed = lone.clone();
    relayed.redis_url = Some(cluster.redis.url());
    let refused = server::app(&relayed)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("without --redis-url"), "{refused}");
}
