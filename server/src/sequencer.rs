//! A room's events into its channel strictly in sequence order, however
//! they reach this node: its own appends, other nodes' over Redis (which
//! may come late, twice, out of order or not at all), or a gap read back
//! from the database. Plain state, no I/O: `rooms.rs` feeds it and fills
//! the gaps it reports.

use std::collections::BTreeMap;

use app::protocol::{Event, Seq};

/// What one room's tabs on this node have been given, and what waits.
#[derive(Debug)]
pub struct Sequencer {
    /// Every event up to this one went into the channel, once, in order.
    delivered: Seq,
    /// Events that arrived ahead of a gap.
    waiting: BTreeMap<Seq, Event>,
}

impl Sequencer {
    /// A room whose history, as far as this node's tabs go, ends at
    /// `delivered`.
    pub fn new(delivered: Seq) -> Self {
        Self {
            delivered,
            waiting: BTreeMap::new(),
        }
    }

    /// The newest event handed out.
    pub fn delivered(&self) -> Seq {
        self.delivered
    }

    /// Takes `event`; returns the events that may go out now, in order
    /// (none if it is a repeat or arrived ahead of a gap).
    pub fn offer(&mut self, event: Event) -> Vec<Event> {
        if event.seq <= self.delivered {
            return Vec::new();
        }
        self.waiting.insert(event.seq, event);
        let mut ready = Vec::new();
        while let Some(event) = self.waiting.remove(&Seq(self.delivered.0 + 1)) {
            self.delivered = event.seq;
            ready.push(event);
        }
        ready
    }

    /// Whether events wait behind a gap.
    pub fn has_gap(&self) -> bool {
        !self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{EventKind, Member, UserId, UserName};
    use proptest::prelude::*;

    fn event(seq: u64) -> Event {
        Event {
            seq: Seq(seq),
            at: 0,
            who: Member {
                user: UserId("u".into()),
                name: UserName::parse("Ann").unwrap(),
            },
            kind: EventKind::Joined,
        }
    }

    fn seqs(events: Vec<Event>) -> Vec<u64> {
        events.into_iter().map(|e| e.seq.0).collect()
    }

    #[test]
    fn events_ahead_of_a_gap_wait_for_it() {
        let mut order = Sequencer::new(Seq(3));
        assert_eq!(seqs(order.offer(event(5))), Vec::<u64>::new());
        assert!(order.has_gap());
        assert_eq!(seqs(order.offer(event(3))), Vec::<u64>::new(), "a repeat");
        assert_eq!(seqs(order.offer(event(4))), [4, 5]);
        assert!(!order.has_gap());
        assert_eq!(order.delivered(), Seq(5));
    }

    proptest! {
        /// Any arrival order, with repeats, gives every event once, in order.
        #[test]
        fn any_arrival_order_gives_each_event_once_in_order(
            arrivals in proptest::collection::vec(1u64..40, 0..200)
        ) {
            let mut order = Sequencer::new(Seq(0));
            let mut out = Vec::new();
            for seq in arrivals.iter().copied().chain(1..40) {
                out.extend(seqs(order.offer(event(seq))));
            }
            prop_assert_eq!(out, (1..40).collect::<Vec<_>>());
        }
    }
}
