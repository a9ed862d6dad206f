"""What buttons and menus carry: one small model per kind, built and parsed here only.

The wire format stays the short colon-separated text that messages already posted carry.
A value is a hint, never proof: handlers re-check what it names against the store. One that
cannot be read (not numbers, out of range, wrong shape) is refused as `StaleRequest`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.errors import StaleRequest

# Ids are stored in 32-bit integer columns: anything beyond is not one of ours.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Offset = Annotated[int, Field(ge=0, le=2**31 - 1)]


class Value(BaseModel):
    """A value carried by an interactive element; `dump()` and `parse()` are inverse."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    parts: ClassVar[tuple[str, ...]]

    def dump(self) -> str:
        return ":".join("" if (v := getattr(self, p)) is None else str(v) for p in self.parts)

    @classmethod
    def parse(cls, raw: Any) -> Self:
        if not isinstance(raw, str) or len(raw) > 2000:
            raise StaleRequest()
        pieces = raw.split(":", len(cls.parts) - 1)
        if len(pieces) != len(cls.parts):
            raise StaleRequest()
        fields = {
            p: (v if v not in ("", "None") else None)
            for p, v in zip(cls.parts, pieces, strict=True)
        }
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise StaleRequest() from exc


class RoundValue(Value):
    """An answer or author button: the round it is about."""

    parts = ("round_id",)
    round_id: RowId


class ObjectionValue(Value):
    """An objection's button: the round and the objection it is about."""

    parts = ("round_id", "objection_id")
    round_id: RowId
    objection_id: RowId


class ReviewValue(Value):
    """A review button: the agreement and the review date the reminder was about."""

    parts = ("agreement_id", "review_date")
    agreement_id: RowId
    review_date: date


class PageValue(Value):
    """A backlog page button: which channel's list, from which position."""

    parts = ("channel_id", "offset")
    channel_id: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,30}$")]
    offset: Offset


class ItemMenuValue(Value):
    """An item's menu option: what to do, to which item, at the place the person saw it."""

    parts = ("action", "item_id", "rank")
    action: Annotated[str, Field(pattern=r"^[a-z_]{1,30}$")]
    item_id: RowId
    rank: Offset | None = None


class MeetingStepValue(Value):
    """A meeting control: the meeting, the step the person saw, and its item (if any)."""

    parts = ("meeting_id", "step", "item_id")
    meeting_id: RowId
    step: Offset
    item_id: RowId | None = None


class QuickConsentValue(Value):
    """A quick consent's button in a meeting: the check it is about."""

    parts = ("consent_id",)
    consent_id: RowId


class AgendaValue(Value):
    """The agenda message's objection button: the channel and its meeting's time (epoch)."""

    parts = ("channel_id", "meeting_at")
    channel_id: Annotated[str, Field(pattern=r"^[CG][A-Z0-9]{2,31}$")]
    meeting_at: Offset


class MinutesValue(Value):
    """The minutes' "Correct the minutes" button: the meeting they are of."""

    parts = ("meeting_id",)
    meeting_id: RowId


class HomeValue(Value):
    """A Home welcome button: the circle's channel its form is for (none: no circle yet)."""

    parts = ("channel_id",)
    channel_id: Annotated[str, Field(pattern=r"^[CG][A-Z0-9]{2,31}$")] | None = None


class ReviewRoundValue(Value):
    """A review round's answer button: the round it is about."""

    parts = ("review_round_id",)
    review_round_id: RowId


class AgreementValue(Value):
    """A button of an agreement shown in full: the agreement it is about."""

    parts = ("agreement_id",)
    agreement_id: RowId


class JoinValue(Value):
    """ "Add the bot to this channel": which channel, and what the command said (prefill)."""

    parts = ("channel_id", "text")
    channel_id: Annotated[str, Field(pattern=r"^[CG][A-Z0-9]{2,31}$")]
    text: Annotated[str, Field(max_length=1900)] | None = None


class HearingValue(Value):
    """A concern's "should it be heard?" button: the question it answers."""

    parts = ("hearing_id",)
    hearing_id: RowId
