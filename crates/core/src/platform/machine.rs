//! The shape every status machine of the wings takes: states and events as enums, the allowed
//! transitions as one table (`next`), names as stored, and a test walk that checks every allowed
//! and every forbidden edge against a table written out by hand.

/// A status with a transition table. `next` is the table: the status after `event`, or `None`
/// when the event is not allowed from `self`.
pub trait Machine: Copy + Eq + std::fmt::Debug + 'static {
    type Event: Copy + Eq + std::fmt::Debug + 'static;

    const STATES: &'static [Self];
    const EVENTS: &'static [Self::Event];

    fn next(self, event: Self::Event) -> Option<Self>;

    /// The name stored in the database and sent over the wire.
    fn as_str(self) -> &'static str;

    fn parse(text: &str) -> Option<Self> {
        Self::STATES.iter().copied().find(|s| s.as_str() == text)
    }

    /// Statuses nothing moves out of.
    fn is_final(self) -> bool {
        Self::EVENTS.iter().all(|event| self.next(*event).is_none())
    }

    /// The events allowed from `self`, in table order.
    fn allowed(self) -> Vec<Self::Event> {
        Self::EVENTS
            .iter()
            .copied()
            .filter(|event| self.next(*event).is_some())
            .collect()
    }
}

/// Checks `M`'s table against `edges` (from, event, to), written out independently: every listed
/// edge is allowed and leads where listed, every other (status, event) pair is refused, and names
/// round-trip. Panics with the offending edge (for unit tests).
pub fn assert_table<M: Machine>(edges: &[(M, M::Event, M)]) {
    for from in M::STATES {
        assert_eq!(M::parse(from.as_str()), Some(*from), "name of {from:?}");
        for event in M::EVENTS {
            let expected = edges
                .iter()
                .find(|(f, e, _)| f == from && e == event)
                .map(|edge| edge.2);
            assert_eq!(from.next(*event), expected, "{from:?} --{event:?}-->");
        }
    }
    assert_eq!(M::parse("no such status"), None);
}
