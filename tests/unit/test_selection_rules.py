"""Role selection's rules: hidden nominations, the reveal, the change round, the proposal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import selection as sel

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
A, B, C, X = "UA", "UB", "UC", "UX"


def state(**kw) -> sel.State:
    base = sel.State(
        phase=sel.Phase.NOMINATING,
        started_by=A,
        participants=frozenset({A, B, C}),
        nominate_until=NOW + timedelta(days=2),
        change_until=NOW + timedelta(days=3),
    )
    return replace(base, **kw)


def test_default_deadlines_are_two_days_then_one_more() -> None:
    assert sel.deadlines(NOW) == (NOW + timedelta(days=2), NOW + timedelta(days=3))
    with pytest.raises(sel.SelectionDeadlines):
        sel.deadlines(NOW, NOW - timedelta(hours=1))
    with pytest.raises(sel.SelectionDeadlines):
        sel.deadlines(NOW, NOW + timedelta(days=2), NOW + timedelta(days=1))


def test_a_nomination_needs_a_reason_and_a_participant() -> None:
    with pytest.raises(sel.NominationReasonRequired):
        sel.nominate(state(), B, C, "   ", NOW)
    with pytest.raises(sel.NotAParticipant):
        sel.nominate(state(), X, C, "because", NOW)
    made = sel.nominate(state(), B, None, "I pass: too new here", NOW)
    assert made.nominee_id is None and made.first_reason == "I pass: too new here"


def test_a_nomination_after_the_deadline_or_the_reveal_names_when_it_closed() -> None:
    s = state()
    with pytest.raises(sel.NominationClosed) as late:
        sel.nominate(s, B, C, "why", s.nominate_until)
    assert late.value.closed_at == s.nominate_until
    revealed_at = NOW + timedelta(hours=5)
    with pytest.raises(sel.NominationClosed) as after:
        sel.nominate(state(phase=sel.Phase.CHANGING, revealed_at=revealed_at), B, C, "x", NOW)
    assert after.value.closed_at == revealed_at


def test_reveal_at_the_deadline_or_when_everyone_has_nominated() -> None:
    s = state()
    assert not sel.due_reveal(s, NOW)
    assert sel.due_reveal(s, s.nominate_until)
    all_in = {u: sel.Nominated(u, C, "r") for u in (A, B, C)}
    assert sel.due_reveal(state(nominations=all_in), NOW)
    assert not sel.due_reveal(state(phase=sel.Phase.CHANGING, nominations=all_in), NOW)


def test_the_change_round_keeps_the_first_nomination() -> None:
    first = sel.Nominated(B, C, "Chen ships", C, "Chen ships")
    s = state(phase=sel.Phase.CHANGING, revealed_at=NOW, nominations={B: first})
    changed = sel.change(s, B, A, "Alice knows the release train", NOW + timedelta(hours=1))
    assert (changed.nominee_id, changed.first_nominee_id) == (A, C)
    assert changed.first_reason == "Chen ships" and changed.changed
    with pytest.raises(sel.NominationReasonRequired):
        sel.change(s, B, A, "", NOW)
    with pytest.raises(sel.NominationClosed) as closed:
        sel.change(s, B, A, "late", s.change_until)
    assert closed.value.closed_at == s.change_until


def test_nobody_sees_others_nominations_before_the_reveal() -> None:
    mine = sel.Nominated(B, C, "r")
    theirs = sel.Nominated(C, A, "s")
    s = state(nominations={B: mine, C: theirs})
    assert sel.visible_to(s, B) == [mine]
    with pytest.raises(sel.NotAParticipant):
        sel.visible_to(s, X)
    shown = sel.visible_to(replace(s, phase=sel.Phase.CHANGING, revealed_at=NOW), X)
    assert shown == [mine, theirs]


def test_only_the_starter_proposes_and_only_after_the_reveal() -> None:
    with pytest.raises(sel.NominationsStillHidden):
        sel.check_propose(state(), A, C)
    revealed = state(phase=sel.Phase.PROPOSING, revealed_at=NOW)
    with pytest.raises(sel.NotTheStarter) as other:
        sel.check_propose(revealed, B, C)
    assert other.value.starter == A
    with pytest.raises(sel.NomineeRequired):
        sel.check_propose(revealed, A, None)
    with pytest.raises(sel.NotProposing):
        sel.check_propose(replace(revealed, phase=sel.Phase.CONSENT), A, C)
    assert sel.check_propose(revealed, A, C) == C


def test_the_tally_counts_per_nominee_with_reasons_passes_last() -> None:
    lines = sel.tally(
        [
            sel.Nominated(A, C, "steady"),
            sel.Nominated(B, None, "pass"),
            sel.Nominated(C, C, "I would like to"),
            sel.Nominated(X, A, "knows it"),
        ]
    )
    assert [(line.nominee_id, line.count) for line in lines] == [(C, 2), (A, 1), (None, 1)]
    assert lines[0].reasons == [(A, "steady"), (C, "I would like to")]


def test_a_term_runs_its_months_or_to_its_date() -> None:
    assert sel.term_end(date(2026, 8, 31), 6, None) == date(2027, 2, 28)
    assert sel.term_end(date(2026, 12, 1), None, date(2027, 5, 1)) == date(2027, 5, 1)
    assert sel.term_end(date(2026, 12, 1), 3, date(2026, 1, 1)) == date(2027, 3, 1)
