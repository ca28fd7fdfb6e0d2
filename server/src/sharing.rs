//! Whether this node may share its PostgreSQL database with others. Nodes
//! with `--redis-url` may: they relay events to each other. A node without
//! it must be alone, or each node's tabs would see only that node's
//! events. Every node on PostgreSQL holds an advisory lock for as long as
//! it runs, on a connection of its own: shared with Redis, exclusive
//! without; so the wrong mix refuses to start, saying why.

use anyhow::Context;
use sqlx::Connection;

use crate::store::{Engine, Store};

/// The lock's key: "chatdrop" in ASCII.
const LOCK_KEY: i64 = 0x6368_6174_6472_6f70;

/// Held while the node runs; dropping it (closing its connection) lets
/// the lock go.
pub struct Sharing {
    // Never used again, only kept open; the mutex makes it `Sync`.
    _conn: std::sync::Mutex<Option<sqlx::AnyConnection>>,
}

/// Takes this node's place on the database at `url`: `relayed` says
/// whether it has Redis.
pub async fn claim(store: &Store, url: &str, relayed: bool) -> anyhow::Result<Sharing> {
    if store.engine() != Engine::Postgres {
        return Ok(Sharing {
            _conn: std::sync::Mutex::new(None),
        });
    }
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .context("connecting to the database")?;
    let sql = if relayed {
        "SELECT pg_try_advisory_lock_shared($1)"
    } else {
        "SELECT pg_try_advisory_lock($1)"
    };
    let (granted,): (bool,) = sqlx::query_as(sql)
        .bind(LOCK_KEY)
        .fetch_one(&mut conn)
        .await
        .context("taking this node's place on the database")?;
    if !granted {
        anyhow::bail!(if relayed {
            "another Chatdrop node uses this database without --redis-url: \
             stop it, or start it with the same --redis-url"
        } else {
            "other Chatdrop nodes use this database: a node that shares it \
             needs --redis-url (see docs/DEPLOY.md)"
        });
    }
    Ok(Sharing {
        _conn: std::sync::Mutex::new(Some(conn)),
    })
}
