"""Property tests of the domain rules: what holds for every round and every backlog."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import backlog
from bot.domain.consent import Answer, Outcome, Position, decide

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PEOPLE = [f"U{n}" for n in range(12)]

rounds = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=12, unique=True).flatmap(
    lambda people: st.tuples(
        st.just(people),
        st.dictionaries(
            st.sampled_from(people + ["U99"]),  # U99 answers without being asked
            st.sampled_from(list(Position)),
        ),
        st.none() | st.integers(min_value=1, max_value=100),
    )
)


@given(rounds)
def test_a_round_is_decided_the_s3_way(case) -> None:  # type: ignore[no-untyped-def]
    people, positions, quorum = case
    answers = {u: Answer(u, p, "why" if p is Position.OBJECTION else None, AT)
               for u, p in positions.items()}  # fmt: skip
    decision = decide(people, answers, quorum)
    asked = {u: p for u, p in positions.items() if u in people}
    objections = [u for u, p in asked.items() if p is Position.OBJECTION]
    started = [u for u, p in asked.items() if p is Position.OBJECTION_STARTED]
    # Only the people asked count; an objection without its reason does not count yet.
    assert set(decision.answered) == {u for u in asked if u not in started}
    assert set(decision.answered) | set(decision.silent) == set(people)
    assert decision.objections_without_reason == len(started)
    counted = len(decision.answered)
    quorum_met = not quorum or counted * 100 >= quorum * len(people)
    if not quorum_met:
        assert decision.outcome is Outcome.NO_QUORUM
    elif objections:
        assert decision.outcome is Outcome.OBJECTIONS  # an objection stands in the way
        assert {a.user_id for a in decision.objections} == set(objections)
    else:
        assert decision.outcome is Outcome.CONSENTED  # concerns never block
    assert decide(people, answers, quorum, withdrawn=True).outcome is Outcome.WITHDRAWN


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda total: st.tuples(
            st.just(total),
            st.integers(min_value=1, max_value=total),
            st.sampled_from(["up", "down", "top", "bottom"]) | st.integers(-1000, 1000),
        )
    )
)
def test_a_move_always_lands_inside_the_backlog(case) -> None:  # type: ignore[no-untyped-def]
    total, current, move = case
    item = backlog.BacklogItem(backlog.ItemStatus.BACKLOG, current, "C1")
    wanted = item.move(current, move, total)
    assert 1 <= wanted <= total
    if move == "top":
        assert wanted == 1
    if move == "bottom":
        assert wanted == total
    if move == "up":
        assert wanted == max(current - 1, 1)
    if move == "down":
        assert wanted == min(current + 1, total)


@given(st.text(max_size=4000))
def test_a_tension_is_stored_as_typed_or_refused_by_name(raw: str) -> None:
    try:
        text = backlog.clean_tension_text(raw)
    except (backlog.TensionEmpty, backlog.TensionTooLong):
        return
    assert text and text == text.strip() and len(text) <= backlog.MAX_TENSION_LENGTH
