//! Bytes the suites send: file contents and chunk frames.

use app::protocol::{Chunk, UploadId, CHUNK_HEADER_BYTES};

/// Deterministic bytes that don't compress or repeat (xorshift).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The binary frame carrying `payload` at `offset` of `upload`.
pub fn chunk_frame(upload: &UploadId, offset: u64, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8; CHUNK_HEADER_BYTES + payload.len()];
    assert!(Chunk::write_header(upload, offset, &mut frame));
    frame[CHUNK_HEADER_BYTES..].copy_from_slice(payload);
    frame
}
