"""Testing an objection, as pure rules: who may take which step, and where it leaves it."""

from __future__ import annotations

import pytest

from bot.domain.consent import NotAParticipant, NotTheAuthor, Position, ReasonTooLong
from bot.domain.objections import (
    Action,
    ConcernViewNeedsReason,
    NotQualifiedNeedsReason,
    NotYourObjection,
    Objection,
    ObjectionSettled,
    ObjectionStatus,
    OwnObjection,
    RefinedNeedsReason,
)

S = ObjectionStatus


def objection(status: ObjectionStatus = S.RAISED) -> Objection:
    return Objection(objector_id="U0CHEN", author_id="U0ALICE", status=status)


def test_the_objector_keeps_refines_or_turns_it_into_a_concern() -> None:
    assert objection().keep("U0CHEN").status is S.QUALIFIED
    refined = objection(S.QUALIFIED).refine("U0CHEN", "  Who checks them?  ")
    assert (refined.status, refined.reason) == (S.REFRAMED, "Who checks them?")
    assert objection(S.REFRAMED).to_concern("U0CHEN").status is S.CONCERN


@pytest.mark.parametrize("step", ["keep", "to_concern", "contest", "accept"])
def test_only_the_objector_takes_the_objectors_steps(step: str) -> None:
    status = S.NOT_QUALIFIED if step in ("contest", "accept") else S.RAISED
    with pytest.raises(NotYourObjection):
        getattr(objection(status), step)("U0BRAM")
    with pytest.raises(NotYourObjection):
        objection().refine("U0ALICE", "better")


def test_the_same_click_twice_changes_nothing_the_second_time() -> None:
    assert not objection(S.QUALIFIED).keep("U0CHEN").changed
    assert not objection(S.CONCERN).to_concern("U0CHEN").changed
    assert not objection(S.CONTESTED).contest("U0CHEN").changed
    assert not objection(S.ACCEPTED).accept("U0CHEN").changed


def test_a_participant_thinks_it_is_a_concern_with_a_reason() -> None:
    view = objection().think_concern("U0BRAM", " It can be tried ", participant=True)
    assert (view.action, view.status, view.reason) == (
        Action.THINK_CONCERN,
        None,
        "It can be tried",
    )
    with pytest.raises(ConcernViewNeedsReason):
        objection().think_concern("U0BRAM", "  ", participant=True)
    with pytest.raises(NotAParticipant):
        objection().think_concern("U0DANA", "why", participant=False)
    with pytest.raises(OwnObjection):
        objection().think_concern("U0CHEN", "why", participant=True)


def test_not_qualified_is_the_authors_and_needs_a_reason() -> None:
    marked = objection().not_qualified("U0ALICE", "It is about taste")
    assert (marked.status, marked.reason) == (S.NOT_QUALIFIED, "It is about taste")
    with pytest.raises(NotTheAuthor):
        objection().not_qualified("U0BRAM", "no")
    with pytest.raises(NotQualifiedNeedsReason):
        objection().not_qualified("U0ALICE", "")
    with pytest.raises(ReasonTooLong):
        objection().not_qualified("U0ALICE", "x" * 3001)
    with pytest.raises(RefinedNeedsReason):
        objection().refine("U0CHEN", None)


def test_not_qualified_is_contested_or_accepted_once() -> None:
    assert objection(S.NOT_QUALIFIED).contest("U0CHEN").status is S.CONTESTED
    assert objection(S.NOT_QUALIFIED).accept("U0CHEN").status is S.ACCEPTED
    with pytest.raises(ObjectionSettled):
        objection(S.CONTESTED).accept("U0CHEN")
    with pytest.raises(ObjectionSettled):
        objection(S.RAISED).contest("U0CHEN")  # nothing to contest yet
    with pytest.raises(ObjectionSettled):
        objection(S.CONCERN).keep("U0CHEN")
    with pytest.raises(ObjectionSettled):
        objection(S.ACCEPTED).not_qualified("U0ALICE", "again")


def test_a_dismissed_objection_does_not_block_the_decision() -> None:
    from datetime import UTC, datetime

    from bot.domain.consent import Answer, Outcome, decide

    at = datetime(2026, 12, 1, tzinfo=UTC)
    answers = {
        "U0ALICE": Answer("U0ALICE", Position.CONSENT, None, at),
        "U0CHEN": Answer("U0CHEN", Position.OBJECTION, "taste", at),
    }
    assert decide(["U0ALICE", "U0CHEN"], answers, None).outcome is Outcome.OBJECTIONS
    settled = decide(["U0ALICE", "U0CHEN"], answers, None, dismissed=frozenset({"U0CHEN"}))
    assert settled.outcome is Outcome.CONSENTED and settled.answered == ["U0ALICE", "U0CHEN"]


def test_consent_to_the_next_version_resolves_a_standing_objection() -> None:
    assert objection(S.QUALIFIED).resolution(Position.CONSENT).status is S.RESOLVED
    assert objection(S.CONTESTED).resolution(Position.CONCERN).status is S.RESOLVED
    assert objection(S.QUALIFIED).resolution(Position.OBJECTION) is None
    assert objection(S.QUALIFIED).resolution(None) is None  # no answer: not resolved
    assert objection(S.CONCERN).resolution(Position.CONSENT) is None  # nothing left to resolve


def test_the_author_defers_it_saying_who_takes_it_on_and_by_when() -> None:
    from bot.domain.objections import DeferralNeedsReason

    deferred = objection(S.CONTESTED).defer("U0ALICE", "Bram checks the notes, by March")
    assert (deferred.status, deferred.reason) == (S.DEFERRED, "Bram checks the notes, by March")
    with pytest.raises(NotTheAuthor):
        objection().defer("U0CHEN", "me")
    with pytest.raises(DeferralNeedsReason):
        objection().defer("U0ALICE", " ")
    assert objection(S.DEFERRED).resolution(Position.CONSENT) is None  # stays deferred
