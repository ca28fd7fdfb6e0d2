//! `GET /room/{code}/qr.svg`: the room's invite link as a QR code, drawn
//! here as SVG so it costs the browser's bundle nothing. Members only: the
//! code in it is what lets people in.

use app::backend::{member, Caller};
use app::protocol::RoomCode;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::routes::refusal;
use crate::state::AppState;

/// The QR code of `link`, as an SVG document: dark modules on white with
/// the quiet zone the standard asks for, scaled by the page.
pub fn svg_of(link: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(176, 176)
            .dark_color(svg::Color("#111111"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    )
}

/// Serves a member's room's QR code.
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> Response {
    let code = match RoomCode::parse(&code) {
        Ok(code) => code,
        Err(error) => return refusal(error),
    };
    if let Err(error) = member(&*state.backend(), &caller, &code).await {
        return refusal(error);
    }
    let link = format!("{}{}", caller.origin, code.path());
    match svg_of(&link) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "private, max-age=3600"),
            ],
            svg,
        )
            .into_response(),
        None => refusal(app::error::AppError::Internal),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_square_svg() {
        let svg = super::svg_of("http://localhost:3000/room/K7Q-DM3-XPA").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#111111"));
        assert!(!svg.contains("<script"));
    }
}
