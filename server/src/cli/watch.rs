//! `chatdrop watch`: print the room as it happens, like `tail -f`. After a
//! dropped connection or a server restart it reconnects with backoff and
//! resumes after the last event it printed, so nothing is missed or
//! printed twice.

use app::protocol::{Seq, ServerMsg};

use super::args::WatchArgs;
use super::link::Client;
use super::show::Show;
use super::trouble::{kind, Backoff, Kind};

pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let client = Client::new(&args.target)?;
    let mut show = Show::new(&client.place.origin);
    // `None` until the first connection: then the history, or not (--new).
    let mut last: Option<Seq> = (!args.new).then_some(Seq(0));
    let mut backoff = Backoff::default();
    let mut told_members = false;
    loop {
        let error = match client.open(last).await {
            Ok(mut link) => {
                if backoff.tries() > 0 {
                    eprintln!("Reconnected.");
                }
                backoff.reset();
                last.get_or_insert(link.latest);
                loop {
                    let msg = match link.recv().await {
                        Ok(msg) => msg,
                        Err(error) => break error,
                    };
                    if let ServerMsg::Presence { members } = &msg {
                        if !told_members && !args.json {
                            let names: Vec<&str> =
                                members.iter().map(|m| m.name.as_str()).collect();
                            eprintln!("In room {}: {}", client.place.code, names.join(", "));
                            told_members = true;
                        }
                    }
                    print(&args, &mut show, &mut last, &msg)?;
                }
            }
            Err(error) => error,
        };
        // Once connected, watch keeps trying, as `tail -f` keeps following.
        let never_reached = !client.has_connected() && backoff.tries() >= client.tries_allowed();
        if kind(&error) == Kind::Final || never_reached {
            return Err(error);
        }
        let wait = backoff.next();
        if backoff.tries() == 1 {
            eprintln!("{error:#}; reconnecting…");
        }
        tokio::time::sleep(wait).await;
    }
}

/// Prints what `msg` shows and notes the newest event seen.
fn print(
    args: &WatchArgs,
    show: &mut Show,
    last: &mut Option<Seq>,
    msg: &ServerMsg,
) -> anyhow::Result<()> {
    let events = match msg {
        ServerMsg::Event { event } => std::slice::from_ref(event),
        ServerMsg::Reset { events } => {
            show.reset();
            if !args.json {
                eprintln!(
                    "(skipping older entries: showing the newest {})",
                    events.len()
                );
            }
            events.as_slice()
        }
        ServerMsg::Progress { upload, status, .. } => {
            if args.json {
                println!("{}", serde_json::to_string(msg)?);
            } else {
                let now = jiff::Timestamp::now().as_millisecond();
                for line in show.progress(upload, *status, now) {
                    println!("{line}");
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    for event in events {
        if last.is_some_and(|seen| event.seq <= seen) && !matches!(msg, ServerMsg::Reset { .. }) {
            continue;
        }
        *last = Some(event.seq);
        if args.json {
            println!("{}", serde_json::to_string(event)?);
        } else {
            for line in show.event(event) {
                println!("{line}");
            }
        }
    }
    Ok(())
}
