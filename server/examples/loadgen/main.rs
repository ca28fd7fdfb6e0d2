//! Chatdrop's load generator: fan-out throughput and latency, the latency
//! floor, and idle-connection memory, against Chatdrop or against the
//! re-created original Flask-SocketIO app (same scenarios, same clients).
//! `scripts/bench.sh` starts the servers and runs it; see
//! `docs/BENCHMARKS.md`. A benchmark, never a test.

mod clients;
mod stats;
mod upload;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use hdrhistogram::Histogram;

use clients::{Client, Target};
use stats::{cpu_seconds, rss_kib};

#[derive(Parser)]
struct Cli {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Which server is listening there.
    #[arg(long, value_enum, default_value = "chatdrop")]
    target: Kind,
    /// A second node of the same cluster: the fan-out and latency clients
    /// alternate between the two (rooms are made on `--url`).
    #[arg(long)]
    also_url: Option<String>,
    /// The server's process id, for CPU and memory figures; given twice
    /// (`--pid A --pid B`), CPU figures add both nodes.
    #[arg(long)]
    pid: Vec<u32>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Chatdrop,
    Flask,
}

#[derive(Subcommand)]
enum Scenario {
    /// Rooms × clients; every message goes to everyone in its room. Steps
    /// through delivery rates, open loop, and reports each.
    Fanout {
        #[arg(long, default_value_t = 10)]
        rooms: usize,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Target deliveries per second, comma-separated, ascending.
        #[arg(long, value_delimiter = ',')]
        rates: Vec<u64>,
        /// Seconds measured per rate.
        #[arg(long, default_value_t = 5)]
        secs: u64,
    },
    /// One message at a time between two clients.
    Latency {
        #[arg(long, default_value_t = 2000)]
        count: usize,
    },
    /// Opens idle connections and reports the server's memory per connection.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
    },
    /// Uploads a file through the room's WebSocket (Chatdrop: chunked;
    /// Flask: one base64 message, as the original app did) and reports
    /// payload throughput, server CPU and server memory growth.
    Upload {
        /// The file to upload.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Chunk sizes to try in turn, in KiB (Chatdrop only).
        #[arg(long, value_delimiter = ',', default_value = "256")]
        chunk_kib: Vec<usize>,
        /// Bytes in flight before waiting for acknowledgements, in KiB.
        #[arg(long, default_value_t = 4096)]
        window_kib: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let flask = matches!(cli.target, Kind::Flask);
    let target = Target::new(&cli.url, flask);
    let mut nodes = vec![Target::new(&cli.url, flask)];
    if let Some(url) = &cli.also_url {
        nodes.push(Target::new(url, flask));
    }
    let pid = cli.pid.first().copied();
    match cli.scenario {
        Scenario::Fanout {
            rooms,
            clients,
            rates,
            secs,
        } => fanout(&nodes, &cli.pid, rooms, clients, &rates, secs).await,
        Scenario::Latency { count } => latency(&nodes, count).await,
        Scenario::Idle { connections } => idle(&target, pid, connections).await,
        Scenario::Upload {
            file,
            chunk_kib,
            window_kib,
        } => upload::run(&target, pid, &file, &chunk_kib, window_kib * 1024).await,
    }
}

/// Message texts carry the step and the intended send time, padded to
/// 100 bytes.
fn payload(step: u64, sent_ns: u64) -> String {
    let head = format!("b|{step}|{sent_ns}|");
    format!("{head}{}", "x".repeat(100usize.saturating_sub(head.len())))
}

