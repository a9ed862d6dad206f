"""Round phases on SQLite and PostgreSQL: the questions phase, who asked to be told, and the
sweep that opens answers (once, also with two replicas sweeping together)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain import consent as rules
from bot.services import consent
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OPENS = NOW + timedelta(days=1)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _open(sessions, **extra) -> consent.RoundView:
    draft = consent.Draft(
        title="", text="Try a four-day week", driver=None, item_id=None, responsibilities=None,
        evaluation=None, review_date=date(2027, 3, 1), deadline=NOW + timedelta(days=3),
        hidden=True, quorum=None, participants=["U1", "U2", "U3"], **extra,
    )  # fmt: skip
    return consent.open_round(
        sessions, team_id="T1", channel_id="C1", author_id="U1", draft=draft, now=NOW,
        today=NOW.date(),
    )  # fmt: skip


def _answers_open_rows(sessions) -> list[tuple[str, str]]:
    with sessions() as s:
        rows = s.scalars(select(models.Outbox).where(models.Outbox.key.like("answers-open:%")))
        return sorted((r.key, r.target) for r in rows)


def test_answers_are_refused_until_the_questions_phase_ends(sessions) -> None:
    rnd = _open(sessions, answers_open_at=OPENS, ask_response=True)
    assert (rnd.answers_open_at, rnd.ask_response, rnd.in_questions_phase) == (OPENS, True, True)
    with pytest.raises(rules.AnswersNotOpenYet) as refused:
        consent.answer(
            sessions, team_id="T1", round_id=rnd.id, user_id="U2",
            position=rules.Position.CONSENT, now=NOW,
        )  # fmt: skip
    assert refused.value.opens_at == OPENS
    assert consent.load(sessions, team_id="T1", round_id=rnd.id).answers == {}
    with sessions() as s:  # the reminder counts from when answers open, not from now
        assert s.get(models.ConsentRound, rnd.id).nudge_at == rules.nudge_time(
            OPENS, NOW + timedelta(days=3)
        )


def test_the_sweep_opens_answers_once_and_tells_who_asked(sessions) -> None:
    rnd = _open(sessions, answers_open_at=OPENS)
    for _ in range(2):  # asking twice is asking once
        consent.watch_opening(sessions, team_id="T1", round_id=rnd.id, user_id="U2", now=NOW)
    with pytest.raises(rules.NotAParticipant):
        consent.watch_opening(sessions, team_id="T1", round_id=rnd.id, user_id="U9", now=NOW)
    assert consent.open_answers_due(sessions, now=OPENS - timedelta(seconds=1)) == 0
    assert consent.open_answers_due(sessions, now=OPENS) == 1
    assert consent.open_answers_due(sessions, now=OPENS + timedelta(minutes=1)) == 0
    assert _answers_open_rows(sessions) == [(f"answers-open:{rnd.id}:U2", "U2")]
    view = consent.load(sessions, team_id="T1", round_id=rnd.id)
    assert view.answers_opened_at == OPENS and not view.in_questions_phase
    consent.answer(
        sessions, team_id="T1", round_id=rnd.id, user_id="U2",
        position=rules.Position.CONSENT, now=OPENS,
    )  # fmt: skip
    with pytest.raises(rules.AnswersAlreadyOpen):
        consent.watch_opening(sessions, team_id="T1", round_id=rnd.id, user_id="U3", now=OPENS)


def test_two_replicas_sweeping_together_open_each_round_once(sessions) -> None:
    rounds = [_open(sessions, answers_open_at=OPENS) for _ in range(5)]
    for rnd in rounds:
        consent.watch_opening(sessions, team_id="T1", round_id=rnd.id, user_id="U3", now=NOW)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda _: consent.open_answers_due(sessions, now=OPENS), range(2)))
    assert sum(done) == 5
    assert len(_answers_open_rows(sessions)) == 5


def test_a_round_without_questions_phase_is_never_swept(sessions) -> None:
    rnd = _open(sessions)
    assert not rnd.in_questions_phase
    assert consent.open_answers_due(sessions, now=NOW + timedelta(days=1)) == 0
    with pytest.raises(rules.AnswersAlreadyOpen):
        consent.watch_opening(sessions, team_id="T1", round_id=rnd.id, user_id="U2", now=NOW)


@pytest.mark.parametrize(
    ("until", "error"),
    [
        (NOW - timedelta(minutes=1), rules.QuestionsUntilInPast),
        (NOW + timedelta(days=3), rules.QuestionsUntilAfterDeadline),
        (NOW + timedelta(days=4), rules.QuestionsUntilAfterDeadline),
    ],
)
def test_the_questions_phase_ends_in_the_future_before_the_deadline(sessions, until, error) -> None:
    with pytest.raises(error):
        _open(sessions, answers_open_at=until)
    with sessions() as s:
        assert s.scalar(select(models.ConsentRound)) is None
