"""Read models: what the builders render (a round, an agreement, an agenda, ...).

Services fill them; `bot.blocks` imports them from here and never imports a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.domain import consent as rules
from bot.domain.backlog import ItemView
from bot.domain.consent import (
    Answer,
    Decision,
    Outcome,
    RoundStatus,
)
from bot.domain.domains import DomainFields
from bot.domain.meeting import Appointed, EvaluationSummary
from bot.domain.objections import Action, ObjectionStatus, Resolution
from bot.domain.review import AgreementStatus
from bot.domain.rhythm import Cadence


@dataclass(frozen=True)
class ObjectionStep:
    """One step of an objection's test: who did what, when, why, and the status it left."""

    id: int
    action: Action
    actor_id: str
    status: ObjectionStatus
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ObjectionView:
    """An objection under test, with its round's essentials and its history."""

    id: int
    team_id: str
    round_id: int
    channel_id: str
    user_id: str
    author_id: str
    reason: str
    status: ObjectionStatus
    message_ts: str | None
    round_title: str
    round_message_ts: str | None
    round_open: bool
    item_number: int | None = None  # the backlog item of a contested objection
    history: list[ObjectionStep] = field(default_factory=list)
    moved_on: bool = False  # the proposal was withdrawn or amended: no longer tested here
    resolution: Resolution | None = None  # how the amended version resolves it (the author)
    resolution_how: str | None = None
    resolution_owner: str | None = None  # a deferral's owner
    resolution_date: date | None = None  # a deferral's date, or the earlier review date
    resolved_in: int | None = None  # the amended version's round

    def step(self, step_id: int) -> ObjectionStep | None:
        """One step of its history, by id."""
        return next((s for s in self.history if s.id == step_id), None)

    @property
    def concern_views(self) -> list[ObjectionStep]:
        """Participants who think it is a concern, with their reasons."""
        return [s for s in self.history if s.action is Action.THINK_CONCERN]


@dataclass(frozen=True)
class RoundView:
    """A round with everything needed to show it."""

    id: int
    team_id: str
    channel_id: str
    proposal_id: int
    proposal_number: int
    version: int
    author_id: str
    title: str
    text: str
    driver: str | None
    item_number: int | None
    responsibilities: str | None
    evaluation: str | None
    review_date: date
    deadline: datetime
    hidden: bool
    quorum: int | None
    status: RoundStatus
    outcome: Outcome | None
    closed_at: datetime | None
    message_ts: str | None
    participants: list[str]
    answers: dict[str, Answer]
    agreement_number: int | None = None
    responsible_ids: list[str] = field(default_factory=list)
    evolves_agreement_id: int | None = None
    answers_open_at: datetime | None = None  # the end of the questions phase, if it has one
    answers_opened_at: datetime | None = None  # when the sweep opened answers
    ask_response: bool = False  # participants give a brief response in the thread first
    objections: list[ObjectionView] = field(default_factory=list)  # each under test
    result_ts: str | None = None  # the result's thread reply, once posted
    sent_to_meeting_at: datetime | None = None  # sent to the governance meeting by its author
    meeting_for: datetime | None = None  # that meeting (None: the next, no rhythm set)
    controls: tuple[str, str] | None = None  # the author's DM control message (channel, ts)
    decided_at_meeting: date | None = None  # decided by a quick consent at the meeting of then
    meeting_id: int | None = None  # the governance meeting it was started from

    @property
    def in_questions_phase(self) -> bool:
        """Whether the message still shows the questions phase (answers not opened yet)."""
        return self.answers_open_at is not None and self.answers_opened_at is None

    @property
    def answered_count(self) -> int:
        """How many participants gave an answer that counts."""
        return len(rules.counted(self.answers, self.participants))

    def decision(self) -> Decision:
        """The current count, as it would be decided now."""
        return rules.decide(
            self.participants,
            self.answers,
            self.quorum,
            withdrawn=self.outcome is Outcome.WITHDRAWN,
            dismissed=self.dismissed,
        )

    @property
    def dismissed(self) -> frozenset[str]:
        """Objectors whose objection was accepted as not qualified: it does not block."""
        return frozenset(o.user_id for o in self.objections if o.status is ObjectionStatus.ACCEPTED)


@dataclass(frozen=True)
class RoundBrief:
    """What answering needs to say back: which round, its title and deadline."""

    id: int
    channel_id: str
    title: str
    deadline: datetime
    text: str = ""
    complete: bool = False  # every participant has given an answer that counts
    opens_at: datetime | None = None  # answers open then (a questions phase), if later


@dataclass(frozen=True)
class ReactionAnswer:
    """What an answer reaction on a round's message did."""

    brief: RoundBrief
    counted: bool  # False: answers are hidden (a reaction is seen by all), or not open yet
    too_early: bool = False  # not counted because the round is still in its questions phase


@dataclass(frozen=True)
class Waiting:
    """A round that waits for one person's answer."""

    round_id: int
    channel_id: str
    title: str
    deadline: datetime
    message_ts: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an agreement's history."""

    id: int
    action: str
    actor_id: str | None
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class Describes:
    """What an agreement is the consented description of: a circle's domain or a role."""

    channel_id: str
    role_id: int | None  # None: the circle's own domain


