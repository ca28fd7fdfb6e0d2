//! The limits both sides enforce, in one place: the browser checks input
//! with exactly the numbers the server uses.

/// Symbols a room code is made of: digits and capitals without the ones
/// people confuse when reading a code aloud or off a screen (0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Symbols in a room code. 31^9 ≈ 2^44.6 codes, so guessing one that exists
/// is impractical, especially with failed joins throttled per address.
pub const CODE_LEN: usize = 9;

/// The longest display name, in characters.
pub const NAME_MAX_CHARS: usize = 32;

/// The longest room password, in bytes (checked before hashing: a huge one
/// would make hashing a denial of service).
pub const ROOM_PASSWORD_MAX_BYTES: usize = 1024;

/// The lifetimes a room can be created with, in seconds: an hour, a day, a
/// week, thirty days. `0` (never deleted) is offered only where the server
/// allows permanent rooms.
pub const ROOM_LIFETIMES: [u64; 4] = [3_600, 86_400, 604_800, 2_592_000];

/// The longest chat message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 4000;

/// The emoji people can react with, in the order the picker shows them.
pub const REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

/// The longest client message id, in bytes.
pub const CLIENT_ID_MAX_BYTES: usize = 64;

/// The largest file the server accepts unless configured otherwise: 4 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 << 30;

/// The longest file name accepted in an offer, in bytes.
pub const FILE_NAME_MAX_BYTES: usize = 1024;

/// The longest declared type accepted in an offer, in bytes.
pub const MIME_MAX_BYTES: usize = 255;

/// Bytes before a chunk's payload: the upload id (16) and the offset (8,
/// big-endian).
pub const CHUNK_HEADER_BYTES: usize = 24;

/// The most payload one chunk frame may carry.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
