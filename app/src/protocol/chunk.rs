//! Uploads on the wire: their ids and the binary chunk frames that carry
//! their bytes.

use serde::{Deserialize, Serialize};

use super::limits::CHUNK_HEADER_BYTES;

/// A shared file's server-assigned id: 128 random bits in hex. Its download
/// is `/uploads/{id}`; the name the user gave is never part of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadId(pub String);

impl UploadId {
    /// The 16 bytes a chunk frame starts with, if the id is well-formed.
    pub fn to_bytes(&self) -> Option<[u8; 16]> {
        let well_formed = self.0.len() == 32
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return None;
        }
        u128::from_str_radix(&self.0, 16)
            .ok()
            .map(u128::to_be_bytes)
    }

    /// The id a chunk frame's first 16 bytes name.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(format!("{:032x}", u128::from_be_bytes(bytes)))
    }

    /// Where it downloads from.
    pub fn href(&self) -> String {
        format!("/uploads/{}", self.0)
    }
}

/// One binary frame of file bytes: `upload id | offset | payload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The upload the bytes belong to.
    pub upload: UploadId,
    /// Where in the file the payload starts.
    pub offset: u64,
    /// The bytes.
    pub payload: &'a [u8],
}

impl<'a> Chunk<'a> {
    /// Reads a binary frame; `None` if it is too short to have a header.
    pub fn parse(frame: &'a [u8]) -> Option<Self> {
        if frame.len() < CHUNK_HEADER_BYTES {
            return None;
        }
        let id: [u8; 16] = frame[..16].try_into().ok()?;
        let offset: [u8; 8] = frame[16..CHUNK_HEADER_BYTES].try_into().ok()?;
        Some(Self {
            upload: UploadId::from_bytes(id),
            offset: u64::from_be_bytes(offset),
            payload: &frame[CHUNK_HEADER_BYTES..],
        })
    }

    /// Writes the frame's header into the first [`CHUNK_HEADER_BYTES`] of
    /// `frame`; `false` if the id is malformed or `frame` too short.
    pub fn write_header(upload: &UploadId, offset: u64, frame: &mut [u8]) -> bool {
        let Some(id) = upload.to_bytes() else {
            return false;
        };
        if frame.len() < CHUNK_HEADER_BYTES {
            return false;
        }
        frame[..16].copy_from_slice(&id);
        frame[16..CHUNK_HEADER_BYTES].copy_from_slice(&offset.to_be_bytes());
        true
    }
}
