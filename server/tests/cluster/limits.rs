//! Budgets hold for the cluster: a guesser or a room-filler gets no more
//! tries by spreading requests over the nodes.

use crate::nodes::Cluster;
use crate::sign_in::post_login;

/// A well-formed code no room has.
const NO_SUCH_ROOM: &str = "K7Q-DM3-XPA";

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
