"""Role selection by consent, S3's process made asynchronous (pure rules, they take `now`).

Phases: nominating (hidden nominations) -> changing (revealed, a change round) ->
proposing (the starter proposes a nominee) -> consent (a round on the nominee) -> done;
or cancelled. The reveal comes when the nomination deadline passes or when every
participant has nominated; a pass is a nomination with no nominee.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.errors import DomainError

NOMINATE_FOR = timedelta(days=2)  # default time for hidden nominations
CHANGE_FOR = timedelta(days=1)  # default change round after the reveal
MAX_REASON = 2000


class Phase(StrEnum):
    NOMINATING = "nominating"
    CHANGING = "changing"
    PROPOSING = "proposing"
    CONSENT = "consent"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_PHASES = (Phase.NOMINATING, Phase.CHANGING, Phase.PROPOSING, Phase.CONSENT)


class NotAParticipant(DomainError):
    """Only the selection's participants nominate, or see nominations before the reveal."""


class NominationReasonRequired(DomainError):
    """A nomination (or a pass, or a change) says why."""


class NominationClosed(DomainError):
    """Nominations (or the change round) closed at `closed_at`."""

    def __init__(self, closed_at: datetime) -> None:
        super().__init__(closed_at.isoformat())
        self.closed_at = closed_at


class NominationsStillHidden(DomainError):
    """A nominee cannot be proposed while the nominations are still hidden."""


class NotTheStarter(DomainError):
    """Only the person who started the selection proposes a nominee."""

    def __init__(self, starter: str) -> None:
        super().__init__(starter)
        self.starter = starter


class NotProposing(DomainError):
    """The selection takes no proposal now (a round on a nominee runs, or it is over)."""


class NomineeRequired(DomainError):
    """A proposal names a nominee."""


class NotAPerson(DomainError):
    """The nominee is not a member of the workspace (a bot, a deactivated account, a guest
    from elsewhere)."""


