//! Integration tests: each starts the real server on port 0 with its own
//! data dir and talks HTTP to it, as a browser without JavaScript would.

mod backup;
#[path = "../support/bytes.rs"]
mod bytes;
mod chat;
mod cli;
mod closing;
mod compression;
mod downloads;
mod edits;
mod expiry;
mod growing;
mod health;
mod helpers;
mod lifetimes;
mod limits;
mod login;
mod logs;
mod metrics;
mod origin;
mod owner;
mod passwords;
#[path = "../support/postgres.rs"]
mod postgres;
mod proxies;
mod removal;
mod rooms;
mod self_hosting;
#[path = "../support/sign_in.rs"]
mod sign_in;
mod tls;
mod uploads;
mod ws;