@dataclass(frozen=True)
class ConcernHeard:
    """After consent: whether a recorded concern should be heard, and what should happen."""

    id: int
    round_id: int
    channel_id: str
    title: str
    user_id: str
    reason: str | None
    answer: str | None  # "hear", "recorded", or None (not answered yet)
    follow_up: str | None = None
    item_number: int | None = None  # the backlog item "hear it" added
    agreement_number: int | None = None


@dataclass(frozen=True)
class AgreementView:
    """An agreement as people see it."""

    id: int
    team_id: str
    channel_id: str
    number: int
    title: str
    text: str
    driver: str | None
    responsibilities: str | None
    evaluation: str | None
    concerns: list[dict[str, Any]]
    review_date: date
    status: AgreementStatus
    author_id: str
    responsible_ids: list[str]
    version: int
    round_id: int | None
    created_at: datetime
    history: list[HistoryEntry] = field(default_factory=list)
    describes: Describes | None = None  # evolved through /domain or /role, not as plain text
    # The objections to earlier versions, each with how the amendment resolved it.
    resolutions: list[ObjectionView] = field(default_factory=list)
    hearings: list[ConcernHeard] = field(default_factory=list)  # concerns, heard or not

    @property
    def recipients(self) -> list[str]:
        """Who is reminded of its review."""
        return self.responsible_ids or [self.author_id]


@dataclass(frozen=True)
class ReviewAnswerView:
    """One answer in a review round."""

    user_id: str
    answer: str  # keep | change | object
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ReviewRoundView:
    """The circle's review round on an agreement, with the agreement as it stands."""

    id: int
    team_id: str
    channel_id: str
    agreement: AgreementView
    review_date: date
    started_by: str
    participants: list[str]
    status: str  # open | kept | objected | superseded
    closes_at: datetime
    message_ts: str | None
    answers: list[ReviewAnswerView]
    item_number: int | None = None
    decided_by: str | None = None
    decided_action: str | None = None
    next_review: date | None = None
    closed_at: datetime | None = None

    @property
    def objections(self) -> list[ReviewAnswerView]:
        return [a for a in self.answers if a.answer == "object"]


@dataclass(frozen=True)
class CadenceView:
    """A channel's meeting rhythm and its next meeting."""

    team_id: str
    channel_id: str
    cadence: Cadence
    next_meeting_at: datetime | None
    duration_minutes: int = 90
    facilitator_id: str | None = None
    secretary_id: str | None = None  # None: the facilitator records the meeting


@dataclass(frozen=True)
class DueAgreement:
    """An agreement in force that comes up for review by the meeting."""

    id: int
    number: int
    title: str
    review_date: date


@dataclass(frozen=True)
class Agenda:
    """What the circle works on at its next governance meeting."""

    team_id: str
    channel_id: str
    meeting_at: datetime | None  # None: no meeting scheduled
    cadence: Cadence | None
    items: list[ItemView]  # the top of the backlog, in rank order
    open_count: int
    agreements: list[DueAgreement]  # in force, review date on or before the meeting's date
    more_agreements: int
    review_cutoff: date  # the meeting's local date (today's, without a meeting)
    today: date  # in the meeting's timezone (UTC without a cadence)
    terms_ending: list[HeldRole] = field(default_factory=list)  # by the meeting's date
    selections: list[WaitingSelection] = field(default_factory=list)  # open in the circle
    learnings: Learnings | None = None  # the last meeting's evaluation, looked at before this one
    rounds: list[MeetingRound] = field(default_factory=list)  # sent to it, or contested there
    facilitator: Appointed | None = None  # who facilitates the meeting, and why
    secretary: Appointed | None = None  # who records it, and why


@dataclass(frozen=True)
class MeetingObjection:
    """An open objection a governance meeting takes up (contested: not qualified, disputed)."""

    user_id: str
    reason: str
    contested: bool = False


@dataclass(frozen=True)
class MeetingRound:
    """A round the circle takes up at its meeting: sent by its author, or with a contested
    objection; with its open objections."""

    round_id: int
    proposal_number: int
    version: int
    title: str
    author_id: str
    sent: bool
    objections: list[MeetingObjection] = field(default_factory=list)


@dataclass(frozen=True)
class Learnings:
    """What the circle learned from its last meeting's evaluation."""

    local_date: date
    summary: EvaluationSummary


@dataclass(frozen=True)
class HandledItem:
    """An item a meeting handled, and what became of it (as the minutes show it)."""

    number: int
    text: str
    outcome: str  # bot.domain.meeting.Outcome
    next_step: str | None = None
    due_date: date | None = None
    reason: str | None = None
    agreement: bool = False  # an agreement's review, not a backlog item
    proposal: bool = False  # a round sent to the meeting, not a backlog item
    title: str | None = None  # the agreement's title, when it was agreed by quick consent


@dataclass(frozen=True)
class StartedRound:
    """A consent round started from a meeting (a proposal formed on its item), as its
    minutes list it."""

    round_id: int
    proposal_number: int
    title: str
    message_ts: str | None = None
    link: str | None = None  # a permalink to the round's message, when Slack gave one


