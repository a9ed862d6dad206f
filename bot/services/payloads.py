"""What an outbox row carries: one small pydantic model per kind of message, parsed in one place.

Services queue `Payload` values (`payloads.dump(...)`), the delivery side reads them back
with `payloads.parse(...)` and looks the sender up by the model's type.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy.orm import Session

from bot.store import outbox_repo


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RoundMessage(_Payload):
    """A new round's message in its channel; for a whole-channel round, its people are
    resolved (conversations.members) just before, after the commit that stored the round."""

    type: Literal["round_message"] = "round_message"
    round_id: int
    whole_channel: bool = False


class RoundResult(_Payload):
    """The result of a closed round, in the round message's thread (and the channel)."""

    type: Literal["round_result"] = "round_result"
    round_id: int


class RoundResultAuthor(_Payload):
    """The result of a closed round, to its author by DM."""

    type: Literal["round_result_author"] = "round_result_author"
    round_id: int


class RoundAuthorControls(_Payload):
    """The author's own controls of a new round (close now, withdraw, send to the meeting,
    extend), by DM; kept up to date with the round."""

    type: Literal["round_author_controls"] = "round_author_controls"
    round_id: int


class ConcernHearingAsk(_Payload):
    """After consent: to a person who recorded a concern, should it be heard?"""

    type: Literal["concern_hearing_ask"] = "concern_hearing_ask"
    hearing_id: int


class RoundNudge(_Payload):
    """A reminder to a participant who has not answered an open round yet."""

    type: Literal["round_nudge"] = "round_nudge"
    round_id: int


class RoundAnswersOpen(_Payload):
    """To a participant who asked: the round's questions phase is over, answers are open."""

    type: Literal["round_answers_open"] = "round_answers_open"
    round_id: int


class ObjectionThread(_Payload):
    """An objection's own place: a reply in the round's thread, where it is tested."""

    type: Literal["objection_thread"] = "objection_thread"
    objection_id: int


class ObjectionUpdate(_Payload):
    """An objection's thread reply, brought up to date after a step of its test."""

    type: Literal["objection_update"] = "objection_update"
    objection_id: int


class ObjectionConcernView(_Payload):
    """To the objector: a participant thinks their objection is a concern (step `step_id`)."""

    type: Literal["objection_concern_view"] = "objection_concern_view"
    objection_id: int
    step_id: int


class ObjectionNotQualified(_Payload):
    """To the objector: the author says their objection does not qualify (step `step_id`)."""

    type: Literal["objection_not_qualified"] = "objection_not_qualified"
    objection_id: int
    step_id: int


class ResolutionCheck(_Payload):
    """To the objector: how the amended version resolves their objection; does it?"""

    type: Literal["resolution_check"] = "resolution_check"
    objection_id: int


class AgreementEvent(_Payload):
    """A notice in the channel that an agreement was kept, evolved, dropped or snoozed."""

    type: Literal["agreement_event"] = "agreement_event"
    agreement_id: int
    event_id: int


class TensionAnnouncement(_Payload):
    """A new tension or driver, told to its channel, with the backlog's length then."""

    type: Literal["tension"] = "tension"
    item_id: int
    open_count: int


class CadenceSet(_Payload):
    """The channel's governance meeting rhythm was set (by whom, and when it was saved)."""

    type: Literal["cadence_set"] = "cadence_set"
    channel_id: str
    actor: str
    saved_at: datetime


class MeetingAgenda(_Payload):
    """A governance meeting's agenda, posted the day before."""

    type: Literal["agenda"] = "agenda"
    circle_id: int
    meeting_at: datetime


class MeetingStarted(_Payload):
    """A governance meeting started: its "in progress" message, and the check-in in its thread."""

    type: Literal["meeting_started"] = "meeting_started"
    meeting_id: int


class MeetingStep(_Payload):
    """The meeting moved on: the item it takes up now (or that the backlog is done), in its thread."""

    type: Literal["meeting_step"] = "meeting_step"
    meeting_id: int
    step: int


class MeetingClosing(_Payload):
    """Past the last item: the meeting's evaluation and check-out, in its thread."""

    type: Literal["meeting_closing"] = "meeting_closing"
    meeting_id: int


class MeetingMinutes(_Payload):
    """A meeting ended (by its facilitator or the sweep): its minutes, in the channel."""

    type: Literal["meeting_minutes"] = "meeting_minutes"
    meeting_id: int


class MeetingCheck(_Payload):
    """A quick consent opened in a meeting: its message, in the meeting's thread."""

    type: Literal["meeting_check"] = "meeting_check"
    consent_id: int


class MeetingCheckResult(_Payload):
    """A quick consent closed by the facilitator: its result, in the meeting's thread."""

    type: Literal["meeting_check_result"] = "meeting_check_result"
    consent_id: int


class MeetingRoundStarted(_Payload):
    """A consent round started from a meeting's item: said in the meeting's thread."""

    type: Literal["meeting_round_started"] = "meeting_round_started"
    meeting_id: int
    round_id: int


