"""Use cases of selecting a person for a role by consent: start, nominate (hidden, then a
change round), the reveal and the end of the change round (sweeps), propose a nominee (a
consent round on them), and what a person may see of it.

The rules are `bot.domain.selection`'s; the decided round on a nominee is handled by
`bot.services.selection_subject` (the `Subject.NOMINEE` entry in `bot.services.subjects`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as consent_rules
from bot.domain import selection as rules
from bot.domain.domains import Subject
from bot.domain.roles import RoleStatus
from bot.domain.selection import Nominated, Overview, Phase, State
from bot.services import consent
from bot.services.selection_subject import queue_notice
from bot.services.views import RoundView
from bot.store import backlog_repo, roles_repo, selection_repo
from bot.store.db import transaction
from bot.store.models import Circle, Nomination, Role, Selection

Factory = sessionmaker[Session]

NOMINATE_HOURS = 48
CHANGE_HOURS = 24
CONSENT_FOR = timedelta(days=3)  # the round on a nominee, unless the starter says otherwise
SWEEP_LIMIT = 200


# ---------------------------------------------------------------- reading


def _nominated(n: Nomination) -> Nominated:
    return Nominated(
        n.user_id, n.nominee_id, n.reason, n.first_nominee_id, n.first_reason,
        n.changed_at is not None,
    )  # fmt: skip


def _state(session: Session, sel: Selection) -> State:
    return State(
        phase=Phase(sel.status),
        started_by=sel.started_by,
        participants=frozenset(selection_repo.participants(session, sel.team_id, sel.id)),
        nominate_until=sel.nominate_until,
        change_until=sel.change_until,
        revealed_at=sel.revealed_at,
        nominations={
            n.user_id: _nominated(n)
            for n in selection_repo.nominations(session, sel.team_id, sel.id)
        },
    )


def _overview(session: Session, sel: Selection, viewer_id: str | None) -> Overview:
    """The selection as `viewer_id` may see it (None: as its channel sees it)."""
    state = _state(session, sel)
    role = roles_repo.get(session, sel.team_id, sel.role_id)
    current = roles_repo.current_descriptions(session, sel.team_id, [sel.role_id]).get(sel.role_id)
    if state.revealed:
        shown = rules.visible_to(state, viewer_id or "")
    elif viewer_id is not None and viewer_id in state.participants:
        shown = rules.visible_to(state, viewer_id)
    else:
        shown = []  # before the reveal, someone not asked sees none (nor does the channel)
    return Overview(
        id=sel.id,
        channel_id=sel.channel_id,
        role_id=sel.role_id,
        role_name=role.name if role else "",
        purpose=current.purpose if current else None,
        term_months=role.term_months if role else None,
        term_until=role.term_until if role else None,
        phase=state.phase,
        started_by=sel.started_by,
        nominate_until=sel.nominate_until,
        change_until=sel.change_until,
        revealed_at=sel.revealed_at,
        participants=tuple(sorted(state.participants)),
        nominated_count=len(state.nominations),
        nominee_id=sel.nominee_id,
        message_ts=sel.message_ts,
        nominations=tuple(shown),
        mine=state.nominations.get(viewer_id) if viewer_id else None,
    )


def _get(session: Session, team_id: str, selection_id: int, *, lock: bool = False) -> Selection:
    sel = selection_repo.get(session, team_id, selection_id, lock=lock)
    if sel is None:
        raise rules.SelectionNotFound()
    return sel


def overview(factory: Factory, *, team_id: str, selection_id: int, viewer_id: str | None) -> Overview:  # fmt: skip
    """A selection as this person may see it: before the reveal a participant sees their own
    nomination only, anyone else none; after it, everyone sees all of them."""
    with factory() as session:
        return _overview(session, _get(session, team_id, selection_id), viewer_id)


def open_in_channel(
    factory: Factory, *, team_id: str, channel_id: str, viewer_id: str | None = None
) -> list[Overview]:
    """The channel's selections under way, as this person may see them."""
    with factory() as session:
        return [
            _overview(session, s, viewer_id)
            for s in selection_repo.open_in_channel(session, team_id, channel_id)
        ]


def awaiting_nomination(factory: Factory, *, team_id: str, user_id: str) -> list[Overview]:
    """The selections waiting for this person's nomination (their Home tab)."""
    with factory() as session:
        return [
            _overview(session, s, user_id)
            for s in selection_repo.awaiting_nomination(session, team_id, user_id)
        ]


