"""Roles on SQLite and PostgreSQL: proposed by consent, decided, dropped, and terms ending."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain import roles as rules
from bot.domain.domains import DomainFields, DomainReviewDateInPast, PurposeRequired
from bot.services import roles, subjects
from bot.store import models
from bot.store.db import make_engine, make_session_factory, transaction

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
TEAM, CH = "T1", "C1"


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _draft(name: str = "Release lead", **kw) -> roles.RoleDraft:
    return roles.RoleDraft(
        name=name,
        fields=kw.pop("fields", DomainFields(purpose="Ship releases calmly")),
        review_date=kw.pop("review_date", date(2027, 3, 1)),
        term_months=kw.pop("term_months", 6),
        **kw,
    )


def _propose(sessions, name: str = "Release lead", role_id: int | None = None, **kw):
    return roles.propose(
        sessions, team_id=TEAM, channel_id=CH, author_id="U1", draft=_draft(name, **kw),
        text=roles.RoundText(title=f"Role: {name}", text="Ship releases calmly"),
        deadline=NOW + timedelta(days=3), now=NOW, today=TODAY, role_id=role_id,
    )  # fmt: skip


def _decide(sessions, round_id: int, *, consent: bool) -> None:
    with transaction(sessions) as s:
        rnd = s.get(models.ConsentRound, round_id)
        proposal = s.get(models.Proposal, rnd.proposal_id)
        if consent and rnd.evolves_agreement_id:  # the consent service evolves that one
            agreement = s.get(models.Agreement, rnd.evolves_agreement_id)
        elif consent:
            number = (s.scalar(select(func.max(models.Agreement.number))) or 0) + 1
            agreement = models.Agreement(
                team_id=TEAM, channel_id=CH, number=number, title=rnd.title, text=rnd.text,
                review_date=rnd.review_date, author_id="U1", status="active",
                responsible_ids="[]", created_at=NOW,
            )  # fmt: skip
            s.add(agreement)
            s.flush()
        if consent:
            subjects.consented(s, rnd, proposal, agreement, NOW)
        else:
            subjects.not_consented(s, rnd, proposal, "objections", NOW)


def test_a_consented_role_is_active_vacant_and_listed(sessions) -> None:
    rnd = _propose(sessions)
    assert rnd.title == "Role: Release lead"
    assert roles.list_roles(sessions, team_id=TEAM, channel_id=CH) == []  # proposed: not listed yet
    _decide(sessions, rnd.id, consent=True)
    [summary] = roles.list_roles(sessions, team_id=TEAM, channel_id=CH)
    assert (summary.name, summary.purpose, summary.holder_id, summary.proposed) == (
        "Release lead", "Ship releases calmly", None, False,
    )  # fmt: skip
    detail = roles.detail(sessions, team_id=TEAM, channel_id=CH, name="RELEASE LEAD")
    assert detail.status == "active" and detail.agreement_id is not None
    assert [(v.version, v.status) for v in detail.versions] == [(1, "current")]


def test_a_taken_name_is_refused_naming_the_role_and_a_declined_one_is_free(sessions) -> None:
    rnd = _propose(sessions)
    with pytest.raises(rules.RoleNameTaken) as taken:
        _propose(sessions, "release  LEAD")
    assert taken.value.existing == "Release lead"
    _decide(sessions, rnd.id, consent=False)
    assert roles.list_roles(sessions, team_id=TEAM, channel_id=CH) == []
    _propose(sessions, "Release Lead")  # free again


def test_form_problems(sessions) -> None:
    found = roles.problems(
        sessions, _draft(fields=DomainFields(purpose=" "), term_until=date(2026, 11, 1),
                         review_date=date(2026, 11, 2)),
        team_id=TEAM, channel_id=CH, today=TODAY,
    )  # fmt: skip
    assert [type(p) for p in found] == [
        PurposeRequired,
        rules.TermEndInPast,
        DomainReviewDateInPast,
    ]


def test_evolving_keeps_the_old_description_until_consented(sessions) -> None:
    rnd = _propose(sessions)
    _decide(sessions, rnd.id, consent=True)
    role_id = roles.list_roles(sessions, team_id=TEAM, channel_id=CH)[0].id
    second = _propose(sessions, role_id=role_id, fields=DomainFields(purpose="Ship weekly"))
    with pytest.raises(rules.RoleChangePending):
        _propose(sessions, role_id=role_id)
    [summary] = roles.list_roles(sessions, team_id=TEAM, channel_id=CH)
    assert summary.proposed and summary.purpose == "Ship releases calmly"
    _decide(sessions, second.id, consent=False)
    assert (
        roles.list_roles(sessions, team_id=TEAM, channel_id=CH)[0].purpose == "Ship releases calmly"
    )
    third = _propose(sessions, role_id=role_id, fields=DomainFields(purpose="Ship weekly"))
    _decide(sessions, third.id, consent=True)
    detail = roles.detail(sessions, team_id=TEAM, channel_id=CH, name="release lead")
    assert detail.fields.purpose == "Ship weekly"
    assert [(v.version, v.status) for v in detail.versions] == [
        (3, "current"), (2, "declined"), (1, "superseded"),
    ]  # fmt: skip


def _held_role(sessions, end: date) -> int:
    rnd = _propose(sessions)
    _decide(sessions, rnd.id, consent=True)
    with transaction(sessions) as s:
        role = s.scalars(select(models.Role)).one()
        role.holder_id, role.term_start, role.term_end = "U2", TODAY - timedelta(days=150), end
        s.add(models.RoleTerm(team_id=TEAM, role_id=role.id, holder_id="U2",
                              starts=role.term_start, ends=end, created_at=NOW))  # fmt: skip
        return role.id


def _count(sessions, model, **where) -> int:
    with sessions() as s:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return s.scalar(stmt)


def test_term_notice_once_even_from_parallel_sweeps_then_vacant_once(sessions) -> None:
    role_id = _held_role(sessions, TODAY + timedelta(days=20))
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(roles.term_notices_due(sessions, now=NOW)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert roles.term_notices_due(sessions, now=NOW + timedelta(days=1)) == 0
    assert _count(sessions, models.BacklogItem, next_step="select") == 1
    with sessions() as s:
        item = s.scalars(select(models.BacklogItem)).one()
        assert item.text == "Select someone for the role Release lead"
    with sessions() as s:  # the holder's DM, once (the author's round controls aside)
        dms = [o.key for o in s.scalars(select(models.Outbox).where(models.Outbox.kind == "dm"))]
    assert [k for k in dms if k.startswith("role-term-ending-dm:")] == [
        f"role-term-ending-dm:{role_id}:{(TODAY + timedelta(days=20)).isoformat()}"
    ]
    assert roles.vacate_due(sessions, now=NOW) == 0  # not yet
    end = NOW + timedelta(days=20)
    assert roles.vacate_due(sessions, now=end) == 1
    assert roles.vacate_due(sessions, now=end + timedelta(hours=1)) == 0
    with sessions() as s:
        role = s.get(models.Role, role_id)
        assert role.holder_id is None and role.vacated_for == end.date()
        assert s.scalars(select(models.RoleTerm)).one().ended_at is not None


def test_dropping_ends_the_term_and_the_agreement(sessions) -> None:
    role_id = _held_role(sessions, TODAY + timedelta(days=90))
    roles.drop(sessions, team_id=TEAM, channel_id=CH, role_id=role_id, actor="U1", now=NOW)
    assert roles.list_roles(sessions, team_id=TEAM, channel_id=CH) == []
    with sessions() as s:
        assert s.get(models.Role, role_id).status == "dropped"
        assert s.scalars(select(models.Agreement)).one().status == "dropped"
    with pytest.raises(rules.RoleNotActive):
        roles.drop(sessions, team_id=TEAM, channel_id=CH, role_id=role_id, actor="U1", now=NOW)
