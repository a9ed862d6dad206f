"""A quick consent check in a governance meeting: to the last minutes, to the agenda, or to a
proposal formed on an item and decided now. Pure rules.

Only the people present (who checked in) answer, consent or objection; an objection carries its
reason. The facilitator closes the check: no objection means consent. Answers may stay hidden
until the close.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.consent import MAX_REASON_LENGTH, ObjectionNeedsReason, ReasonTooLong
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