class ChannelWelcome(_Payload):
    """The bot's welcome in a channel it was invited to (once per channel)."""

    type: Literal["channel_welcome"] = "channel_welcome"
    channel_id: str


# ---- roles (issue 10): a role's notices (dropped, term ending, vacant)
class RoleNotice(_Payload):
    """A role was dropped, its term ends soon (the circle; `dm`: its holder), or it fell
    vacant at its term's end. `holder_id` and `term_end` are the ones it was about."""

    type: Literal["role_notice"] = "role_notice"
    role_id: int
    event: Literal["dropped", "term_ending", "term_ending_dm", "vacant"]
    actor: str | None = None
    holder_id: str | None = None
    term_end: date | None = None


class RoleGroupSync(_Payload):
    """Bring the role's Slack user group in line with the role as it stands now (its holder,
    or disabled when vacant or dropped); the workspace chose to keep one per role."""

    type: Literal["role_group_sync"] = "role_group_sync"
    role_id: int


# ---- role selection (issue 10): a selection's steps, told in its channel
class SelectionNotice(_Payload):
    """A selection started, its nominations were revealed, its change round ended (the
    starter is asked to propose), a nominee was proposed, selected or not selected."""

    type: Literal["selection_notice"] = "selection_notice"
    selection_id: int
    event: Literal["started", "revealed", "proposing", "proposed", "selected", "not_selected"]
    nominee_id: str | None = None
    actor: str | None = None


# ---- reviews by the circle (issue 11, part 7)
class ReviewRoundMessage(_Payload):
    """A review round's message in the agreement's channel, with its answer buttons."""

    type: Literal["review_round_message"] = "review_round_message"
    round_id: int


class ReviewRoundClosed(_Payload):
    """A review round closed: kept, objections to the backlog, or decided from a reminder
    meanwhile (superseded); told in its thread, its message brought up to date."""

    type: Literal["review_round_closed"] = "review_round_closed"
    round_id: int
    event: Literal["kept", "objected", "superseded"]


class EarlyReviewAsked(_Payload):
    """To a person responsible: someone asked for an early review (a backlog item)."""

    type: Literal["early_review_asked"] = "early_review_asked"
    agreement_id: int
    item_number: int
    actor: str


# ---- the logbook as a canvas (issue 13, part 6)
class CanvasSync(_Payload):
    """Make or rebuild the channel's logbook canvas from the records as they stand when it is
    sent; `requested_by` (with a `response_url` hint) when someone asked and is told."""

    type: Literal["canvas_sync"] = "canvas_sync"
    channel_id: str
    requested_by: str | None = None
    response_url: str | None = None


Payload = Annotated[
    RoundMessage
    | RoundResult
    | RoundResultAuthor
    | RoundNudge
    | RoundAnswersOpen
    | RoundAuthorControls
    | ConcernHearingAsk
    | ObjectionThread
    | ObjectionUpdate
    | ObjectionConcernView
    | ObjectionNotQualified
    | ResolutionCheck
    | AgreementEvent
    | MeetingAgenda
    | TensionAnnouncement
    | CadenceSet
    | MeetingStarted
    | MeetingStep
    | MeetingClosing
    | MeetingMinutes
    | MeetingCheck
    | MeetingCheckResult
    | MeetingRoundStarted
    | ChannelWelcome
    # roles (issue 10)
    | RoleNotice
    | RoleGroupSync
    | SelectionNotice
    # reviews by the circle (issue 11, part 7)
    | ReviewRoundMessage
    | ReviewRoundClosed
    | EarlyReviewAsked
    # the logbook as a canvas (issue 13, part 6)
    | CanvasSync,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Payload] = TypeAdapter(Payload)


def dump(payload: _Payload) -> dict[str, Any]:
    """The row's JSON-ready form."""
    return payload.model_dump(mode="json")


def queue(
    session: Session,
    *,
    team_id: str,
    key: str,
    target: str,
    payload: _Payload,
    now: datetime,
    kind: str = "channel",
    not_before: datetime | None = None,
) -> None:
    """Queue a message in the outbox, in the caller's transaction (once per key); it goes out
    from `not_before` on (now when not given)."""
    outbox_repo.enqueue(
        session, team_id=team_id, key=key, kind=kind, target=target, payload=dump(payload),
        now=now, not_before=not_before,
    )  # fmt: skip


def queue_many(
    session: Session,
    team_id: str,
    messages: Sequence[tuple[str, str, _Payload]],
    now: datetime,
) -> None:
    """Queue channel messages (key, target, payload) of one workspace in one statement, in
    the caller's transaction (once per key), going out now."""
    outbox_repo.enqueue_many(
        session, team_id, [(key, "channel", target, dump(p)) for key, target, p in messages], now
    )


def parse(data: str | bytes | dict[str, Any]) -> Payload:
    """Read a row's payload back (a pydantic ValidationError when it is not one we know)."""
    if isinstance(data, dict):
        return _ADAPTER.validate_python(data)
    return _ADAPTER.validate_json(data)
