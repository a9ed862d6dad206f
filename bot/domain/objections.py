"""Testing an objection (S3): others say why they doubt it qualifies, the objector keeps it,
refines it or lets it become a concern, the author may say it does not qualify (the objector
contests that, which takes it to the next governance meeting, or accepts it). Pure rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.consent import (
    MAX_REASON_LENGTH,
    NotAParticipant,
    NotTheAuthor,
    Position,
    ReasonTooLong,
)
from bot.domain.errors import DomainError


class ObjectionStatus(StrEnum):
    """Where an objection stands in its test (and how it ended)."""

    RAISED = "raised"  # given with the answer; not tested yet
    QUALIFIED = "qualified"  # the objector keeps it as an objection
    REFRAMED = "reframed"  # the objector refined its reason
    CONCERN = "concern"  # became a concern: it does not block, it is kept with the agreement
    NOT_QUALIFIED = "not_qualified"  # the author says it does not qualify; the objector answers
    CONTESTED = "contested"  # not qualified, contested: the next governance meeting settles it
    ACCEPTED = "accepted"  # not qualified, and the objector accepted that: it does not block
    RESOLVED = "resolved"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"  # the objector changed their answer while the round was open


class Action(StrEnum):
    """What someone does to an objection (its history records each, with who, when, why)."""

    RAISED = "raised"
    THINK_CONCERN = "think_concern"  # a participant thinks it is a concern (does not change it)
    KEEP = "keep"
    REFINE = "refine"
    TO_CONCERN = "to_concern"
    NOT_QUALIFIED = "not_qualified"
    CONTEST = "contest"
    ACCEPT = "accept"
    WITHDRAW = "withdraw"
    DEFER = "defer"  # the author defers the part it is about: who takes it on, by when
    RESOLVE = "resolve"  # the objector consented to (or had only a concern with) the next version
    AMEND = "amend"  # the author says how the amended version resolves it
    TO_MEETING = "to_meeting"  # the author: not resolved, take it to the governance meeting
    CONFIRM = "confirm"  # the objector: yes, the amendment resolves it
    NOT_RESOLVED = "not_resolved"  # the objector: no, it does not (with a reason)
    SETTLE = "settle"  # the governance meeting resolved the contested objection


class Resolution(StrEnum):
    """How an amended version resolves one objection (the author's choice, per objection)."""

    TEXT = "text"  # a change to the proposal's text
    DEFERRAL = "deferral"  # a provision with an owner and a date, recorded in the agreement
    MONITORING = "monitoring"  # added to the evaluation criteria
    REVIEW = "review"  # an earlier review date
    MEETING = "meeting"  # not resolved: take it to the governance meeting


# Not blocking: the proposal may become an agreement without a new round.
NOT_BLOCKING = frozenset({ObjectionStatus.CONCERN, ObjectionStatus.ACCEPTED})
# Still being tested: the objector, the participants and the author can act on it.
UNDER_TEST = frozenset(
    {ObjectionStatus.RAISED, ObjectionStatus.QUALIFIED, ObjectionStatus.REFRAMED}
)


# Still blocking when the proposal is amended: the amendment says how it resolves each.
NEEDS_RESOLUTION = UNDER_TEST


# ---------------------------------------------------------------- rule failures


class NotYourObjection(DomainError):
    """Only the person who raised an objection keeps, refines, turns, contests or accepts it."""


class OwnObjection(DomainError):
    """The objector does not tell themselves it is a concern: they turn it into one."""


class ObjectionSettled(DomainError):
    """The objection is no longer open to this (it became a concern, was accepted, ...)."""

    def __init__(self, status: ObjectionStatus) -> None:
        super().__init__(status.value)
        self.status = status


class NotQualifiedNeedsReason(DomainError):
    """Saying an objection does not qualify always says why."""


class ConcernViewNeedsReason(DomainError):
    """Thinking an objection is a concern always says why."""


class RefinedNeedsReason(DomainError):
    """A refined objection still carries its reason."""


class ProposalMovedOn(DomainError):
    """The round's proposal moved on (withdrawn, or amended into a newer version): its
    objections are no longer tested in this round."""


class DeferralNeedsReason(DomainError):
    """Deferring says who takes it on, and by when."""


class ObjectionNotFound(DomainError):
    """No such objection in this round of this workspace."""


class ResolutionProblem(DomainError):
    """The amend form leaves one objection's resolution incomplete (`slot`: its place in the
    form; `objector_id`: whose objection it is)."""

    def __init__(self, slot: int, objector_id: str) -> None:
        super().__init__(f"{slot}:{objector_id}")
        self.slot = slot
        self.objector_id = objector_id


class ResolutionChoiceMissing(ResolutionProblem):
    """Every open objection gets a resolution (or is taken to the meeting, explicitly)."""


class ResolutionHowMissing(ResolutionProblem):
    """A text change or monitoring says what it is."""


class DeferralOwnerMissing(ResolutionProblem):
    """A deferral names who takes it on."""


class ResolutionDateMissing(ResolutionProblem):
    """A deferral says by when; an earlier review says when."""


class ResolutionDatePast(ResolutionProblem):
    """A deferral's or an earlier review's date lies ahead."""


class NotYourResolution(NotYourObjection):
    """Only the objector says whether the amendment resolves their objection."""


class NothingToConfirm(DomainError):
    """The objector is asked about a resolution only when the amendment gave one."""


class NotResolvedNeedsReason(DomainError):
    """Saying the amendment does not resolve an objection always says why."""


@dataclass(frozen=True)
class Resolved:
    """What the author says about one objection in the amend form."""

    objection_id: int
    kind: Resolution
    how: str | None = None
    owner_id: str | None = None  # a deferral's owner
    on: date | None = None  # a deferral's date, or the earlier review date


def check_resolution(
    slot: int,
    objector_id: str,
    kind: Resolution | None,
    how: str | None,
    owner_id: str | None,
    on: date | None,
    today: date,
) -> list[ResolutionProblem]:
    """What one objection's part of the amend form still lacks (none: it is complete)."""
    if kind is None:
        return [ResolutionChoiceMissing(slot, objector_id)]
    found: list[ResolutionProblem] = []
    if kind in (Resolution.TEXT, Resolution.MONITORING) and not (how or "").strip():
        found.append(ResolutionHowMissing(slot, objector_id))
    if kind is Resolution.DEFERRAL and not owner_id:
        found.append(DeferralOwnerMissing(slot, objector_id))
    if kind in (Resolution.DEFERRAL, Resolution.REVIEW):
        if on is None:
            found.append(ResolutionDateMissing(slot, objector_id))
        elif on < today:
            found.append(ResolutionDatePast(slot, objector_id))
    return found


def clean(reason: str | None, missing: type[DomainError]) -> str:
    """A required reason, trimmed; `missing` when blank, ReasonTooLong over the limit."""
    text = (reason or "").strip()
    if not text:
        raise missing()
    if len(text) > MAX_REASON_LENGTH:
        raise ReasonTooLong()
    return text


@dataclass(frozen=True)
class Change:
    """What an action did: the new status (None: unchanged) and the reason it records."""

    action: Action
    status: ObjectionStatus | None
    reason: str | None = None

    @property
    def changed(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class Objection:
    """An objection under test: who raised it, on whose proposal, where it stands."""

    objector_id: str
    author_id: str
    status: ObjectionStatus

    def _objector(self, user_id: str) -> None:
        if user_id != self.objector_id:
            raise NotYourObjection()

    def _to(self, target: ObjectionStatus, allowed: Iterable[ObjectionStatus]) -> bool:
        """Whether the move changes anything (the same click twice: no); refused when the
        objection stands where the move is not open to it."""
        if self.status is target:
            return False
        if self.status not in allowed:
            raise ObjectionSettled(self.status)
        return True

    def think_concern(self, user_id: str, reason: str | None, *, participant: bool) -> Change:
        """A participant thinks this is a concern, and says why; the objector is told."""
        if user_id == self.objector_id:
            raise OwnObjection()
        if not participant:
            raise NotAParticipant()
        if self.status not in (*UNDER_TEST, ObjectionStatus.NOT_QUALIFIED):
            raise ObjectionSettled(self.status)
        return Change(Action.THINK_CONCERN, None, clean(reason, ConcernViewNeedsReason))

    def keep(self, user_id: str) -> Change:
        """The objector keeps it as an objection: it qualifies."""
        self._objector(user_id)
        moved = self._to(ObjectionStatus.QUALIFIED, UNDER_TEST)
        return Change(Action.KEEP, ObjectionStatus.QUALIFIED if moved else None)

    def refine(self, user_id: str, reason: str | None) -> Change:
        """The objector says it better: a new reason, the objection reframed."""
        self._objector(user_id)
        text = clean(reason, RefinedNeedsReason)
        if self.status not in UNDER_TEST:
            raise ObjectionSettled(self.status)
        return Change(Action.REFINE, ObjectionStatus.REFRAMED, text)

    def to_concern(self, user_id: str) -> Change:
        """The objector lets it become a concern: it no longer blocks."""
        self._objector(user_id)
        allowed = (*UNDER_TEST, ObjectionStatus.NOT_QUALIFIED, ObjectionStatus.CONTESTED)
        moved = self._to(ObjectionStatus.CONCERN, allowed)
        return Change(Action.TO_CONCERN, ObjectionStatus.CONCERN if moved else None)

    def not_qualified(self, user_id: str, reason: str | None) -> Change:
        """The proposal's author says it does not qualify, and why; the objector answers."""
        if user_id != self.author_id:
            raise NotTheAuthor()
        text = clean(reason, NotQualifiedNeedsReason)
        moved = self._to(ObjectionStatus.NOT_QUALIFIED, UNDER_TEST)
        return Change(Action.NOT_QUALIFIED, ObjectionStatus.NOT_QUALIFIED if moved else None, text)

    def contest(self, user_id: str) -> Change:
        """The objector contests "not qualified": the next governance meeting settles it."""
        self._objector(user_id)
        moved = self._to(ObjectionStatus.CONTESTED, (ObjectionStatus.NOT_QUALIFIED,))
        return Change(Action.CONTEST, ObjectionStatus.CONTESTED if moved else None)

    def accept(self, user_id: str) -> Change:
        """The objector accepts "not qualified": it no longer blocks."""
        self._objector(user_id)
        moved = self._to(ObjectionStatus.ACCEPTED, (ObjectionStatus.NOT_QUALIFIED,))
        return Change(Action.ACCEPT, ObjectionStatus.ACCEPTED if moved else None)

    def settle(self) -> Change:
        """The governance meeting resolves a contested objection (its facilitator records it)."""
        moved = self._to(ObjectionStatus.RESOLVED, (ObjectionStatus.CONTESTED,))
        return Change(Action.SETTLE, ObjectionStatus.RESOLVED if moved else None)

    def settle_by_decision(self) -> Change:
        """The governance meeting decided the proposal (amended to resolve its objections) by
        a quick consent of the people present: an objection still open is resolved."""
        allowed = (*UNDER_TEST, ObjectionStatus.NOT_QUALIFIED, ObjectionStatus.CONTESTED)
        moved = self._to(ObjectionStatus.RESOLVED, allowed)
        return Change(Action.SETTLE, ObjectionStatus.RESOLVED if moved else None)

    def defer(self, user_id: str, reason: str | None) -> Change:
        """The author defers the part of the proposal it is about, saying who takes it on and
        by when; the amended proposal goes to a new round."""
        if user_id != self.author_id:
            raise NotTheAuthor()
        text = clean(reason, DeferralNeedsReason)
        allowed = (*UNDER_TEST, ObjectionStatus.NOT_QUALIFIED, ObjectionStatus.CONTESTED)
        moved = self._to(ObjectionStatus.DEFERRED, allowed)
        return Change(Action.DEFER, ObjectionStatus.DEFERRED if moved else None, text)

    def resolution(self, position: Position | None) -> Change | None:
        """The objector's answer to the amended proposal's round: consent, or only a concern,
        says their objection is resolved (None: it is not, or it no longer stands)."""
        still = (*UNDER_TEST, ObjectionStatus.NOT_QUALIFIED, ObjectionStatus.CONTESTED)
        if self.status not in still or position not in (Position.CONSENT, Position.CONCERN):
            return None
        return Change(Action.RESOLVE, ObjectionStatus.RESOLVED)

    def answer_resolution(
        self, user_id: str, resolved: bool, reason: str | None, *, kind: Resolution | None
    ) -> Change:
        """The objector says whether the amendment resolves their objection: yes marks it
        resolved; no says why (it still stands). Yes twice: nothing new; no after yes: settled."""
        if user_id != self.objector_id:
            raise NotYourResolution()
        if kind is None or kind is Resolution.MEETING:
            raise NothingToConfirm()
        if resolved:
            moved = self._to(ObjectionStatus.RESOLVED, NEEDS_RESOLUTION)
            return Change(Action.CONFIRM, ObjectionStatus.RESOLVED if moved else None)
        text = clean(reason, NotResolvedNeedsReason)
        if self.status not in NEEDS_RESOLUTION:
            raise ObjectionSettled(self.status)
        return Change(Action.NOT_RESOLVED, self.status, text)
