"""One table: each named rule failure, and what the person is told (and in which form field).

Listeners never phrase a refusal themselves: `bot.runtime.listeners` looks the error up
here, for a modal submission (`response_action: errors` on the field named first that the
form has), an ephemeral reply, or work that failed after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.blocks import common, ids
from bot.blocks.text import mention, slack_date
from bot.domain import consent
from bot.domain import review as reviews
from bot.domain.errors import DomainError
from bot.i18n import Messages

Say = Callable[[Messages, Any], str]


@dataclass(frozen=True)
class Entry:
    """What to say, and the modal fields (block ids) the message belongs to, best first."""

    say: Say
    fields: tuple[str, ...] = ()


def _already_reviewed(m: Messages, exc: reviews.AlreadyReviewed) -> str:
    if not exc.by:
        return m._(
            "This reminder is out of date: the agreement was reviewed meanwhile. Nothing more was recorded."
        )
    labels = {
        reviews.ReviewOutcome.KEPT: m._("Keep"),
        reviews.ReviewOutcome.EVOLVED: m._("Evolve"),
        reviews.ReviewOutcome.DROPPED: m._("Drop"),
        reviews.ReviewOutcome.SNOOZED: m._("Snooze"),
    }
    return m._(
        "This agreement was already reviewed: {who} chose “{action}”. Nothing more was recorded.",
        who=mention(exc.by),
        action=labels.get(exc.action or "", exc.action or "?"),
    )


# Where a refusal about an agreement or its review belongs, in whichever of these forms.
_REVIEW_FIELDS = (ids.IN_NEXT_REVIEW[0], ids.IN_SNOOZE_UNTIL[0], ids.IN_DROP_REASON[0])
_AGREEMENT_FIELDS = (*_REVIEW_FIELDS, ids.IN_PROPOSAL[0])


def _round_closed(m: Messages, exc: consent.RoundClosed) -> str:
    when = slack_date(exc.closed_at) if exc.closed_at else "?"
    return m._("This round closed at {when}; answers are no longer taken.", when=when)


TABLE: dict[type[DomainError], Entry] = {
    # ---------------------------------------------------------------- consent rounds
    consent.RoundClosed: Entry(_round_closed, (ids.IN_REASON[0], ids.IN_DEADLINE[0])),
    consent.NotAParticipant: Entry(
        lambda m, e: m._(
            "Only the participants of this round can answer it. Ask its author if you should take part."
        ),
        (ids.IN_REASON[0],),
    ),
    consent.NotTheAuthor: Entry(
        lambda m, e: m._("Only the author of this proposal can do that."),
        (ids.IN_REASON[0], ids.IN_DEADLINE[0]),
    ),
    consent.RoundStillOpen: Entry(
        lambda m, e: m._("The current round is still open; close or withdraw it first.")
    ),
    consent.RoundNotFound: Entry(
        lambda m, e: m._("I cannot find that consent round any more."), (ids.IN_REASON[0],)
    ),
    consent.ProposalEmpty: Entry(
        lambda m, e: m._("Write the proposal; it cannot be blank."), (ids.IN_PROPOSAL[0],)
    ),
    consent.ProposalTooLong: Entry(
        lambda m, e: m._(
            "The proposal is {length} characters; the limit is {limit}.",
            length=e.length,
            limit=e.limit,
        ),
        (ids.IN_PROPOSAL[0],),
    ),
    consent.DeadlineInPast: Entry(
        lambda m, e: m._("This moment has passed; pick a deadline in the future."),
        (ids.IN_DEADLINE[0],),
    ),
    consent.DeadlineTooSoon: Entry(
        lambda m, e: m._("Give people at least an hour to answer."), (ids.IN_DEADLINE[0],)
    ),
    consent.DeadlineTooFar: Entry(
        lambda m, e: m._("A round can run for at most 60 days."), (ids.IN_DEADLINE[0],)
    ),
    consent.ReviewDateInPast: Entry(
        lambda m, e: m._("Pick a review date after today."), (ids.IN_REVIEW_DATE[0],)
    ),
    consent.QuorumOutOfRange: Entry(
        lambda m, e: m._("The quorum is a percentage from 1 to 100."), (ids.IN_QUORUM[0],)
    ),
    consent.NoParticipants: Entry(
        lambda m, e: m._("Choose at least one person, or let everyone in the channel answer."),
        (ids.IN_PEOPLE[0],),
    ),
    consent.ObjectionNeedsReason: Entry(
        lambda m, e: m._(
            "An objection needs its reason: what would go wrong, or what could be better?"
        ),
        (ids.IN_REASON[0],),
    ),
    consent.ReasonTooLong: Entry(
        lambda m, e: m._("Keep the reason under 3,000 characters."), (ids.IN_REASON[0],)
    ),
    # ---------------------------------------------------------------- governance backlog
    # ---------------------------------------------------------------- agreements and reviews
    reviews.AlreadyReviewed: Entry(_already_reviewed, _AGREEMENT_FIELDS),
    reviews.AgreementNotFound: Entry(
        lambda m, e: m._(
            "There is no agreement with that number in this channel. See them all with `/agreements`."
        ),
        _AGREEMENT_FIELDS,
    ),
    reviews.NotAMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can add or change its agreements.", channel=str(e)
        ),
        _AGREEMENT_FIELDS,
    ),
    reviews.DropNeedsReason: Entry(
        lambda m, e: m._("Say why the agreement is dropped."), (ids.IN_DROP_REASON[0],)
    ),
    reviews.DateNotInFuture: Entry(
        lambda m, e: m._("Pick a date after today."),
        (ids.IN_NEXT_REVIEW[0], ids.IN_SNOOZE_UNTIL[0]),
    ),
    reviews.ReviewDateNotInFuture: Entry(
        lambda m, e: m._("Pick a review date after today."), (ids.IN_REVIEW_DATE[0],)
    ),
    reviews.ReviewDateMissing: Entry(
        lambda m, e: m._("Pick a review date."), (ids.IN_REVIEW_DATE[0],)
    ),
    reviews.AgreementEmpty: Entry(
        lambda m, e: m._("Write the agreement; it cannot be blank."), (ids.IN_PROPOSAL[0],)
    ),
    # ---------------------------------------------------------------- meeting rhythm
}


def entry_for(exc: DomainError) -> Entry | None:
    """The table's entry for this error or its nearest listed base class."""
    for cls in type(exc).__mro__:
        if cls in TABLE:
            return TABLE[cls]
    return None


def explain(m: Messages, exc: DomainError) -> str:
    """What to tell the person whose request this rule refused."""
    entry = entry_for(exc)
    return entry.say(m, exc) if entry else common.unexpected(m)


def field_for(exc: DomainError, blocks: list[str]) -> str | None:
    """The form field (of those the submitted form has) that this error belongs to."""
    entry = entry_for(exc)
    for block in entry.fields if entry else ():
        if block in blocks:
            return block
    return None
