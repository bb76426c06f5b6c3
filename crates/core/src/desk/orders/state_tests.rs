//! The order table walked edge by edge.

use super::*;
use Event as E;
use OrderState as S;

/// Every combination of the facts the guards read.
fn all_facts() -> Vec<Facts> {
    let mut out = Vec::new();
    for bits in 0..16u8 {
        out.push(Facts {
            review_first: bits & 1 != 0,
            paid: bits & 2 != 0,
            due: bits & 4 != 0,
            shipped: bits & 8 != 0,
        });
    }
    out
}

type Guard = fn(Facts) -> bool;

fn edge(from: S, event: E, when: Guard, to: S) -> (S, E, Guard, S) {
    (from, event, when, to)
}

/// The table written out edge by edge, independently of `next`: from, event, when, to.
#[expect(
    clippy::too_many_lines,
    reason = "the order table written out edge by edge"
)]
fn expected_edges() -> Vec<(S, E, Guard, S)> {
    let mut edges = vec![
        edge(S::Drafting, E::Edit, |_| true, S::Drafting),
        edge(S::Rejected, E::Edit, |_| true, S::Drafting),
        edge(S::Verifying, E::Edit, |_| true, S::Drafting),
        edge(S::Drafting, E::Submit, |_| true, S::Verifying),
        edge(
            S::Verifying,
            E::Verified,
            |f| f.review_first || !f.due,
            S::AwaitingReview,
        ),
        edge(
            S::Verifying,
            E::Verified,
            |f| !f.review_first && f.due,
            S::AwaitingPayment,
        ),
        edge(
            S::AwaitingPayment,
            E::Paid,
            |f| f.due && f.review_first,
            S::AwaitingProduction,
        ),
        edge(
            S::AwaitingPayment,
            E::Paid,
            |f| f.due && !f.review_first,
            S::AwaitingReview,
        ),
        edge(
            S::AwaitingReview,
            E::Approve,
            |f| !f.due,
            S::AwaitingProduction,
        ),
        edge(S::AwaitingReview, E::Approve, |f| f.due, S::AwaitingPayment),
        edge(S::AwaitingReview, E::Reject, |_| true, S::Rejected),
        edge(
            S::AwaitingProduction,
            E::ProducedToToken,
            |_| true,
            S::AwaitingDelivery,
        ),
        edge(
            S::AwaitingProduction,
            E::ReadyForDownload,
            |_| true,
            S::AwaitingDownload,
        ),
        edge(
            S::AwaitingProduction,
            E::AwaitKeyUpdate,
            |_| true,
            S::AwaitingUpdate,
        ),
        edge(
            S::AwaitingProduction,
            E::AwaitRecovery,
            |_| true,
            S::AwaitingRecovery,
        ),
        edge(
            S::AwaitingProduction,
            E::AwaitUnlock,
            |_| true,
            S::AwaitingUnlock,
        ),
        edge(
            S::AwaitingProduction,
            E::ProducedToCloud,
            |_| true,
            S::Completed,
        ),
        edge(S::AwaitingProduction, E::Concluded, |_| true, S::Completed),
        edge(S::AwaitingDownload, E::Downloaded, |_| true, S::Completed),
        edge(S::AwaitingDelivery, E::Shipped, |_| true, S::Completed),
        edge(S::AwaitingUpdate, E::KeyDone, |_| true, S::Completed),
        edge(S::AwaitingRecovery, E::KeyDone, |_| true, S::Completed),
        edge(S::AwaitingUnlock, E::KeyDone, |_| true, S::Completed),
        edge(S::AwaitingReview, E::Refund, |f| f.paid, S::Refunded),
        edge(S::Rejected, E::Refund, |f| f.paid, S::Refunded),
        edge(S::AwaitingProduction, E::Refund, |f| f.paid, S::Refunded),
    ];
    for from in [
        S::Drafting,
        S::Verifying,
        S::AwaitingPayment,
        S::AwaitingReview,
        S::Rejected,
    ] {
        edges.push(edge(from, E::Cancel, |f| !f.paid, S::Cancelled));
    }
    for from in [
        S::AwaitingProduction,
        S::AwaitingDownload,
        S::AwaitingUpdate,
        S::AwaitingRecovery,
    ] {
        edges.push(edge(from, E::TokenWritten, |_| true, from));
    }
    for from in ALL_STATES.into_iter().filter(|s| !s.is_finished()) {
        edges.push(edge(from, E::ChangeShipping, |f| !f.shipped, from));
    }
    edges
}