class RoleNotFound(DomainError):
    """No active role of that name in the circle; `names` are the circle's roles."""

    def __init__(self, name: str, names: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.names = names


class SelectionAlreadyOpen(DomainError):
    """A selection for this role is open already (its channel and message, when posted)."""

    def __init__(self, channel_id: str, message_ts: str | None) -> None:
        super().__init__(channel_id)
        self.channel_id = channel_id
        self.message_ts = message_ts


class SelectionNotFound(DomainError):
    """No such selection in this workspace."""


class SelectionDeadlines(DomainError):
    """The nomination deadline lies in the past, or the change round ends before it."""


@dataclass(frozen=True)
class Nominated:
    """One participant's nomination as it stands (nominee None: a pass)."""

    user_id: str
    nominee_id: str | None
    reason: str
    first_nominee_id: str | None = None
    first_reason: str | None = None
    changed: bool = False


@dataclass(frozen=True)
class State:
    """What the rules need to know of a selection."""

    phase: Phase
    started_by: str
    participants: frozenset[str]
    nominate_until: datetime
    change_until: datetime
    revealed_at: datetime | None = None
    nominations: dict[str, Nominated] = field(default_factory=dict)

    @property
    def revealed(self) -> bool:
        return self.phase not in (Phase.NOMINATING, Phase.CANCELLED) or self.revealed_at is not None


@dataclass(frozen=True)
class TallyLine:
    """A nominee (None: passes), how many nominated them, and who said why."""

    nominee_id: str | None
    count: int
    reasons: list[tuple[str, str]]


def deadlines(
    now: datetime, nominate_until: datetime | None = None, change_until: datetime | None = None
) -> tuple[datetime, datetime]:
    """The nomination deadline and the change round's end (defaults: 2 days, then 1 more)."""
    nominate = nominate_until or now + NOMINATE_FOR
    change = change_until or nominate + CHANGE_FOR
    if nominate <= now or change < nominate:
        raise SelectionDeadlines()
    return nominate, change


def clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise NominationReasonRequired()
    return text[:MAX_REASON]


def nominate(state: State, user_id: str, nominee_id: str | None, reason: str | None, now: datetime) -> Nominated:  # fmt: skip
    """A hidden nomination (the latest counts until the reveal)."""
    if user_id not in state.participants:
        raise NotAParticipant()
    if state.phase != Phase.NOMINATING:
        raise NominationClosed(state.revealed_at or state.nominate_until)
    if now >= state.nominate_until:
        raise NominationClosed(state.nominate_until)
    text = clean_reason(reason)
    return Nominated(user_id, nominee_id, text, nominee_id, text, False)


def change(state: State, user_id: str, nominee_id: str | None, reason: str | None, now: datetime) -> Nominated:  # fmt: skip
    """A change in the change round; the first (revealed) nomination is kept beside it."""
    if state.phase == Phase.NOMINATING and now < state.nominate_until:
        return nominate(state, user_id, nominee_id, reason, now)
    if user_id not in state.participants:
        raise NotAParticipant()
    if state.phase != Phase.CHANGING or now >= state.change_until:
        raise NominationClosed(state.change_until)
    text = clean_reason(reason)
    before = state.nominations.get(user_id)
    first_nominee = before.first_nominee_id if before else None
    first_reason = before.first_reason if before else None
    return Nominated(user_id, nominee_id, text, first_nominee, first_reason, True)


def everyone_nominated(state: State) -> bool:
    return bool(state.participants) and state.participants <= set(state.nominations)


def due_reveal(state: State, now: datetime) -> bool:
    """Reveal now: the nomination deadline passed, or everyone has nominated."""
    return state.phase == Phase.NOMINATING and (
        now >= state.nominate_until or everyone_nominated(state)
    )


def due_proposing(state: State, now: datetime) -> bool:
    """The change round is over: the starter is asked to propose a nominee."""
    return state.phase == Phase.CHANGING and now >= state.change_until


def visible_to(state: State, user_id: str) -> list[Nominated]:
    """The nominations this person may see: all after the reveal; before, only their own."""
    if state.revealed:
        return sorted(state.nominations.values(), key=lambda n: n.user_id)
    if user_id not in state.participants:
        raise NotAParticipant()
    own = state.nominations.get(user_id)
    return [own] if own else []


def check_propose(state: State, user_id: str, nominee_id: str | None) -> str:
    """The starter proposes a nominee, once the nominations are revealed."""
    if user_id != state.started_by:
        raise NotTheStarter(state.started_by)
    if not state.revealed:
        raise NominationsStillHidden()
    if state.phase not in (Phase.CHANGING, Phase.PROPOSING):
        raise NotProposing()
    if not nominee_id:
        raise NomineeRequired()
    return nominee_id


def tally(nominations: list[Nominated]) -> list[TallyLine]:
    """Counts per nominee with the reasons, most nominated first; passes last."""
    by: dict[str | None, list[tuple[str, str]]] = {}
    for n in sorted(nominations, key=lambda n: n.user_id):
        by.setdefault(n.nominee_id, []).append((n.user_id, n.reason))
    lines = [TallyLine(k, len(v), v) for k, v in by.items()]
    return sorted(
        lines, key=lambda line: (line.nominee_id is None, -line.count, line.nominee_id or "")
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(today: date, term_months: int | None, term_until: date | None) -> date:
    """When a term that starts today ends: a fixed date still ahead, else the term's months
    (12 when the role says neither)."""
    if term_until is not None and term_until > today:
        return term_until
    return add_months(today, term_months or 12)


@dataclass(frozen=True)
class Overview:
    """A selection as the person looking at it may see it (what builders render)."""

    id: int
    channel_id: str
    role_id: int
    role_name: str
    purpose: str | None
    term_months: int | None
    term_until: date | None
    phase: Phase
    started_by: str
    nominate_until: datetime
    change_until: datetime
    revealed_at: datetime | None
    participants: tuple[str, ...]
    nominated_count: int
    nominee_id: str | None = None
    message_ts: str | None = None
    nominations: tuple[Nominated, ...] = ()  # only those the person may see
    mine: Nominated | None = None

    @property
    def tally(self) -> list[TallyLine]:
        return tally(list(self.nominations))
