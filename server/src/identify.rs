//! Middleware that works out who is calling before any handler runs: the
//! client's address (the peer's, or a trusted proxy's word for it), the
//! verified session, and whether the request came from a page of this
//! site.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::backend::Caller;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Inserts a [`Caller`] into the request's extensions.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let ip = state.proxies.client(peer, request.headers());
    let session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| state.chatdrop.sessions.from_header(value));
    let public = state.public_origin.as_deref();
    let same_origin = origin_allowed(request.headers(), public, &state.allowed_origins);
    // Configured: the one name people use, whatever Host says.
    let origin = public.map_or_else(|| app::backend::origin(request.headers()), str::to_owned);
    let zone = zone(request.headers());
    request.extensions_mut().insert(Caller {
        ip,
        session,
        same_origin,
        zone,
        origin,
    });
    next.run(request).await
}

/// The reader's time zone from its cookie, if it holds a real offset
/// (minutes east of UTC, within ±14 hours).
fn zone(headers: &HeaderMap) -> Option<i32> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == app::store::ZONE_COOKIE).then(|| value.parse::<i32>().ok())?
        })
        .filter(|minutes| minutes.abs() <= 14 * 60)
}

/// Whether the `Origin` header, if any, is this server or one of the
/// configured extra origins. This server is `public` (`--public-url`'s
/// `scheme://host[:port]`) if set, else whatever the `Host` header names.
/// Browsers send `Origin` on every cross-site POST and WebSocket, so its
/// absence means a same-site navigation or a non-browser client.
pub fn origin_allowed(headers: &HeaderMap, public: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    if let Some(public) = public {
        return origin.eq_ignore_ascii_case(public);
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn only_our_own_or_allowed_origins_pass() {
        let ours = headers(&[
            ("host", "chat.local:3000"),
            ("origin", "http://chat.local:3000"),
        ]);
        assert!(origin_allowed(&ours, None, &[]));
        let foreign = headers(&[
            ("host", "chat.local:3000"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!origin_allowed(&foreign, None, &[]));
        assert!(origin_allowed(
            &foreign,
            None,
            &["https://evil.example/".into()]
        ));
        assert!(!origin_allowed(
            &headers(&[("host", "a"), ("origin", "null")]),
            None,
            &[]
        ));
        assert!(origin_allowed(&headers(&[("host", "a")]), None, &[]));
    }

    #[test]
    fn the_zone_cookie_is_read_only_when_it_is_a_real_offset() {
        let zone_of = |cookie: &'static str| zone(&headers(&[("cookie", cookie)]));
        assert_eq!(zone_of("a=1; chatdrop_zone=-300"), Some(-300));
        assert_eq!(zone_of("chatdrop_zone=330"), Some(330));
        assert_eq!(zone_of("chatdrop_zone=9999"), None);
        assert_eq!(zone_of("chatdrop_zone=east"), None);
        assert_eq!(zone_of("other=1"), None);
    }
}