#[test]
fn every_allowed_and_every_forbidden_edge() {
    let edges = expected_edges();
    let mut allowed = 0;
    for from in ALL_STATES {
        for event in ALL_EVENTS {
            for facts in all_facts() {
                let expected = edges
                    .iter()
                    .find(|(f, e, when, _)| *f == from && *e == event && when(facts))
                    .map(|edge| edge.3);
                assert_eq!(
                    next(from, event, facts),
                    expected,
                    "{from:?} {event:?} {facts:?}"
                );
                allowed += usize::from(expected.is_some());
            }
        }
    }
    // Forbidden combinations far outnumber allowed ones; both were walked.
    assert!(allowed > 100 && allowed < ALL_STATES.len() * ALL_EVENTS.len() * 16 / 2);
}

#[test]
fn actions_follow_the_table() {
    use super::super::super::catalog::Medium;
    for state in ALL_STATES {
        for facts in all_facts() {
            for medium in [Medium::UsbKey, Medium::OwnKey, Medium::Cloud] {
                let applicant = allowed_actions(Viewer::Applicant, state, facts, medium);
                let staff = allowed_actions(Viewer::Staff, state, facts, medium);
                let can = |event| next(state, event, facts).is_some();
                assert_eq!(applicant.contains(&Action::Cancel), can(E::Cancel));
                assert_eq!(applicant.contains(&Action::Pay), can(E::Paid));
                assert_eq!(applicant.contains(&Action::Submit), can(E::Submit));
                assert_eq!(staff.contains(&Action::Approve), can(E::Approve));
                assert_eq!(staff.contains(&Action::Ship), can(E::Shipped));
                assert_eq!(staff.contains(&Action::Refund), can(E::Refund));
                assert_eq!(
                    applicant.contains(&Action::Refund),
                    state == S::Rejected && can(E::Refund)
                );
                // Staff never see the applicant's buttons, nor the applicant staff's.
                assert!(!staff.contains(&Action::Cancel) && !staff.contains(&Action::Pay));
                assert!(
                    !applicant.contains(&Action::Approve) && !applicant.contains(&Action::Ship)
                );
                if state.is_finished() {
                    assert!(applicant.is_empty() && staff.is_empty(), "{state:?}");
                }
            }
        }
    }
}

#[test]
fn the_web_app_guards_are_what_the_table_says() {
    // What `web/src/utils/desk.ts` used to hard-code, now derived.
    use super::super::super::catalog::Medium;
    let unpaid = Facts {
        review_first: false,
        paid: false,
        due: true,
        shipped: false,
    };
    let continue_in = |state| {
        allowed_actions(Viewer::Applicant, state, unpaid, Medium::Cloud).contains(&Action::Continue)
    };
    for state in ALL_STATES {
        let expected = matches!(
            state,
            S::Drafting | S::Rejected | S::Verifying | S::AwaitingPayment
        );
        assert_eq!(continue_in(state), expected, "{state:?}");
    }
}

#[test]
fn key_writes_follow_the_medium() {
    use super::super::super::catalog::Medium;
    assert_eq!(
        key_write_event(Medium::UsbKey, S::AwaitingProduction),
        Some(E::ProducedToToken)
    );
    assert_eq!(
        key_write_event(Medium::OwnKey, S::AwaitingDownload),
        Some(E::Downloaded)
    );
    assert_eq!(
        key_write_event(Medium::UsbKey, S::AwaitingUpdate),
        Some(E::KeyDone)
    );
    assert_eq!(
        key_write_event(Medium::UsbKey, S::AwaitingRecovery),
        Some(E::KeyDone)
    );
    assert_eq!(key_write_event(Medium::Cloud, S::AwaitingProduction), None);
    assert_eq!(key_write_event(Medium::OwnKey, S::AwaitingProduction), None);
    assert_eq!(key_write_event(Medium::UsbKey, S::AwaitingUnlock), None);
}