# ---------------------------------------------------------------- starting


def _role(session: Session, team_id: str, channel_id: str, role: int | str) -> Role:
    found = (
        roles_repo.get(session, team_id, role, lock=True)
        if isinstance(role, int)
        else roles_repo.role_named(session, team_id, channel_id, role)
    )
    if found is not None and isinstance(role, str):
        found = roles_repo.get(session, team_id, found.id, lock=True)
    if found is None or found.channel_id != channel_id or found.status != RoleStatus.ACTIVE.value:
        names = [
            r.name
            for r in roles_repo.roles_of(session, team_id, channel_id, (RoleStatus.ACTIVE.value,))
        ]
        raise rules.RoleNotFound(role if isinstance(role, str) else "", sorted(names, key=str.casefold))  # fmt: skip
    return found


def start(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    role: int | str,
    started_by: str,
    participants: list[str],
    now: datetime,
    nominate_hours: float = NOMINATE_HOURS,
    change_hours: float = CHANGE_HOURS,
    item_id: int | None = None,
) -> Overview:
    """Start selecting someone for an active role of the circle (by id or name): the
    selection and its participants stored, its message queued, in one transaction."""
    people = sorted({p for p in participants if p})
    consent_rules.check_participants(people)
    rules.deadlines(
        now,
        now + timedelta(hours=nominate_hours),
        now + timedelta(hours=nominate_hours + change_hours),
    )
    with transaction(factory) as session:
        return start_in(
            session, team_id=team_id, channel_id=channel_id, role=role, started_by=started_by,
            participants=people, now=now, nominate_hours=nominate_hours,
            change_hours=change_hours, item_id=item_id,
        )  # fmt: skip


def start_in(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    role: int | str,
    started_by: str,
    participants: list[str],
    now: datetime,
    nominate_hours: float = NOMINATE_HOURS,
    change_hours: float = CHANGE_HOURS,
    item_id: int | None = None,
) -> Overview:
    """`start`, in the caller's transaction (a governance meeting's outcome)."""
    people = sorted({p for p in participants if p})
    consent_rules.check_participants(people)
    nominate_until, change_until = rules.deadlines(
        now,
        now + timedelta(hours=nominate_hours),
        now + timedelta(hours=nominate_hours + change_hours),
    )
    found = _role(session, team_id, channel_id, role)  # locked: one open selection a role
    already = selection_repo.open_for_role(session, team_id, found.id)
    if already is not None:
        raise rules.SelectionAlreadyOpen(already.channel_id, already.message_ts)
    if item_id is not None:
        item = backlog_repo.get_item(session, team_id, item_id)
        item_id = item.id if item is not None and item.channel_id == channel_id else None
    sel = Selection(
        team_id=team_id, channel_id=channel_id, role_id=found.id, started_by=started_by,
        status=Phase.NOMINATING.value, nominate_until=nominate_until,
        change_until=change_until, item_id=item_id, step=0, created_at=now,
    )  # fmt: skip
    session.add(sel)
    session.flush()
    selection_repo.add_participants(session, team_id, sel.id, people)
    session.flush()
    queue_notice(session, sel, "started", now, actor=started_by)
    return _overview(session, sel, started_by)


def set_message(factory: Factory, *, team_id: str, selection_id: int, ts: str) -> None:
    """Remember the selection's message in its channel (posted by the outbox)."""
    with transaction(factory) as session:
        selection_repo.set_message(session, team_id, selection_id, ts)


# ---------------------------------------------------------------- nominating


def _reveal(session: Session, sel: Selection, now: datetime) -> bool:
    """Reveal the nominations (compare-and-set: once, whoever gets there first)."""
    if not selection_repo.advance(session, sel, Phase.CHANGING, revealed_at=now):
        return False
    queue_notice(session, sel, "revealed", now)
    return True


