//! Uploads across nodes: one started on one node continues on another
//! after a reconnect, one node at a time writes it, everyone on every node
//! sees it complete, and the download is the very bytes sent.

use std::time::Duration;

use app::protocol::{ErrorCode, FileStatus, ServerMsg, UploadId};
use sha2::{Digest, Sha256};

use crate::bytes::noise;
use crate::nodes::{Cluster, Person, Tab};

const CHUNK: usize = 256 * 1024;

async fn download(cluster: &Cluster, at: usize, person: &Person, upload: &UploadId) -> Vec<u8> {
    let response = reqwest::Client::new()
        .get(format!(
            "http://{}{}",
            cluster.nodes[at].addr,
            upload.href()
        ))
        .header("cookie", &person.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "download from node {at}");
    response.bytes().await.unwrap().to_vec()
}

/// Reads `tab` until upload `upload` is complete for everyone.
async fn until_complete(tab: &mut Tab, upload: &UploadId) {
    loop {
        match tab.recv_within(Duration::from_secs(15)).await {
            Some(ServerMsg::Progress {
                upload: got,
                status: FileStatus::Complete,
                ..
            }) if &got == upload => return,
            Some(_) => {}
            None => panic!("the room never heard the upload complete"),
        }
    }
}

#[tokio::test]
async fn an_upload_started_on_one_node_resumes_on_another_and_downloads_byte_identical() {
    let cluster = Cluster::start(2).await;
    let alice = cluster.create(0, "Alice").await;
    let bob = cluster.join(0, "Bob", &alice.code).await;
    let mut bob_tab = Tab::open(cluster.nodes[0].addr, &bob, 0).await;
    let bytes = noise(3 * 1024 * 1024 + 123, 7);

    let mut first = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let (upload, offset) = first.offer("f1", "photo.raw", bytes.len() as u64).await;
    assert_eq!(offset, 0);
    first
        .send_from(&upload, &bytes[..4 * CHUNK], 0, CHUNK)
        .await;
    // The connection drops; the browser reconnects, through the proxy, to
    // the other node.
    drop(first);
    let mut second = Tab::open(cluster.nodes[1].addr, &alice, 0).await;
    let resumed = second.resume_upload(&upload).await.expect("resumed");
    assert_eq!(resumed, (4 * CHUNK) as u64, "continues where the bytes end");
    second
        .send_from(&upload, &bytes, resumed as usize, CHUNK)
        .await;

    until_complete(&mut bob_tab, &upload).await;
    for at in [0, 1] {
        let got = download(&cluster, at, &bob, &upload).await;
        assert_eq!(got.len(), bytes.len());
        assert_eq!(
            Sha256::digest(&got),
            Sha256::digest(&bytes),
            "byte-identical from node {at}"
        );
    }
}

#[tokio::test]
async fn one_node_at_a_time_writes_an_upload() {
    let cluster = Cluster::start(2).await;
    let alice = cluster.create(0, "Alice").await;
    let bytes = noise(6 * CHUNK, 11);

    let mut here = Tab::open(cluster.nodes[0].addr, &alice, 0).await;
    let (upload, _) = here.offer("f1", "notes.bin", bytes.len() as u64).await;
    here.send_from(&upload, &bytes[..CHUNK], 0, CHUNK).await;

    // Another tab, on the other node, while the first stays open: it gets
    // the upload once the first node's lease runs out, and writes on.
    let mut there = Tab::open(cluster.nodes[1].addr, &alice, 0).await;
    let resumed = there.resume_upload(&upload).await.expect("resumed");
    assert_eq!(resumed, CHUNK as u64);
    there
        .send_from(&upload, &bytes[..2 * CHUNK], CHUNK, CHUNK)
        .await;

    // The first tab, not knowing, sends what it thinks comes next: refused
    // while the other node holds the upload, and nothing is written.
    let refused = here
        .put(&upload, CHUNK as u64, &bytes[CHUNK..2 * CHUNK])
        .await;
    assert_eq!(
        refused.map_err(|(code, _)| code),
        Err(ErrorCode::Unavailable)
    );

    // Once that tab closes, the first node takes the upload back, finds
    // the bytes it did not write, and says where to go on from.
    drop(there);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = here
        .put(&upload, CHUNK as u64, &bytes[CHUNK..2 * CHUNK])
        .await;
    assert_eq!(again, Err((ErrorCode::BadOffset, Some(2 * CHUNK as u64))));
    here.send_from(&upload, &bytes, 2 * CHUNK, CHUNK).await;

    let got = download(&cluster, 1, &alice, &upload).await;
    assert_eq!(Sha256::digest(&got), Sha256::digest(&bytes));
}
