"""Pure rules of a consent round: who may answer, close, withdraw, extend and amend, and
what a close decides (objections, quorum, deadline, everyone answered)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import consent as rules
from bot.domain.consent import Answer, CloseRequest, Outcome, Position, Round, RoundStatus

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=3)
AUTHOR, OTHER = "U0ALICE", "U0BRAM"


def open_round(**fields) -> Round:
    return Round(AUTHOR, RoundStatus.OPEN, None, DEADLINE, **fields)


def closed_round(outcome: Outcome) -> Round:
    return Round(AUTHOR, RoundStatus.CLOSED, outcome, DEADLINE, closed_at=NOW)


def answer(user: str, position: Position, reason: str | None = None) -> Answer:
    return Answer(user, position, reason, NOW)


# ---------------------------------------------------------------- answering


def test_a_participant_may_answer_an_open_round() -> None:
    open_round().check_answer(NOW, participant=True)


def test_only_participants_may_answer() -> None:
    with pytest.raises(rules.NotAParticipant):
        open_round().check_answer(NOW, participant=False)


def test_no_answers_after_the_deadline() -> None:
    with pytest.raises(rules.RoundClosed) as refused:
        open_round().check_answer(DEADLINE, participant=True)
    assert refused.value.closed_at == DEADLINE
    assert not open_round().takes_answers(DEADLINE)


def test_no_answers_once_closed_even_from_a_non_participant() -> None:
    with pytest.raises(rules.RoundClosed) as refused:
        closed_round(Outcome.CONSENTED).check_answer(NOW, participant=False)
    assert refused.value.closed_at == NOW


# ---------------------------------------------------------------- the author's actions


@pytest.mark.parametrize("withdraw", [False, True])
def test_only_the_author_may_close_or_withdraw(withdraw: bool) -> None:
    with pytest.raises(rules.NotTheAuthor):
        open_round().close_request(OTHER, withdraw=withdraw)


def test_the_author_closes_or_withdraws_an_open_round() -> None:
    assert open_round().close_request(AUTHOR, withdraw=False) is CloseRequest.CLOSE
    assert open_round().close_request(AUTHOR, withdraw=True) is CloseRequest.WITHDRAW


@pytest.mark.parametrize("outcome", [Outcome.OBJECTIONS, Outcome.NO_QUORUM])
def test_a_round_without_agreement_can_still_be_withdrawn(outcome: Outcome) -> None:
    request = closed_round(outcome).close_request(AUTHOR, withdraw=True)
    assert request is CloseRequest.WITHDRAW_RESULT
    with pytest.raises(rules.RoundClosed):
        closed_round(outcome).close_request(AUTHOR, withdraw=False)


def test_a_consented_round_cannot_be_withdrawn() -> None:
    with pytest.raises(rules.RoundClosed):
        closed_round(Outcome.CONSENTED).close_request(AUTHOR, withdraw=True)


def test_only_the_author_may_amend_and_only_once_closed() -> None:
    with pytest.raises(rules.NotTheAuthor):
        closed_round(Outcome.OBJECTIONS).check_amend(OTHER)
    with pytest.raises(rules.RoundStillOpen):
        open_round().check_amend(AUTHOR)
    closed_round(Outcome.OBJECTIONS).check_amend(AUTHOR)


def test_only_the_author_may_extend() -> None:
    with pytest.raises(rules.NotTheAuthor):
        open_round().check_extend(OTHER)
    with pytest.raises(rules.NotTheAuthor):
        open_round().extension(OTHER, NOW + timedelta(days=2), NOW)


def test_extending_moves_an_open_deadline_and_reopens_a_round_without_quorum() -> None:
    later = NOW + timedelta(days=2)
    assert open_round().extension(AUTHOR, later, NOW) is False
    assert closed_round(Outcome.NO_QUORUM).extension(AUTHOR, later, NOW) is True
    with pytest.raises(rules.RoundClosed):
        closed_round(Outcome.OBJECTIONS).extension(AUTHOR, later, NOW)


def test_a_new_deadline_obeys_the_deadline_rules() -> None:
    with pytest.raises(rules.DeadlineTooSoon):
        open_round().extension(AUTHOR, NOW + timedelta(minutes=30), NOW)
    with pytest.raises(rules.DeadlineInPast):
        closed_round(Outcome.NO_QUORUM).extension(AUTHOR, NOW, NOW)


# ---------------------------------------------------------------- when a round closes, and how


def test_due_at_the_deadline_on_request_or_when_everyone_answered() -> None:
    people = [AUTHOR, OTHER]
    some = {AUTHOR: answer(AUTHOR, Position.CONSENT)}
    everyone = {**some, OTHER: answer(OTHER, Position.CONCERN)}
    round_ = open_round()
    assert not round_.due(NOW, requested=False, participants=people, answers=some)
    assert round_.due(DEADLINE, requested=False, participants=people, answers=some)
    assert round_.due(NOW, requested=True, participants=people, answers=some)
    assert round_.due(NOW, requested=False, participants=people, answers=everyone)


def test_a_started_objection_is_not_an_answer() -> None:
    people = [AUTHOR, OTHER]
    answers = {
        AUTHOR: answer(AUTHOR, Position.CONSENT),
        OTHER: answer(OTHER, Position.OBJECTION_STARTED),
    }
    assert not open_round().due(NOW, requested=False, participants=people, answers=answers)
    decision = rules.decide(people, answers, None)
    assert decision.outcome is Outcome.CONSENTED and decision.objections_without_reason == 1


def test_an_objection_with_its_reason_stops_consent() -> None:
    answers = {OTHER: answer(OTHER, Position.OBJECTION, "Who checks them?")}
    assert rules.decide([AUTHOR, OTHER], answers, None).outcome is Outcome.OBJECTIONS


def test_no_decision_without_quorum() -> None:
    people = [AUTHOR, OTHER, "U0CHEN"]
    answers = {AUTHOR: answer(AUTHOR, Position.CONSENT)}
    assert rules.decide(people, answers, 60).outcome is Outcome.NO_QUORUM
    answers[OTHER] = answer(OTHER, Position.CONSENT)
    assert rules.decide(people, answers, 60).outcome is Outcome.CONSENTED


def test_withdrawn_wins_over_everything() -> None:
    answers = {OTHER: answer(OTHER, Position.OBJECTION, "no")}
    assert rules.decide([OTHER], answers, None, withdrawn=True).outcome is Outcome.WITHDRAWN


def test_the_author_check_stands_alone_for_proposals() -> None:
    rules.check_author(AUTHOR, AUTHOR)
    with pytest.raises(rules.NotTheAuthor):
        rules.check_author(AUTHOR, OTHER)


# ---------------------------------------------------------------- phases and hidden answers

OPENS = NOW + timedelta(days=1)


def test_no_answers_during_the_questions_phase_then_answers_open() -> None:
    rnd = open_round(answers_open_at=OPENS)
    with pytest.raises(rules.AnswersNotOpenYet) as refused:
        rnd.check_answer(NOW, participant=True)
    assert refused.value.opens_at == OPENS and not rnd.takes_answers(NOW)
    rnd.check_answer(OPENS, participant=True)
    assert rnd.takes_answers(OPENS) and not rnd.in_questions(OPENS)


def test_only_participants_ask_to_be_told_and_only_during_questions() -> None:
    rnd = open_round(answers_open_at=OPENS)
    rnd.check_watch(NOW, participant=True)
    with pytest.raises(rules.NotAParticipant):
        rnd.check_watch(NOW, participant=False)
    with pytest.raises(rules.AnswersAlreadyOpen):
        rnd.check_watch(OPENS, participant=True)
    with pytest.raises(rules.AnswersAlreadyOpen):
        open_round().check_watch(NOW, participant=True)


@pytest.mark.parametrize(
    ("until", "error"),
    [
        (NOW, rules.QuestionsUntilInPast),
        (DEADLINE, rules.QuestionsUntilAfterDeadline),
        (DEADLINE + timedelta(hours=1), rules.QuestionsUntilAfterDeadline),
    ],
)
def test_questions_end_after_now_and_before_the_deadline(until, error) -> None:
    with pytest.raises(error):
        rules.check_questions_until(until, DEADLINE, NOW)
    rules.check_questions_until(None, DEADLINE, NOW)
    rules.check_questions_until(OPENS, DEADLINE, NOW)


def test_an_extension_keeps_the_deadline_after_the_questions_phase() -> None:
    rnd = open_round(answers_open_at=NOW + timedelta(days=2))
    with pytest.raises(rules.QuestionsUntilAfterDeadline):
        rnd.extension(AUTHOR, NOW + timedelta(days=1), NOW)
    assert rnd.answers_open(NOW) == NOW + timedelta(days=2)
    assert open_round().answers_open(NOW) == NOW


def test_reactions_count_only_where_answers_are_public() -> None:
    assert open_round(hidden=False).counts_reaction()
    assert not open_round(hidden=True).counts_reaction()