@dataclass(frozen=True)
class QuickAnswerView:
    """One person's answer to a meeting's quick consent."""

    user_id: str
    answer: str  # bot.domain.quick_consent.QuickAnswer
    reason: str | None = None


@dataclass(frozen=True)
class QuickConsentView:
    """A quick consent check in a meeting, with its answers (shown once closed, or at once
    when not hidden)."""

    id: int
    team_id: str
    meeting_id: int
    channel_id: str
    facilitator_id: str
    kind: str  # bot.domain.quick_consent.CheckKind
    status: str  # bot.domain.quick_consent.CheckStatus
    hidden: bool
    answers: list[QuickAnswerView]
    attendees: list[str]
    thread_ts: str | None = None
    message_ts: str | None = None
    proposal: str | None = None
    review_date: date | None = None
    item_number: int | None = None
    item_text: str | None = None
    subject_date: date | None = None  # the meeting whose minutes are consented to
    agreement_number: int | None = None
    agreement_title: str | None = None
    # The agreement a proposal decided now becomes: its title as given (None: the
    # proposal's first line), responsibilities, evaluation criteria, the people responsible.
    title: str | None = None
    responsibilities: str | None = None
    evaluation: str | None = None
    responsible_ids: list[str] = field(default_factory=list)
    round_id: int | None = None  # the round sent to the meeting that it decides


@dataclass(frozen=True)
class MeetingView:
    """A governance meeting, running or closed, with what it handled so far."""

    id: int
    team_id: str
    channel_id: str
    facilitator_id: str
    started_at: datetime
    planned_end_at: datetime
    local_date: date
    tz: str
    step: int
    is_open: bool
    message_ts: str | None
    current: ItemView | None
    attendees: list[str]
    handled: list[HandledItem]
    ended_at: datetime | None = None
    ended_by: str | None = None
    item_started_at: datetime | None = None  # when the current item was taken up
    item_extra_minutes: int = 0  # added to its estimate by the facilitator
    closing_at: datetime | None = None  # when the closing step was posted
    evaluation: EvaluationSummary | None = None
    checks: list[QuickConsentView] = field(default_factory=list)  # quick consents, in order
    current_agreement: AgreementView | None = None  # a review taken up, after the items
    agenda_objections: list[QuickAnswerView] = field(default_factory=list)  # raised beforehand
    secretary_id: str | None = None  # who may correct the minutes (None: the facilitator)
    correction: str | None = None  # the secretary's correction of the minutes
    corrected_by: str | None = None
    corrected_at: datetime | None = None
    minutes_consented: bool = False  # consented to at a later meeting: no more corrections
    current_round: MeetingRound | None = None  # a round sent to it, after the reviews
    current_round_text: str | None = None  # that round's proposal text
    facilitator_as: Appointed | None = None  # why they facilitate (a running meeting)
    secretary_as: Appointed | None = None  # why they record it (a running meeting)
    rounds_started: list[StartedRound] = field(default_factory=list)  # from its items


@dataclass(frozen=True)
class RunningMeeting:
    """A governance meeting running now, as the Home tab points to it."""

    channel_id: str
    facilitator_id: str
    message_ts: str | None  # its thread hangs from this message (None: not posted yet)
    link: str | None = None  # a permalink to that message, when Slack gave one


@dataclass(frozen=True)
class MeetingOverview:
    """What `/meeting` shows: the rhythm, the next meeting, and the one running now."""

    channel_id: str
    cadence: CadenceView | None
    next_meeting_at: datetime | None
    running: MeetingView | None
    facilitator: Appointed | None = None  # who facilitates the meetings, and why
    secretary: Appointed | None = None


@dataclass(frozen=True)
class HeldRole:
    """A role someone holds, and until when."""

    channel_id: str
    name: str
    term_end: date | None
    holder_id: str | None = None


@dataclass(frozen=True)
class WaitingSelection:
    """A role selection waiting for the person: their nomination, or their changed one."""

    selection_id: int
    channel_id: str
    role_name: str
    status: str  # nominating | changing
    until: datetime
    nominated: bool  # they have nominated (in the change round: they may still change it)


@dataclass(frozen=True)
class CircleLinks:
    """A circle's place among the others: who delegated its domain, whom it delegated to."""

    channel_id: str
    parent_channel_id: str | None
    children: tuple[str, ...]


@dataclass(frozen=True)
class Structure:
    """The Home tab's part on roles and circles."""

    roles: list[HeldRole] = field(default_factory=list)
    selections: list[WaitingSelection] = field(default_factory=list)
    circles: list[CircleLinks] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.roles or self.selections or any(
            c.parent_channel_id or c.children for c in self.circles
        ))  # fmt: skip


@dataclass(frozen=True)
class DomainView:
    """A circle's domain as `/domain` shows it."""

    channel_id: str
    fields: DomainFields | None  # None: no description in force yet
    review_date: date | None
    version: int | None
    agreement_id: int | None
    pending: bool  # a new description is in a consent round
    parent_channel_id: str | None
    children: list[str] = field(default_factory=list)