const FACTS: [Facts; 4] = [
    Facts {
        review_first: true,
        paid: false,
        due: true,
        shipped: false,
    },
    Facts {
        review_first: true,
        paid: true,
        due: false,
        shipped: false,
    },
    Facts {
        review_first: false,
        paid: false,
        due: true,
        shipped: false,
    },
    Facts {
        review_first: false,
        paid: true,
        due: false,
        shipped: false,
    },
];

#[test]
fn finished_states_accept_nothing() {
    for state in ALL_STATES.into_iter().filter(|s| s.is_finished()) {
        for event in ALL_EVENTS {
            for facts in FACTS {
                assert_eq!(next(state, event, facts), None, "{state:?} {event:?}");
            }
        }
    }
}

#[test]
fn every_state_is_reachable_from_drafting() {
    let mut seen = vec![OrderState::Drafting];
    let mut frontier = seen.clone();
    while let Some(state) = frontier.pop() {
        for event in ALL_EVENTS {
            for facts in FACTS {
                if let Some(to) = next(state, event, facts)
                    && !seen.contains(&to)
                {
                    seen.push(to);
                    frontier.push(to);
                }
            }
        }
    }
    for state in ALL_STATES {
        assert!(seen.contains(&state), "{state:?} unreachable");
    }
}

#[test]
fn review_first_means_review_before_payment() {
    let first = Facts {
        review_first: true,
        paid: false,
        due: true,
        shipped: false,
    };
    assert_eq!(
        next(OrderState::Verifying, Event::Verified, first),
        Some(OrderState::AwaitingReview)
    );
    assert_eq!(
        next(OrderState::AwaitingReview, Event::Approve, first),
        Some(OrderState::AwaitingPayment)
    );
    let pay_first = Facts {
        review_first: false,
        paid: false,
        due: true,
        shipped: false,
    };
    assert_eq!(
        next(OrderState::Verifying, Event::Verified, pay_first),
        Some(OrderState::AwaitingPayment)
    );
    assert_eq!(
        next(OrderState::AwaitingPayment, Event::Paid, pay_first),
        Some(OrderState::AwaitingReview)
    );
    let paid = Facts {
        review_first: false,
        paid: true,
        due: false,
        shipped: false,
    };
    assert_eq!(
        next(OrderState::AwaitingReview, Event::Approve, paid),
        Some(OrderState::AwaitingProduction)
    );
}

#[test]
fn paid_orders_are_refunded_not_cancelled() {
    let paid = Facts {
        review_first: false,
        paid: true,
        due: false,
        shipped: false,
    };
    assert_eq!(next(OrderState::AwaitingReview, Event::Cancel, paid), None);
    assert_eq!(
        next(OrderState::AwaitingReview, Event::Refund, paid),
        Some(OrderState::Refunded)
    );
    let unpaid = Facts {
        review_first: true,
        paid: false,
        due: true,
        shipped: false,
    };
    assert_eq!(
        next(OrderState::AwaitingReview, Event::Refund, unpaid),
        None
    );
    assert_eq!(next(OrderState::AwaitingPayment, Event::Paid, paid), None);
}

#[test]
fn finding_6_a_price_rise_after_payment_is_paid_before_review() {
    // Paid once, the price rose after a rejection: money is held and more is due.
    for review_first in [false, true] {
        let topped = Facts {
            review_first,
            paid: true,
            due: true,
            shipped: false,
        };
        let after_check = next(OrderState::Verifying, Event::Verified, topped);
        if review_first {
            assert_eq!(after_check, Some(OrderState::AwaitingReview));
            assert_eq!(
                next(OrderState::AwaitingReview, Event::Approve, topped),
                Some(OrderState::AwaitingPayment)
            );
        } else {
            assert_eq!(after_check, Some(OrderState::AwaitingPayment));
        }
        assert!(next(OrderState::AwaitingPayment, Event::Paid, topped).is_some());
        // The money held is refunded, never lost to a cancellation.
        assert_eq!(
            next(OrderState::AwaitingPayment, Event::Cancel, topped),
            None
        );
    }
}

#[test]
fn state_names_round_trip() {
    for state in ALL_STATES {
        assert_eq!(OrderState::parse(state.as_str()), Some(state));
    }
}
