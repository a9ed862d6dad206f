"""Role selection on SQLite and PostgreSQL: hidden nominations, the reveal (at once or by the
sweep), the change round, a nominee proposed and a real consent round on them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain import selection as rules
from bot.domain.consent import Position
from bot.domain.selection import Phase
from bot.services import consent, payloads, selection
from bot.store import models
from bot.store.db import make_engine, make_session_factory, transaction

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
TEAM, CH = "T1", "C1"
PEOPLE = ["U1", "U2", "U3"]
REVEAL = NOW + timedelta(hours=selection.NOMINATE_HOURS)
CHANGE_END = REVEAL + timedelta(hours=selection.CHANGE_HOURS)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _role(sessions, name: str = "Release lead", status: str = "active") -> int:
    with transaction(sessions) as s:
        role = models.Role(
            team_id=TEAM, channel_id=CH, name=name, name_key=name.casefold(), status=status,
            term_months=6, created_by="U1", created_at=NOW,
        )  # fmt: skip
        s.add(role)
        s.flush()
        return role.id


def _start(sessions, role="Release lead", people=PEOPLE, **kw) -> rules.Overview:
    return selection.start(
        sessions, team_id=TEAM, channel_id=CH, role=role, started_by="U1", participants=people,
        now=NOW, **kw,
    )  # fmt: skip


def _nominate(sessions, sel_id: int, user: str, nominee: str | None, reason="why not", at=NOW):
    return selection.nominate(
        sessions, team_id=TEAM, selection_id=sel_id, user_id=user, nominee_id=nominee,
        reason=reason, now=at,
    )  # fmt: skip


def _notices(sessions, event: str | None = None) -> list[payloads.SelectionNotice]:
    with sessions() as s:
        rows = s.scalars(select(models.Outbox).order_by(models.Outbox.id))
        found = [payloads.parse(r.payload) for r in rows]
    return [
        p
        for p in found
        if isinstance(p, payloads.SelectionNotice) and (event is None or p.event == event)
    ]


def _view(sessions, sel_id: int, viewer: str | None) -> rules.Overview:
    return selection.overview(sessions, team_id=TEAM, selection_id=sel_id, viewer_id=viewer)


def test_start_stores_it_and_refuses_a_second_and_an_unknown_role(sessions) -> None:
    role_id = _role(sessions)
    _role(sessions, "Facilitator")
    started = _start(sessions, role="release LEAD", people=["U2", "U1", "U2"])
    assert (started.role_id, started.phase, started.participants) == (
        role_id, Phase.NOMINATING, ("U1", "U2"),
    )  # fmt: skip
    assert (started.nominate_until, started.change_until) == (REVEAL, CHANGE_END)
    assert [n.event for n in _notices(sessions)] == ["started"]
    with pytest.raises(rules.SelectionAlreadyOpen) as already:
        _start(sessions, role=role_id)
    assert already.value.channel_id == CH
    with pytest.raises(rules.RoleNotFound) as unknown:
        _start(sessions, role="Gardener")
    assert unknown.value.names == ["Facilitator", "Release lead"]


def test_hidden_nominations_are_seen_only_by_their_author_before_the_reveal(sessions) -> None:
    _role(sessions)
    sel = _start(sessions)
    _nominate(sessions, sel.id, "U2", "U3", "U3 ships calmly")
    mine = _view(sessions, sel.id, "U2")
    assert [(n.user_id, n.nominee_id) for n in mine.nominations] == [("U2", "U3")]
    assert mine.mine is not None and mine.nominated_count == 1
    assert _view(sessions, sel.id, "U3").nominations == ()  # a participant sees only theirs
    assert _view(sessions, sel.id, "U9").nominations == ()  # not asked: sees nothing
    assert _view(sessions, sel.id, None).nominations == ()
    with pytest.raises(rules.NotAParticipant):
        _nominate(sessions, sel.id, "U9", "U3")
    with pytest.raises(rules.NominationReasonRequired):
        _nominate(sessions, sel.id, "U3", "U3", "  ")
    waiting = selection.awaiting_nomination(sessions, team_id=TEAM, user_id="U3")
    assert [o.id for o in waiting] == [sel.id]
    assert selection.awaiting_nomination(sessions, team_id=TEAM, user_id="U2") == []


def test_the_latest_counts_and_everyone_nominated_reveals_at_once(sessions) -> None:
    _role(sessions)
    sel = _start(sessions)
    _nominate(sessions, sel.id, "U1", "U2", "first thought")
    _nominate(sessions, sel.id, "U1", "U3", "second thought")
    _nominate(sessions, sel.id, "U2", None, "I pass")
    assert _view(sessions, sel.id, "U1").phase == Phase.NOMINATING
    assert _notices(sessions, "revealed") == []
    after = _nominate(sessions, sel.id, "U3", "U3", "I would like to")
    assert after.phase == Phase.CHANGING and after.revealed_at == NOW
    seen = _view(sessions, sel.id, "U9")  # after the reveal, anyone sees them all
    assert [(n.user_id, n.nominee_id, n.reason) for n in seen.nominations] == [
        ("U1", "U3", "second thought"), ("U2", None, "I pass"), ("U3", "U3", "I would like to"),
    ]  # fmt: skip
    assert [(t.nominee_id, t.count) for t in seen.tally] == [("U3", 2), (None, 1)]
    assert len(_notices(sessions, "revealed")) == 1
    assert selection.reveal_due(sessions, now=REVEAL) == 0  # revealed already

    # the change round: a change keeps the first nomination beside it
    changed = _nominate(sessions, sel.id, "U2", "U3", "convinced", at=NOW + timedelta(hours=1))
    assert changed.mine == rules.Nominated("U2", "U3", "convinced", None, "I pass", True)


def test_the_sweep_reveals_at_the_deadline_once(sessions) -> None:
    _role(sessions)
    sel = _start(sessions)
    _nominate(sessions, sel.id, "U2", "U3", "reason")
    assert selection.reveal_due(sessions, now=REVEAL - timedelta(seconds=1)) == 0
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(selection.reveal_due(sessions, now=REVEAL)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert selection.reveal_due(sessions, now=REVEAL + timedelta(minutes=5)) == 0
    assert len(_notices(sessions, "revealed")) == 1
    ov = _view(sessions, sel.id, "U9")
    assert ov.phase == Phase.CHANGING and [n.user_id for n in ov.nominations] == ["U2"]


def test_a_nomination_after_the_change_round_is_refused_with_the_time(sessions) -> None:
    _role(sessions)
    sel = _start(sessions)
    # the deadline passed before the sweep: the nomination reveals, then counts as a change
    late = _nominate(sessions, sel.id, "U3", "U2", "late", at=REVEAL + timedelta(minutes=1))
    assert late.phase == Phase.CHANGING and late.mine is not None and late.mine.changed
    with pytest.raises(rules.NominationClosed) as closed:
        _nominate(sessions, sel.id, "U2", "U2", "too late", at=CHANGE_END)
    assert closed.value.closed_at == CHANGE_END
    assert selection.proposing_due(sessions, now=CHANGE_END) == 1
    assert selection.proposing_due(sessions, now=CHANGE_END) == 0
    assert _view(sessions, sel.id, "U1").phase == Phase.PROPOSING
    assert [n.actor for n in _notices(sessions, "proposing")] == ["U1"]
    with pytest.raises(rules.NominationClosed) as again:
        _nominate(sessions, sel.id, "U2", "U2", "too late", at=CHANGE_END + timedelta(hours=1))
    assert again.value.closed_at == CHANGE_END


def _propose(sessions, sel_id: int, user: str = "U1", nominee: str | None = "U3", at=NOW):
    return selection.propose(
        sessions, team_id=TEAM, selection_id=sel_id, user_id=user, nominee_id=nominee, now=at,
        today=at.date(), text="U3 for Release lead",
    )  # fmt: skip


def _answer(sessions, round_id: int, user: str, position: Position, at: datetime) -> None:
    consent.answer(
        sessions, team_id=TEAM, round_id=round_id, user_id=user, position=position,
        reason="it would overload them" if position is Position.OBJECTION else None, now=at,
    )  # fmt: skip


def test_proposing_is_refused_while_hidden_and_to_anyone_but_the_starter(sessions) -> None:
    _role(sessions)
    sel = _start(sessions)
    with pytest.raises(rules.NominationsStillHidden):
        _propose(sessions, sel.id)
    for user in PEOPLE:
        _nominate(sessions, sel.id, user, "U3")
    with pytest.raises(rules.NotTheStarter) as refused:
        _propose(sessions, sel.id, user="U2")
    assert refused.value.starter == "U1"
    with pytest.raises(rules.NomineeRequired):
        _propose(sessions, sel.id, nominee=None)


def test_a_consented_nominee_holds_the_role_for_a_term(sessions) -> None:
    role_id = _role(sessions)
    sel = _start(sessions, people=["U1", "U2"])
    _nominate(sessions, sel.id, "U1", "U3", "calm")
    _nominate(sessions, sel.id, "U2", "U3", "careful")
    at = NOW + timedelta(hours=2)
    rnd = _propose(sessions, sel.id, at=at)
    assert sorted(rnd.participants) == ["U1", "U2", "U3"]  # the nominee answers too
    ov = _view(sessions, sel.id, "U1")
    assert (ov.phase, ov.nominee_id) == (Phase.CONSENT, "U3")
    with pytest.raises(rules.NotProposing):
        _propose(sessions, sel.id, at=at)
    for user in ("U1", "U2", "U3"):
        _answer(sessions, rnd.id, user, Position.CONSENT, at)
    assert consent.close_due(sessions, now=at + timedelta(minutes=1)) == [rnd.id]
    with sessions() as s:
        role = s.get(models.Role, role_id)
        assert (role.holder_id, role.term_start, role.term_end) == (
            "U3", at.date(), rules.term_end(at.date(), 6, None),
        )  # fmt: skip
        term = s.scalars(select(models.RoleTerm)).one()
        assert (term.holder_id, term.selection_id, term.ends) == ("U3", sel.id, role.term_end)
        assert s.scalars(select(models.Agreement)).all() == []  # the term is the record
        stored = s.get(models.Selection, sel.id)
        assert (stored.status, stored.proposal_id) == ("done", rnd.proposal_id)
    assert [(n.event, n.nominee_id) for n in _notices(sessions, "selected")] == [("selected", "U3")]
    _start(sessions)  # the role may be selected for again


def test_a_nominee_not_consented_lets_the_starter_propose_again(sessions) -> None:
    role_id = _role(sessions)
    sel = _start(sessions, people=["U1", "U2"])
    _nominate(sessions, sel.id, "U1", "U3", "calm")
    _nominate(sessions, sel.id, "U2", "U2", "me")
    at = NOW + timedelta(hours=2)
    rnd = _propose(sessions, sel.id, at=at)
    _answer(sessions, rnd.id, "U3", Position.OBJECTION, at)
    _answer(sessions, rnd.id, "U1", Position.CONSENT, at)
    _answer(sessions, rnd.id, "U2", Position.CONSENT, at)
    assert consent.close_due(sessions, now=at + timedelta(minutes=1)) == [rnd.id]
    ov = _view(sessions, sel.id, "U1")
    # back to proposing; the declined nominee stays on record until another is proposed
    assert (ov.phase, ov.nominee_id) == (Phase.PROPOSING, "U3")
    assert [n.nominee_id for n in _notices(sessions, "not_selected")] == ["U3"]
    with sessions() as s:
        assert s.get(models.Role, role_id).holder_id is None
    later = at + timedelta(hours=1)
    second = _propose(sessions, sel.id, nominee="U2", at=later)
    for user in ("U1", "U2"):
        _answer(sessions, second.id, user, Position.CONSENT, later)
    assert consent.close_due(sessions, now=later + timedelta(minutes=1)) == [second.id]
    with sessions() as s:
        assert s.get(models.Role, role_id).holder_id == "U2"
        assert s.get(models.Selection, sel.id).proposal_id == second.proposal_id
    assert [n.event for n in _notices(sessions)] == [
        "started", "revealed", "proposed", "not_selected", "proposed", "selected",
    ]  # fmt: skip
