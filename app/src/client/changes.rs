//! Edits and reactions: sending them, and applying the events that tell
//! of them to the message they change.
//!
//! A message from history already holds its current text and reactions;
//! applying a change event again on top of it (a replay after a resume)
//! ends in the same state, because each one sets a value rather than
//! counting: "this is the text", "this person has (not) reacted with 👍".

use super::{Effect, Room};
use crate::protocol::{ClientMsg, EventKind, Member, Reaction, Seq, REACTIONS};

impl Room {
    /// Sends the composer's text as the new text of message `target`.
    pub(super) fn edit(&mut self, target: Seq, text: String, fx: &mut Vec<Effect>) {
        if let Err(error) = ClientMsg::validate_text(&text) {
            self.alert = Some(error.to_string());
            return;
        }
        if !self.connected {
            self.alert = Some("You're offline: try again once connected.".to_owned());
            return;
        }
        self.alert = None;
        self.editing = None;
        fx.push(Effect::Send(ClientMsg::Edit { target, text }));
    }

    /// Toggles this user's reaction `emoji` to message `target`.
    pub(super) fn react(&mut self, target: Seq, emoji: String, fx: &mut Vec<Effect>) {
        if !REACTIONS.contains(&emoji.as_str()) {
            return;
        }
        let me = &self.me.user;
        let had = self.message(target).is_some_and(|(_, reactions)| {
            reactions
                .iter()
                .any(|r| r.emoji == emoji && r.by.iter().any(|m| &m.user == me))
        });
        if self.connected {
            fx.push(Effect::Send(ClientMsg::React {
                target,
                emoji,
                on: !had,
            }));
        } else {
            self.alert = Some("You're offline: try again once connected.".to_owned());
        }
    }

    /// The text and reactions of the message at `target`, if this tab has it.
    pub fn message(&self, target: Seq) -> Option<(&str, &[Reaction])> {
        let at = self.events.binary_search_by_key(&target, |e| e.seq).ok()?;
        match &self.events[at].kind {
            EventKind::Message {
                text, reactions, ..
            } => Some((text, reactions)),
            _ => None,
        }
    }

    fn message_mut(&mut self, target: Seq) -> Option<&mut EventKind> {
        let at = self.events.binary_search_by_key(&target, |e| e.seq).ok()?;
        let kind = &mut self.events[at].kind;
        *self.revs.entry(target).or_default() += 1;
        matches!(kind, EventKind::Message { .. }).then_some(kind)
    }

    /// Message `target` now reads `new`.
    pub(super) fn edited(&mut self, target: Seq, new: &str) {
        if self.editing == Some(target) && self.alert.is_some() {
            self.alert = None;
        }
        if let Some(EventKind::Message { text, edited, .. }) = self.message_mut(target) {
            new.clone_into(text);
            *edited = true;
        }
    }

    /// `who` has (`on`) or hasn't reacted to message `target` with `emoji`.
    pub(super) fn reacted(&mut self, target: Seq, emoji: &str, on: bool, who: &Member) {
        let Some(EventKind::Message { reactions, .. }) = self.message_mut(target) else {
            return;
        };
        let at = match reactions.iter().position(|r| r.emoji == emoji) {
            Some(at) => at,
            None if on => {
                reactions.push(Reaction {
                    emoji: emoji.to_owned(),
                    by: Vec::new(),
                });
                reactions.len() - 1
            }
            None => return,
        };
        let by = &mut reactions[at].by;
        by.retain(|m| m.user != who.user);
        if on {
            by.push(who.clone());
        } else if by.is_empty() {
            reactions.remove(at);
        }
    }

    /// A deleted message's edits keep no text in this tab either.
    pub(super) fn forget_changes(&mut self, target: Seq) {
        for event in &mut self.events {
            if let EventKind::Edited { target: t, text } = &mut event.kind {
                if *t == target {
                    text.clear();
                }
            }
        }
    }
}
