//! The vocabulary both sides speak: identifiers and validated values that
//! cross the wire between the browser and the server.
//!
//! Everything here compiles for both the server and the WASM client, so the
//! browser validates input with exactly the rules the server enforces.
//!
//! The room's WebSocket (`GET /ws/{code}`) carries [`ClientMsg`] and
//! [`ServerMsg`] as JSON text frames; binary frames are reserved for file
//! chunks. `docs/PROTOCOL.md` describes the conversation. The wire format
//! is pinned by the literal-JSON tests in `app/tests/protocol.rs`.
//!
//! Everything is re-exported here; modules this one depends on
//! (`crate::error`) import from the submodules directly, so no import
//! goes in a circle.

pub mod chunk;
pub mod error_code;
pub mod events;
pub mod ids;
pub mod limits;
pub mod messages;

pub use chunk::*;
pub use error_code::*;
pub use events::*;
pub use ids::*;
pub use limits::*;
pub use messages::*;