def nominate(
    factory: Factory,
    *,
    team_id: str,
    selection_id: int,
    user_id: str,
    nominee_id: str | None,
    reason: str | None,
    now: datetime,
) -> Overview:
    """A participant's nomination (nominee None: a pass), hidden until the reveal; after the
    reveal, in the change round, a change (the first one kept beside it). The latest counts.
    When everyone has nominated, the nominations are revealed at once."""
    with transaction(factory) as session:
        sel = _get(session, team_id, selection_id, lock=True)
        state = _state(session, sel)
        if user_id not in state.participants:
            raise rules.NotAParticipant()
        if rules.due_reveal(state, now):  # the deadline passed before the sweep came by
            _reveal(session, sel, now)
            state = _state(session, sel)
        given = rules.change(state, user_id, nominee_id, reason, now)
        selection_repo.upsert_nomination(
            session, team_id=team_id, selection_id=sel.id, user_id=user_id,
            nominee_id=given.nominee_id, reason=given.reason,
            first_nominee_id=given.first_nominee_id, first_reason=given.first_reason,
            changed=given.changed, now=now,
        )  # fmt: skip
        state = _state(session, sel)
        if rules.due_reveal(state, now):
            _reveal(session, sel, now)
        return _overview(session, sel, user_id)


# ---------------------------------------------------------------- sweeps


def reveal_due(factory: Factory, *, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Sweep: reveal the nominations of every selection whose deadline passed, once each
    (safe on several replicas: a compare-and-set on the selection's step)."""
    with factory() as session:
        due = selection_repo.due_reveal(session, now, limit)
    done = 0
    for team_id, selection_id in due:
        with transaction(factory) as session:
            sel = selection_repo.get(session, team_id, selection_id)
            if sel is None or not rules.due_reveal(_state(session, sel), now):
                continue
            done += _reveal(session, sel, now)
    return done


def proposing_due(factory: Factory, *, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Sweep: the change round is over; the starter is asked to propose a nominee (once)."""
    with factory() as session:
        due = selection_repo.due_proposing(session, now, limit)
    done = 0
    for team_id, selection_id in due:
        with transaction(factory) as session:
            sel = selection_repo.get(session, team_id, selection_id)
            if sel is None or not rules.due_proposing(_state(session, sel), now):
                continue
            if selection_repo.advance(session, sel, Phase.PROPOSING):
                queue_notice(session, sel, "proposing", now, actor=sel.started_by)
                done += 1
    return done


# ---------------------------------------------------------------- proposing a nominee


def propose(
    factory: Factory,
    *,
    team_id: str,
    selection_id: int,
    user_id: str,
    nominee_id: str | None,
    now: datetime,
    today: date,
    text: str,
    title: str = "",
    deadline: datetime | None = None,
    request_key: str | None = None,
) -> RoundView:
    """The starter proposes a nominee (after the reveal): a consent round on them opens in
    the selection's channel, the participants and the nominee answering. `text` (and
    `title`) say how the round reads, phrased by the caller."""
    with factory() as session:
        sel = _get(session, team_id, selection_id)
        nominee = rules.check_propose(_state(session, sel), user_id, nominee_id)
        people = sorted(set(selection_repo.participants(session, team_id, sel.id)) | {nominee})
        role = roles_repo.get(session, team_id, sel.role_id)
        review = rules.term_end(
            today, role.term_months if role else None, role.term_until if role else None
        )
        channel_id, item_id = sel.channel_id, sel.item_id

    def store(session: Session, circle: Circle) -> tuple[str, int]:
        locked = _get(session, team_id, selection_id, lock=True)
        rules.check_propose(_state(session, locked), user_id, nominee)  # again, under the lock
        if not selection_repo.advance(
            session, locked, Phase.CONSENT, nominee_id=nominee, proposal_id=None
        ):
            raise rules.NotProposing()
        queue_notice(session, locked, "proposed", now, nominee_id=nominee, actor=user_id)
        return Subject.NOMINEE.value, locked.id

    draft = consent.Draft(
        title=title, text=text, driver=None, item_id=item_id, responsibilities=None,
        evaluation=None, review_date=review, deadline=deadline or now + CONSENT_FOR,
        hidden=False, quorum=None, participants=people,
    )  # fmt: skip
    view = consent.open_round(
        factory, team_id=team_id, channel_id=channel_id, author_id=user_id, draft=draft,
        now=now, today=today, request_key=request_key, subject=store,
    )  # fmt: skip
    with transaction(factory) as session:
        sel = _get(session, team_id, selection_id, lock=True)
        if sel.status == Phase.CONSENT.value and sel.proposal_id is None:
            sel.proposal_id = view.proposal_id
    return view