fn parse_payload(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.split('|');
    (parts.next()? == "b").then_some(())?;
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The CPU seconds the processes `pids` used so far, together.
fn cpu_of(pids: &[u32]) -> f64 {
    pids.iter().map(|pid| cpu_seconds(*pid)).sum()
}

async fn fanout(
    nodes: &[Target],
    pids: &[u32],
    rooms: usize,
    per_room: usize,
    rates: &[u64],
    secs: u64,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let step = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let mut histograms = Vec::new();
    let mut senders = Vec::new();
    eprintln!("connecting {rooms} rooms × {per_room} clients…");
    for r in 0..rooms {
        let mut writers = Vec::new();
        let room = nodes[0].room(r).await?;
        for c in 0..per_room {
            let node = &nodes[c % nodes.len()];
            let client = Client::connect(node, &room, &format!("u{r}-{c}")).await?;
            let (writer, mut reader) = client.split();
            let histogram = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(
                1,
                60_000_000_000,
                3,
            )?));
            histograms.push(histogram.clone());
            let (step, received) = (step.clone(), received.clone());
            tokio::spawn(async move {
                while let Some(text) = reader.next_message().await {
                    if let Some((s, sent)) = parse_payload(&text) {
                        if s == step.load(Ordering::Relaxed) {
                            let now = start.elapsed().as_nanos() as u64;
                            let _ = histogram
                                .lock()
                                .unwrap()
                                .record(now.saturating_sub(sent).max(1));
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
            writers.push(writer);
        }
        senders.push(writers);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut best: Option<f64> = None;
    println!("| target deliveries/s | achieved deliveries/s | p50 ms | p99 ms | p99.9 ms | loss | server CPU-s per M deliveries |");
    println!("|---|---|---|---|---|---|---|");
    for (i, &rate) in rates.iter().enumerate() {
        let this_step = i as u64 + 1;
        step.store(this_step, Ordering::Relaxed);
        received.store(0, Ordering::Relaxed);
        let cpu_before = (!pids.is_empty()).then(|| cpu_of(pids));
        // Each room sends rate / (rooms × per_room) messages a second,
        // spread over its clients, on schedule whatever the replies do.
        let per_room_rate = rate as f64 / (rooms * per_room) as f64;
        let sent = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for writers in senders.drain(..) {
            let sent = sent.clone();
            tasks.push(tokio::spawn(async move {
                let mut writers = writers;
                let begin = Instant::now();
                let mut done = 0u64;
                let mut next_writer = 0;
                let mut tick = tokio::time::interval(Duration::from_millis(1));
                while begin.elapsed() < Duration::from_secs(secs) {
                    tick.tick().await;
                    // Messages whose intended send time has come: k is due
                    // at k / rate, so the first goes at once.
                    let due = (begin.elapsed().as_secs_f64() * per_room_rate) as u64 + 1;
                    while done < due {
                        let intended = begin + Duration::from_secs_f64(done as f64 / per_room_rate);
                        let sent_ns = intended.duration_since(start).as_nanos() as u64;
                        let count = writers.len();
                        let writer = &mut writers[next_writer];
                        next_writer = (next_writer + 1) % count;
                        if writer
                            .send_message(&payload(this_step, sent_ns))
                            .await
                            .is_err()
                        {
                            break;
                        }
                        done += 1;
                    }
                }
                sent.fetch_add(done, Ordering::Relaxed);
                writers
            }));
        }
        for task in tasks {
            senders.push(task.await?);
        }
        // Let the tail arrive.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let cpu = cpu_before.map(|before| cpu_of(pids) - before);
        let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
        for h in &histograms {
            let mut h = h.lock().unwrap();
            merged.add(&*h)?;
            h.reset();
        }
        let expected = sent.load(Ordering::Relaxed) * per_room as u64;
        let got = received.load(Ordering::Relaxed);
        let loss = expected.saturating_sub(got);
        let ms = |q: f64| merged.value_at_quantile(q) as f64 / 1e6;
        println!(
            "| {rate} | {:.0} | {:.2} | {:.2} | {:.2} | {loss} | {} |",
            got as f64 / secs as f64,
            ms(0.5),
            ms(0.99),
            ms(0.999),
            cpu.map(|c| format!("{:.2}", c / (got as f64 / 1e6)))
                .unwrap_or_else(|| "-".into()),
        );
        if ms(0.99) <= 50.0 && loss == 0 {
            let achieved = got as f64 / secs as f64;
            best = Some(best.map_or(achieved, |b: f64| b.max(achieved)));
        }
        if ms(0.99) > 1000.0 {
            eprintln!("p99 over a second: stopping the ramp");
            break;
        }
    }
    match best {
        Some(rate) => {
            println!("\nbest: {rate:.0} deliveries/s sustained with p99 <= 50 ms and no loss")
        }
        None => println!("\nbest: none of the rates kept p99 <= 50 ms without loss"),
    }
    Ok(())
}

/// Ping on the first node, pong on the last: with two nodes every message
/// crosses between them.
async fn latency(nodes: &[Target], count: usize) -> anyhow::Result<()> {
    let (first, last) = (&nodes[0], &nodes[nodes.len() - 1]);
    let room = first.room(0).await?;
    let (mut a, mut a_reader) = Client::connect(first, &room, "ping").await?.split();
    // The sender's own copies are read (and pings answered) but ignored.
    tokio::spawn(async move { while a_reader.next_message().await.is_some() {} });
    let (_, mut b) = Client::connect(last, &room, "pong").await?.split();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
    for i in 0..count {
        let sent = start.elapsed().as_nanos() as u64;
        a.send_message(&payload(1, sent)).await?;
        loop {
            let text = b
                .next_message()
                .await
                .ok_or_else(|| anyhow::anyhow!("connection lost"))?;
            if parse_payload(&text) == Some((1, sent)) {
                break;
            }
        }
        histogram.record((start.elapsed().as_nanos() as u64 - sent).max(1))?;
        // Stay under Chatdrop's 20 frames/s per connection over the run.
        if i % 15 == 14 {
            tokio::time::sleep(Duration::from_millis(800)).await;
        }
    }
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1e6;
    println!("| messages | p50 ms | p99 ms | p99.9 ms | max ms |");
    println!("|---|---|---|---|---|");
    println!(
        "| {count} | {:.3} | {:.3} | {:.3} | {:.3} |",
        ms(0.5),
        ms(0.99),
        ms(0.999),
        histogram.max() as f64 / 1e6
    );
    Ok(())
}

async fn idle(target: &Target, pid: Option<u32>, connections: usize) -> anyhow::Result<()> {
    let pid = pid.ok_or_else(|| anyhow::anyhow!("--pid is needed for memory figures"))?;
    let rooms = 100;
    let mut room_list = Vec::new();
    for r in 0..rooms {
        room_list.push(target.room(r).await?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(connections);
    for i in 0..connections {
        // Several source addresses: one has only ~28k ephemeral ports.
        let source = format!("127.0.0.{}", 1 + i % 8);
        held.push(
            Client::connect_from(
                target,
                &room_list[i % rooms],
                &format!("idle{}", i % 1000),
                &source,
            )
            .await?,
        );
        if i % 1000 == 999 {
            eprintln!("{} connections", i + 1);
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    println!("| connections | server RSS before (MiB) | after (MiB) | per connection (KiB) |");
    println!("|---|---|---|---|");
    println!(
        "| {connections} | {:.1} | {:.1} | {:.1} |",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / connections as f64
    );
    drop(held);
    Ok(())
}
