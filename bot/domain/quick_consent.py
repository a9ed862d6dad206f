"""A quick consent check in a governance meeting: to the last minutes, to the agenda, or to a
proposal formed on an item and decided now. Pure rules.

Only the people present (who checked in) answer, consent or objection; an objection carries its
reason. The facilitator closes the check: no objection means consent. Answers may stay hidden
until the close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.consent import (
    MAX_FIELD_LENGTH,
    MAX_REASON_LENGTH,
    MAX_TITLE_LENGTH,
    ObjectionNeedsReason,
    ReasonTooLong,
    ReviewDateMissing,
    check_review_date,
    clean_proposal,
)
from bot.domain.errors import DomainError


class CheckKind(StrEnum):
    """What a quick consent is about."""

    MINUTES = "minutes"  # the last meeting's minutes
    AGENDA = "agenda"  # this meeting's agenda
    ITEM = "item"  # a proposal formed on the current item, decided now
    ROUND = "round"  # a round sent to the meeting, its proposal (amended) decided now


class QuickAnswer(StrEnum):
    """An answer to a quick consent."""

    CONSENT = "consent"
    OBJECTION = "objection"


class CheckStatus(StrEnum):
    """Where a quick consent stands."""

    OPEN = "open"
    CONSENTED = "consented"
    OBJECTED = "objected"


class NotCheckedIn(DomainError):
    """Only the people who checked in answer the meeting's quick consents."""


class CheckClosed(DomainError):
    """The quick consent has been closed; it takes no more answers."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def clean_answer(answer: str | None, reason: str | None) -> tuple[QuickAnswer, str | None]:
    """The answer as given; ObjectionNeedsReason for an objection without its reason."""
    chosen = QuickAnswer(answer or QuickAnswer.CONSENT)
    text = (reason or "").strip()
    if len(text) > MAX_REASON_LENGTH:
        raise ReasonTooLong()
    if chosen is QuickAnswer.OBJECTION and not text:
        raise ObjectionNeedsReason()
    return chosen, text or None


class AgendaPast(DomainError):
    """The meeting this agenda is of has been held; its agenda takes no more objections."""


class NotInChannel(DomainError):
    """Only the channel's members object to its agenda."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


def clean_agenda_objection(reason: str | None) -> str:
    """An objection to the agenda, with its reason; ObjectionNeedsReason without one."""
    return clean_answer(QuickAnswer.OBJECTION, reason)[1] or ""


MAX_CORRECTION = 3000


class NotTheSecretary(DomainError):
    """Only the meeting's secretary corrects its minutes."""

    def __init__(self, secretary_id: str) -> None:
        super().__init__(secretary_id)
        self.secretary_id = secretary_id


class MinutesConsented(DomainError):
    """The minutes were consented to at a later meeting: they stand as they are."""


def require_may_correct(secretary_id: str, user_id: str, consented: bool) -> None:
    """The secretary corrects the minutes until a later meeting consents to them."""
    if user_id != secretary_id:
        raise NotTheSecretary(secretary_id)
    if consented:
        raise MinutesConsented()


def clean_correction(text: str | None) -> str | None:
    """The correction as typed (blank: none)."""
    return (text or "").strip()[:MAX_CORRECTION] or None


def require_open(status: str) -> None:
    """Answers and the close only while the check is open."""
    if status != CheckStatus.OPEN:
        raise CheckClosed(status)


def require_present(user_id: str, attendees: Iterable[str]) -> None:
    """Only someone who checked in answers."""
    if user_id not in set(attendees):
        raise NotCheckedIn(user_id)


def result(answers: Iterable[str]) -> CheckStatus:
    """No objection among the answers: consented; objected otherwise."""
    if any(a == QuickAnswer.OBJECTION for a in answers):
        return CheckStatus.OBJECTED
    return CheckStatus.CONSENTED


# ---------------------------------------------------------------- a proposal decided now


class FieldTooLong(DomainError):
    """A field of the agreement is longer than it may be."""

    limit = MAX_FIELD_LENGTH

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length


class TitleTooLong(FieldTooLong):
    """The agreement's title is longer than a title may be."""

    limit = MAX_TITLE_LENGTH


class ResponsibilitiesTooLong(FieldTooLong):
    """Who is responsible for what is longer than a field may be."""


class EvaluationTooLong(FieldTooLong):
    """The evaluation criteria are longer than a field may be."""


@dataclass(frozen=True)
class Decision:
    """A proposal formed on an item and decided now, with the agreement it becomes: its
    title (None: the proposal's first line), responsibilities, evaluation criteria, the
    people responsible (none: the facilitator is reminded of the review) and review date."""

    proposal: str | None
    review_date: date | None
    title: str | None = None
    responsibilities: str | None = None
    evaluation: str | None = None
    responsible_ids: tuple[str, ...] = ()


def _text(value: str | None, too_long: type[FieldTooLong]) -> str | None:
    text = (value or "").strip()
    if len(text) > too_long.limit:
        raise too_long(len(text))
    return text or None


def _review(review: date | None, today: date) -> date:
    if review is None:
        raise ReviewDateMissing()
    check_review_date(review, today)
    return review


def decision_problems(decision: Decision, today: date) -> list[DomainError]:
    """Every rule the decision breaks, in the form's order (none: it may be asked)."""
    checks: tuple[Callable[[], object], ...] = (
        lambda: _text(decision.title, TitleTooLong),
        lambda: clean_proposal(decision.proposal),
        lambda: _text(decision.responsibilities, ResponsibilitiesTooLong),
        lambda: _text(decision.evaluation, EvaluationTooLong),
        lambda: _review(decision.review_date, today),
    )
    found: list[DomainError] = []
    for check in checks:
        try:
            check()
        except DomainError as exc:
            found.append(exc)
    return found


def clean_decision(decision: Decision, today: date) -> Decision:
    """The decision as it is stored: text trimmed, blank fields None, each person once; the
    first rule it breaks raised."""
    for problem in decision_problems(decision, today):
        raise problem
    return Decision(
        proposal=clean_proposal(decision.proposal),
        review_date=decision.review_date,
        title=_text(decision.title, TitleTooLong),
        responsibilities=_text(decision.responsibilities, ResponsibilitiesTooLong),
        evaluation=_text(decision.evaluation, EvaluationTooLong),
        responsible_ids=tuple(sorted({u for u in decision.responsible_ids if u and u.isalnum()})),
    )


def agreement_title(title: str | None, proposal: str) -> str:
    """The agreement's title: the one given, else the proposal's first line (shortened)."""
    chosen = (title or "").strip() or proposal.strip().splitlines()[0].strip()
    if len(chosen) <= MAX_TITLE_LENGTH:
        return chosen
    return chosen[: MAX_TITLE_LENGTH - 1].rstrip() + "…"
