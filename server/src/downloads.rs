//! `GET /uploads/{id}`: serves a shared file by its server-assigned id.
//!
//! Safe by construction: the id selects a database row, the row's hash
//! selects the file, and the name the user gave only ever appears, encoded,
//! in `Content-Disposition`. Only raster images and common audio/video are
//! shown inline; everything else (HTML, SVG, scripts…) is an attachment,
//! and every response is `nosniff` and sandboxed. Ranges and ETags work, and
//! the file is streamed, so memory stays flat for any size.

use app::protocol::{FileStatus, UploadId};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::chatdrop::Chatdrop;
use crate::growing;
use crate::state::AppState;
use crate::uploads::UploadRow;

/// Types a browser may render in the page: they can't run script.
const INLINE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "audio/webm",
    "audio/mp4",
    "video/mp4",
    "video/webm",
    "video/ogg",
];

/// RFC 5987 `attr-char`s stay as they are; everything else is escaped.
const FILENAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Serves upload `id`, or 404.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let chatdrop = &state.chatdrop;
    // Watched from before the lookup: a deletion from now on cuts this
    // download, however far it got.
    let watch = chatdrop.downloads.watch(&id);
    let upload = match chatdrop.store.upload(&UploadId(id.clone())).await {
        Ok(Some(upload)) => upload,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "looking up a download");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again in a moment.").into_response();
        }
    };
    let inline = INLINE_TYPES.contains(&upload.file.mime.as_str());
    let mime = if inline {
        upload.file.mime.as_str()
    } else {
        "application/octet-stream"
    };
    let mut response = match (upload.file.status, upload.sha256.as_deref()) {
        (FileStatus::Complete, Some(sha256)) => {
            match complete(chatdrop, sha256, mime, request).await {
                Some(response) => response,
                None => return not_found(),
            }
        }
        (FileStatus::Uploading, _) => {
            let Some(source) = still_uploading(chatdrop, &upload).await else {
                return not_found();
            };
            growing::respond(&upload, source, request.headers())
        }
        _ => return not_found(),
    };
    let finished = upload.file.status == FileStatus::Complete;
    let response_status = response.status();
    *response.body_mut() = watch.guard(std::mem::take(response.body_mut()));
    let headers = response.headers_mut();
    if !finished && response_status.is_success() {
        if let Ok(value) = HeaderValue::from_str(mime) {
            headers.insert(header::CONTENT_TYPE, value);
        }
    }
    let disposition = disposition(inline, &upload.file.name);
    for (name, value) in [
        (header::CONTENT_DISPOSITION, disposition.as_str()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ),
        // Revalidated each time (the ETag makes that a 304): a file deleted
        // from the room must not live on in browsers' caches. A file still
        // arriving isn't what it will be: never stored.
        (
            header::CACHE_CONTROL,
            if finished {
                "private, no-cache"
            } else {
                "no-store"
            },
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    if let Some(etag) = upload.sha256.as_deref().filter(|_| finished).map(etag) {
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
    }
    response
}

/// A complete file, from the object store (ranges and `If-None-Match`
/// answered); `None` if its object is missing.
async fn complete(
    chatdrop: &Chatdrop,
    sha256: &str,
    mime: &str,
    request: Request,
) -> Option<Response> {
    let path = chatdrop.files.object_path(sha256)?;
    // Only a regular file we wrote: a symlink planted in the store is refused.
    match tokio::fs::symlink_metadata(&path).await {
        Ok(meta) if meta.file_type().is_file() => {}
        _ => return None,
    }
    let etag = etag(sha256);
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Some(StatusCode::NOT_MODIFIED.into_response());
    }
    let mime = mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    match ServeFile::new_with_mime(&path, &mime)
        .oneshot(request)
        .await
    {
        Ok(response) => Some(response.map(Body::new)),
        Err(_) => None,
    }
}

/// The partial file of an upload in flight and how to follow it; `None`
/// if its bytes are not on this node's disk.
async fn still_uploading(chatdrop: &Chatdrop, upload: &UploadRow) -> Option<growing::Source> {
    let id = &upload.file.id;
    // Followed before the file is opened: no chunk stored in between is missed.
    let follow = chatdrop.transfers.follow(id);
    let path = chatdrop.files.partial_path(&id.0)?;
    let file = tokio::fs::File::open(path).await.ok()?;
    Some(growing::Source {
        file,
        follow,
        store: chatdrop.store.clone(),
    })
}

/// A complete file's `ETag`: its content hash, quoted.
fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such file.").into_response()
}

/// `inline` or `attachment`, with the name as a plain ASCII fallback and
/// exactly (UTF-8, percent-encoded) in `filename*`.
pub fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let fallback = match fallback.trim_matches(|c| c == '.' || c == ' ') {
        "" => "download".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    let exact: String = utf8_percent_encode(name, FILENAME).to_string();
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn names_are_header_safe() {
        assert_eq!(
            disposition(false, "report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        let nasty = disposition(
            false,
            "a\"b\r\nSet-Cookie: x=1;<img src=x onerror=alert(1)>.html",
        );
        assert!(!nasty.contains('\r') && !nasty.contains('\n'), "{nasty}");
        assert_eq!(nasty.matches('"').count(), 2, "{nasty}");
        assert!(
            nasty.contains("filename*=UTF-8''a%22b%0D%0ASet-Cookie%3A%20x%3D1%3B%3Cimg"),
            "{nasty}"
        );
        assert!(disposition(true, "..").starts_with("inline; filename=\"download\""));
        assert!(disposition(false, "").starts_with("attachment; filename=\"download\""));
        assert!(disposition(false, "../../etc/passwd").contains("filename=\"_.._etc_passwd\""));
        assert!(disposition(false, "été.txt").contains("filename*=UTF-8''%C3%A9t%C3%A9.txt"));
    }
}
