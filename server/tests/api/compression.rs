//! Pages travel compressed when the browser accepts it; downloads never do
//! (they are served by range, at any size, exactly as uploaded).

use reqwest::StatusCode;

use crate::helpers::{http, sign_in, TestApp};

async fn get(app: &TestApp, path: &str, cookie: &str, encoding: &str) -> reqwest::Response {
    http()
        .get(app.url(path))
        .header("cookie", cookie)
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap()
}

fn encoding(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_room_page_arrives_brotli_compressed_and_reads_the_same() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    for i in 0..20 {
        alice
            .post_message(&app, &format!("Message number {i} of a long history"))
            .await;
    }
    let room = format!("/room/{}", alice.code());
    let plain = alice.page(&app, &room).await;

    let response = get(&app, &room, &alice.cookie, "gzip, deflate, br").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), Some("br"));
    assert!(response.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("accept-encoding"));
    let squeezed = response.bytes().await.unwrap();
    let mut page = Vec::new();
    brotli::BrotliDecompress(&mut &squeezed[..], &mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Message number 19 of a long history"));
    assert!(
        squeezed.len() * 4 < plain.len(),
        "{} compressed bytes for {} plain",
        squeezed.len(),
        plain.len()
    );

    let response = get(&app, "/", "", "gzip").await;
    assert_eq!(encoding(&response), Some("gzip"));
    let response = get(&app, "/", "", "identity").await;
    assert_eq!(encoding(&response), None);
    assert!(response.text().await.unwrap().contains("Your name"));
}

#[tokio::test]
async fn a_download_is_sent_as_uploaded_even_to_a_browser_that_accepts_brotli() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let text = "plain text that compresses well. ".repeat(200);
    let path = app
        .share(alice.code(), "notes.txt", "text/plain", text.as_bytes())
        .await;
    let response = get(&app, &path, &alice.cookie, "br, gzip").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), None);
    assert_eq!(
        response.headers()["content-length"].to_str().unwrap(),
        text.len().to_string()
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), text.as_bytes());
}
