//! Who is in a room, and the "joined" and "left" everyone sees.
//!
//! A connected tab holds a [`Presence`]: dropping it (however its task
//! ends, a panic included) is the disconnect, so nobody stays "online"
//! forever. Someone whose last tab closed stays listed for the grace
//! period, so a reload makes no leave/join pair; grace timers are tracked
//! tasks that end at shutdown.
//!
//! The history is the record of who is present: a join is stored only if
//! the history shows them absent, a leave only if it shows them present
//! and no tab of theirs is open here or on another node, both checked
//! under the room's counter-row lock (`history.rs`). So however many nodes
//! see someone come and go, and however their timers race, each arrival
//! and departure is announced once. On a cluster, each node lists its own
//! people in Redis (`roster.rs`) and its member lists add the others'.

use std::sync::Arc;

use app::protocol::{Event, Member, ServerMsg, UserId};

use crate::cluster::Relay;
use crate::rooms::{Broadcast, Hub, Kick, Online, Presence, Room};
use crate::roster::Roster;

impl Room {
    /// Everyone online, on any node, by name.
    pub fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = self
            .lock_online()
            .values()
            .map(|o| o.member.clone())
            .collect();
        for member in self.lock_remote().iter() {
            if !members.iter().any(|m| m.user == member.user) {
                members.push(member.clone());
            }
        }
        members.sort_by(|a, b| {
            a.name
                .as_str()
                .to_lowercase()
                .cmp(&b.name.as_str().to_lowercase())
        });
        members
    }

    /// A tab of `who` connected: announced as a join unless they were
    /// present already. The tab counts as connected until the returned
    /// guard drops.
    pub async fn connect(self: &Arc<Self>, who: &Member) -> Result<Presence, sqlx::Error> {
        // Made first: if announcing fails, dropping it undoes the count.
        let (presence, first_here) = self.count_tab(who);
        if first_here {
            // Listed before the join is stored: a leave racing it on
            // another node then sees this tab (see `went`).
            self.list(who).await;
            self.announce_join(who).await?;
        }
        self.broadcast_presence();
        Ok(presence)
    }

    fn count_tab(self: &Arc<Self>, who: &Member) -> (Presence, bool) {
        let first_here = {
            let mut online = self.lock_online();
            let entry = online.entry(who.user.clone()).or_insert_with(|| Online {
                member: who.clone(),
                tabs: 0,
                epoch: 0,
            });
            entry.tabs += 1;
            entry.epoch += 1;
            entry.member = who.clone();
            entry.tabs == 1
        };
        let presence = Presence {
            room: self.clone(),
            who: who.clone(),
        };
        (presence, first_here)
    }

    /// A tab of `who` closed: when it was the last, they are announced as
    /// gone after the grace period unless a tab comes back.
    pub(crate) fn disconnect(self: Arc<Self>, who: &Member) {
        let epoch = {
            let mut online = self.lock_online();
            let Some(entry) = online.get_mut(&who.user) else {
                return;
            };
            entry.tabs = entry.tabs.saturating_sub(1);
            entry.epoch += 1;
            if entry.tabs > 0 {
                return;
            }
            entry.epoch
        };
        let who = who.clone();
        // Dropped outside a runtime (the process is ending): nothing to do.
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let tasks = self.tasks.clone();
        tasks.spawn(async move {
            // At shutdown the history still shows them present, and on a
            // cluster the roster still lists them: the next start, or the
            // node that takes over, gives them the grace period again.
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(self.grace) => {}
            }
            let gone = {
                let mut online = self.lock_online();
                match online.get(&who.user) {
                    Some(entry) if entry.tabs == 0 && entry.epoch == epoch => {
                        online.remove(&who.user).is_some()
                    }
                    _ => false,
                }
            };
            if gone {
                self.went(&who).await;
            }
        });
    }

    /// `who`'s grace period here ended: a leave, unless a tab of theirs is
    /// open (again) here or on another node.
    async fn went(&self, who: &Member) {
        self.unlist(&who.user).await;
        let still_here = async {
            if self.lock_online().contains_key(&who.user) {
                return true;
            }
            let Some(roster) = self.cluster.roster() else {
                return false;
            };
            // Without Redis nobody can tell: the leave is announced, as
            // a single node would.
            roster
                .elsewhere(&self.code, &who.user)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, room = %self.code, "asking Redis who is online");
                    false
                })
        };
        if let Err(error) = self.append_presence(who, false, still_here).await {
            tracing::error!(%error, room = %self.code, "storing a leave");
        }
        self.broadcast_presence();
    }

    /// `who` left with the Leave button: announced at once, and their open
    /// tabs in this room, on every node, are closed.
    pub async fn leave(&self, who: &Member) {
        self.lock_online().remove(&who.user);
        self.kick(Kick {
            user: who.user.clone(),
            others: false,
            code: 1000,
        });
        self.unlist(&who.user).await;
        if let Err(error) = self.append_presence(who, false, async { false }).await {
            tracing::error!(%error, room = %self.code, "storing a leave");
        }
        self.broadcast_presence();
    }

    /// Takes `user` off this node's members at once (they left or were
    /// removed, here or on another node).
    pub(crate) fn forget(self: &Arc<Self>, user: &UserId) {
        self.lock_online().remove(user);
        if self.cluster.roster().is_some() {
            let room = self.clone();
            let user = user.clone();
            self.tasks.spawn(async move { room.unlist(&user).await });
        }
    }

    /// People the history shows as present although nobody here has a
    /// tab (the server restarted, or the node they were on died) get the
    /// grace period to come back before they are announced as gone.
    pub(crate) async fn adopt(self: &Arc<Self>, members: Vec<Member>) {
        for member in members {
            let fresh = {
                let mut online = self.lock_online();
                if online.contains_key(&member.user) {
                    false
                } else {
                    online.insert(
                        member.user.clone(),
                        Online {
                            member: member.clone(),
                            tabs: 1,
                            epoch: 0,
                        },
                    );
                    true
                }
            };
            if fresh {
                self.list(&member).await;
                self.clone().disconnect(&member);
            }
        }
        self.broadcast_presence();
    }

    /// After this node was taken for dead: its people are listed again,
    /// and anyone announced as gone meanwhile, though their tab stayed
    /// open here, comes back with a join.
    async fn relist(&self) {
        let here: Vec<(Member, usize)> = self
            .lock_online()
            .values()
            .map(|o| (o.member.clone(), o.tabs))
            .collect();
        for (member, tabs) in here {
            self.list(&member).await;
            if tabs > 0 {
                if let Err(error) = self.announce_join(&member).await {
                    tracing::error!(%error, room = %self.code, "storing a join");
                }
            }
        }
        self.broadcast_presence();
    }

    /// Stores a join (`joined`) or leave of `who` if the history and
    /// `still_here` call for one (see [`crate::store::Store::append_presence`]),
    /// and delivers it.
    async fn append_presence<F>(
        &self,
        who: &Member,
        joined: bool,
        still_here: F,
    ) -> Result<Option<Event>, sqlx::Error>
    where
        F: std::future::Future<Output = bool>,
    {
        let _writing = self.writer.lock().await;
        let event = self
            .store
            .append_presence(&self.code, who, joined, still_here)
            .await?;
        if let Some(event) = &event {
            self.deliver_and_relay(event.clone());
        }
        Ok(event)
    }

    /// Stores `who`'s join, unless the history shows them present.
    async fn announce_join(&self, who: &Member) -> Result<(), sqlx::Error> {
        self.append_presence(who, true, async { false })
            .await
            .map(drop)
    }

    /// Lists `who` in the cluster's roster as here, and tells the others.
    async fn list(&self, who: &Member) {
        let Some(roster) = self.cluster.roster() else {
            return;
        };
        if let Err(error) = roster.add(&self.code, who).await {
            tracing::warn!(%error, room = %self.code, "listing a member in Redis");
        }
        self.cluster.relay(&self.code, Relay::Presence);
    }

    /// Takes `user` off the cluster's roster for this node, and tells the
    /// others.
    async fn unlist(&self, user: &UserId) {
        let Some(roster) = self.cluster.roster() else {
            return;
        };
        if let Err(error) = roster.remove(&self.code, user).await {
            tracing::warn!(%error, room = %self.code, "unlisting a member in Redis");
        }
        self.cluster.relay(&self.code, Relay::Presence);
    }

    /// Reads who the other nodes list here; tabs here get the new list if
    /// it changed.
    pub(crate) async fn refresh_remote(&self) {
        let Some(roster) = self.cluster.roster() else {
            return;
        };
        match roster.others(&self.code).await {
            Ok(mut others) => {
                others.sort_by(|a, b| a.user.0.cmp(&b.user.0));
                let changed = {
                    let mut remote = self.lock_remote();
                    let changed = *remote != others;
                    *remote = others;
                    changed
                };
                if changed {
                    self.broadcast_presence();
                }
            }
            Err(error) => tracing::warn!(%error, room = %self.code, "reading the roster"),
        }
    }

    pub(crate) fn broadcast_presence(&self) {
        let _ = self.tx.send(Broadcast::new(&ServerMsg::Presence {
            members: self.members(),
        }));
    }
}

impl Hub {
    /// A cluster node's heartbeat, until shutdown: renews this node in the
    /// roster, takes over dead nodes' people (who get the grace period
    /// here) and refreshes the member lists of rooms with tabs here, which
    /// drops the people of nodes that stopped beating.
    pub async fn keep_roster(self: Arc<Self>, roster: Roster) {
        let mut every = tokio::time::interval(roster.every());
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                _ = every.tick() => {}
            }
            match roster.beat().await {
                Ok(beat) => {
                    for (code, members) in beat.orphans {
                        match self.room(&code).await {
                            Ok(room) => room.adopt(members).await,
                            Err(error) => tracing::warn!(%error, room = %code, "taking over"),
                        }
                    }
                    if beat.revived {
                        tracing::warn!("this node was taken for dead; listing its people again");
                        for room in self.live_rooms() {
                            room.relist().await;
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "renewing this node in Redis"),
            }
            for room in self.live_rooms() {
                if room.tx.receiver_count() > 0 {
                    room.refresh_remote().await;
                }
            }
        }
    }
}
