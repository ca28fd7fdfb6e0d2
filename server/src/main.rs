//! `chatdrop`: parse flags, start logging, listen, serve until Ctrl-C or
//! SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use server::config::Command;
use server::{backup, telemetry, Config};

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = Config::parse();
    // The site built into this binary (`build.rs`; empty without the
    // `embed-site` feature).
    let site: server::site::Files = include!(concat!(env!("OUT_DIR"), "/site.rs"));
    config.embedded_site = Some(site).filter(|files| !files.is_empty());
    let done = match config.command.clone() {
        // The client's output is for people and scripts: no log lines.
        Some(Command::Send(args)) => return server::cli::send(args).await,
        Some(Command::Watch(args)) => return server::cli::watch(args).await,
        None => {
            telemetry::init_as(config.log_format);
            serve(config).await
        }
        Some(Command::Backup { dir }) => {
            telemetry::init_as(config.log_format);
            backup::backup(&config.database_url, &config.data_dir, &dir)
                .await
                .map(|summary| println!("Backed up to {}: {summary}", dir.display()))
        }
        Some(Command::Restore { dir }) => {
            telemetry::init_as(config.log_format);
            backup::restore(&config.database_url, &dir, &config.data_dir)
                .await
                .map(|summary| println!("Restored into {}: {summary}", config.data_dir.display()))
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chatdrop: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let port = listener.local_addr()?.port();
    tracing::info!(
        "Chatdrop is running at http://localhost:{port} (data in {})",
        config.data_dir.display()
    );
    server::run(listener, config, shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
