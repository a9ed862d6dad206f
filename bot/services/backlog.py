"""Use cases of the governance backlog: one function per user intention."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from weakref import WeakKeyDictionary

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.backlog import (
    MAX_TENSION_LENGTH,
    Driver,
    ItemChanged,
    ItemNotFound,
    ItemPlan,
    ItemStatus,
    ItemView,
    NextStep,
    NotADelegate,
    RaisedTension,
    clean_tension_text,
)
from bot.domain.backlog import BacklogItem as ItemRules
from bot.domain.errors import AlreadyHandled
from bot.domain.matching import CircleMatch, rank_circles
from bot.services import payloads
from bot.store import backlog_repo, canvas_repo, circle_domain_repo, structure_repo, workspace_repo
from bot.store.backlog_repo import NewItem
from bot.store.db import transaction
from bot.store.group_commit import GroupCommit
from bot.store.models import BacklogItem, Circle

Factory = sessionmaker[Session]

log = logging.getLogger(__name__)


def _rules(item: BacklogItem, place: int | None = None) -> ItemRules:
    """The domain's view of a stored item (at its place, when a rule needs it), whose
    methods decide each backlog action."""
    return ItemRules(ItemStatus(item.status), place, item.channel_id)


@dataclass(frozen=True)
class TensionRequest:
    """One `/tension <text>`: who raised what (cleaned), where, when; the request's key."""

    team_id: str
    channel_id: str
    author_id: str
    text: str
    now: datetime
    request_key: str | None = None


def raise_tension(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    text: str,
    now: datetime,
    request_key: str | None = None,
) -> RaisedTension:
    """Put a new tension at the bottom of the channel's backlog, its announcement queued;
    stored with the tensions raised at the same moment, in one transaction (group commit).

    Raises EmptyText / TextTooLong before touching the database, AlreadyHandled when the
    same request (`request_key`) raised it before.
    """
    request = TensionRequest(
        team_id, channel_id, author_id, clean_tension_text(text), now, request_key
    )
    return _raisers(factory).submit(request)


_RAISERS: WeakKeyDictionary[Factory, GroupCommit[TensionRequest, RaisedTension]]
_RAISERS = WeakKeyDictionary()
_RAISERS_LOCK = threading.Lock()


def _raisers(factory: Factory) -> GroupCommit[TensionRequest, RaisedTension]:
    """The store's one group commit of raised tensions (per process)."""
    with _RAISERS_LOCK:
        found = _RAISERS.get(factory)
        if found is None:
            found = _RAISERS[factory] = GroupCommit(partial(raise_tensions, factory))
        return found


def raise_tensions(
    factory: Factory, requests: Sequence[TensionRequest]
) -> list[RaisedTension | AlreadyHandled]:
    """Raise tensions that arrived together, in one transaction: each at the bottom of its
    channel's backlog in the order given, announced; AlreadyHandled for a request whose key
    was recorded before (or earlier in the same batch)."""
    out: list[RaisedTension | AlreadyHandled] = [AlreadyHandled() for _ in requests]
    with transaction(factory) as session:
        by_channel: dict[tuple[str, str], list[int]] = {}
        for i in _first_deliveries(session, requests):
            by_channel.setdefault((requests[i].team_id, requests[i].channel_id), []).append(i)
        for team_id, channel_id in sorted(by_channel):  # one lock order for every batch
            picked = by_channel[(team_id, channel_id)]
            new = [
                NewItem(requests[i].author_id, requests[i].text, requests[i].now) for i in picked
            ]
            for i, raised in zip(
                picked, _raise_at_bottom(session, team_id, channel_id, new), strict=True
            ):
                out[i] = raised
    return out


def _first_deliveries(session: Session, requests: Sequence[TensionRequest]) -> list[int]:
    """Record the requests' keys; which requests (by index) are delivered the first time."""
    recorded: dict[str, set[str]] = {}
    for team_id in {r.team_id for r in requests if r.request_key}:
        keys = [r.request_key[:64] for r in requests if r.team_id == team_id and r.request_key]
        now = max(r.now for r in requests)
        recorded[team_id] = workspace_repo.first_deliveries(session, team_id, keys, now)
    first = []
    for i, r in enumerate(requests):
        if not r.request_key:
            first.append(i)
        elif (key := r.request_key[:64]) in recorded[r.team_id]:
            recorded[r.team_id].discard(key)  # a second time in this batch is a replay
            first.append(i)
    return first


def raise_in(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    text: str,
    now: datetime,
    next_step: NextStep | None = None,
) -> RaisedTension:
    """Raise an item in the caller's transaction (another use case's, such as a contested
    objection's), at the bottom of the backlog, announced; with a next step, it is on the
    backlog at once."""
    new = [NewItem(author_id, clean_tension_text(text), now)]
    return _raise_at_bottom(session, team_id, channel_id, new, next_step)[0]


def _raise_at_bottom(
    session: Session,
    team_id: str,
    channel_id: str,
    new: Sequence[NewItem],
    next_step: NextStep | None = None,
) -> list[RaisedTension]:
    """Add items in order at the bottom of the channel's backlog, each announced."""
    last = max(n.now for n in new)
    # The circle's lock first: no other transaction adds below the bottom read next.
    numbers = backlog_repo.reserve_numbers(session, team_id, channel_id, len(new), last)
    last_rank, open_before = backlog_repo.bottom(session, team_id, channel_id)
    status = ItemStatus.NEW
    if next_step is not None:  # given its next step, a new item is on the backlog at once
        status = ItemRules(ItemStatus.NEW, None, channel_id).accept()
    # New items are open (new, or on the backlog with their next step): the last places.
    views = backlog_repo.add_items(
        session, team_id, channel_id, new, numbers=numbers, first_rank=last_rank + 1,
        first_place=open_before + 1, status=status, next_step=next_step,
    )  # fmt: skip
    announcements = [(announcement_key(v.id), channel_id, _announcement(v)) for v in views]
    payloads.queue_many(session, team_id, announcements, last)
    canvas_repo.note_change(session, team_id, channel_id, last)
    return [RaisedTension(item=v, open_count=v.rank or 0) for v in views]


def _announcement(view: ItemView) -> payloads.TensionAnnouncement:
    return payloads.TensionAnnouncement(item_id=view.id, open_count=view.rank or 0)


def _announce(session: Session, item: BacklogItem, open_count: int, now: datetime) -> None:
    """Queue the announcement of an item added through the ORM."""
    session.flush()
    payloads.queue(
        session,
        team_id=item.team_id,
        key=announcement_key(item.id),
        target=item.channel_id,
        payload=payloads.TensionAnnouncement(item_id=item.id, open_count=open_count),
        now=now,
    )


def announcement_key(item_id: int) -> str:
    """The outbox key of an item's announcement in its channel."""
    return f"tension:{item_id}"


def remember_message(factory: Factory, *, team_id: str, item_id: int, message_ts: str) -> None:
    """Link an item to the channel message that announced it."""
    with transaction(factory) as session:
        backlog_repo.set_message_ts(session, team_id, item_id, message_ts)


def link_message(factory: Factory, *, team_id: str, item_id: int, message_ts: str) -> bool:
    """Link an item to its announcement, best effort: the item stands without the link."""
    try:
        remember_message(factory, team_id=team_id, item_id=item_id, message_ts=message_ts)
    except SQLAlchemyError:
        log.warning("could not link item %s to its message", item_id, exc_info=True)
        return False
    return True


def backlog_page(
    factory: Factory, *, team_id: str, channel_id: str, limit: int, offset: int = 0
) -> tuple[list[ItemView], int]:
    """One page of the channel's open backlog in rank order, and the total open count."""
    with transaction(factory) as session:
        items = backlog_repo.open_views(session, team_id, channel_id, limit=limit, offset=offset)
        return items, backlog_repo.open_count(session, team_id, channel_id)


def open_tensions_of(factory: Factory, *, team_id: str, user_id: str, limit: int) -> list[ItemView]:
    """The open tensions a person raised, newest first."""
    with transaction(factory) as session:
        return backlog_repo.views_by_author(session, team_id, user_id, limit=limit)


# ---------------------------------------------------------------- drivers and the item life cycle


def _open_item(session: Session, team_id: str, item_id: int) -> BacklogItem:
    item = backlog_repo.get_item(session, team_id, item_id)
    if item is None:
        raise ItemNotFound()
    return item


def _lock_item(
    session: Session, team_id: str, item_id: int, now: datetime
) -> tuple[BacklogItem, Circle]:
    """The item with its channel's backlog locked (moves serialise per channel)."""
    item = _open_item(session, team_id, item_id)
    circle = backlog_repo.lock_circle(session, team_id, item.channel_id, now)
    session.refresh(item)
    return item, circle


def get(factory: Factory, *, team_id: str, item_id: int) -> ItemView:
    """One item."""
    with transaction(factory) as session:
        return backlog_repo.view_of(session, _open_item(session, team_id, item_id))


def item_history(
    factory: Factory, *, team_id: str, item_id: int
) -> list[tuple[str, str, str | None, datetime]]:
    """(actor, action, detail, when) for every change to an item, oldest first."""
    with transaction(factory) as session:
        return [
            (e.actor_id, e.action, e.detail, e.at)
            for e in backlog_repo.history(session, team_id, item_id)
        ]


def describe(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    actor: str,
    driver: Driver,
    now: datetime,
    item_id: int | None = None,
    source_link: str | None = None,
    request_key: str | None = None,
    on_behalf_of: str | None = None,
) -> ItemView:
    """Describe a tension as a driver: a new item at the bottom (announced), or one updated.

    `on_behalf_of` raises a new item for a circle whose delegate the actor is in this channel
    (checked here: the form's choice is only a hint); NotADelegate otherwise.
    """
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        delegate_of = (
            structure_repo.delegate_circles(session, team_id, actor, channel_id)
            if on_behalf_of is not None and item_id is None
            else []
        )
        if on_behalf_of is not None and item_id is None and on_behalf_of not in delegate_of:
            raise NotADelegate(on_behalf_of)
        if item_id is None:
            circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
            rank = backlog_repo.max_rank(session, team_id, channel_id) + 1
            item = backlog_repo.add_item(
                session,
                circle,
                author_id=actor,
                text=driver.situation[:MAX_TENSION_LENGTH],
                rank=rank,
                now=now,
            )
            item.source_link = source_link
            item.on_behalf_of = on_behalf_of
            _announce(session, item, backlog_repo.open_count(session, team_id, channel_id), now)
        else:
            item, _ = _lock_item(session, team_id, item_id, now)
            _rules(item).describe()
            backlog_repo.add_history(
                session, item, actor_id=actor, action="described", detail=None, now=now
            )
        item.situation, item.effect = driver.situation, driver.effect
        item.relevance, item.nature = driver.relevance, driver.nature
        item.updated_at = now
        session.flush()
        return backlog_repo.view_of(session, item)


def accept(
    factory: Factory,
    *,
    team_id: str,
    item_id: int,
    actor: str,
    next_step: NextStep,
    due: date | None,
    now: datetime,
    plan: ItemPlan | None = None,
) -> ItemView:
    """Put an inbox item on the backlog with its next step (or change the step), and with
    `plan` its intended outcome and time estimate (None: they stay as they were)."""
    with transaction(factory) as session:
        item, _ = _lock_item(session, team_id, item_id, now)
        give_next_step(session, item, actor=actor, next_step=next_step, due=due, now=now)
        if plan is not None:
            set_plan(session, item, actor=actor, plan=plan, now=now)
        return backlog_repo.view_of(session, item)


def set_plan(
    session: Session, item: BacklogItem, *, actor: str, plan: ItemPlan, now: datetime
) -> None:
    """In the caller's transaction: the item's intended outcome and time estimate."""
    if (item.intended_outcome, item.estimate_minutes) == (
        plan.intended_outcome,
        plan.estimate_minutes,
    ):
        return
    item.intended_outcome, item.estimate_minutes = plan.intended_outcome, plan.estimate_minutes
    item.updated_at = now
    detail = f"{plan.estimate_minutes} min" if plan.estimate_minutes else None
    backlog_repo.add_history(
        session, item, actor_id=actor, action="planned", detail=detail, now=now
    )


def give_next_step(
    session: Session,
    item: BacklogItem,
    *,
    actor: str,
    next_step: NextStep,
    due: date | None,
    now: datetime,
) -> None:
    """In the caller's transaction (its backlog locked): give an open item its next step."""
    item.status = _rules(item).accept().value
    item.next_step, item.due_date, item.updated_at = next_step.value, due, now
    backlog_repo.add_history(
        session,
        item,
        actor_id=actor,
        action="next_step",
        detail=next_step.value + (f" {due.isoformat()}" if due else ""),
        now=now,
    )


def move(
    factory: Factory,
    *,
    team_id: str,
    item_id: int,
    actor: str,
    expected_rank: int | None,
    to: str | int,
    now: datetime,
) -> ItemView:
    """Move an item up, down, to the top, or to a position; no two items ever share a rank."""
    with transaction(factory) as session:
        item, _ = _lock_item(session, team_id, item_id, now)
        before = backlog_repo.place_of(session, item)
        places = backlog_repo.open_count(session, team_id, item.channel_id)
        wanted = _rules(item, before).move(expected_rank, to, places)
        if before is not None:
            backlog_repo.move_to(session, item, before, wanted)
        if wanted != before:
            backlog_repo.add_history(
                session,
                item,
                actor_id=actor,
                action="moved",
                detail=f"{before} -> {wanted}",
                now=now,
            )
        return backlog_repo.to_view(item, wanted)


def dismiss(
    factory: Factory, *, team_id: str, item_id: int, actor: str, reason: str | None, now: datetime
) -> ItemView:
    """Take an item off the backlog, saying why."""
    ItemRules(ItemStatus.NEW, None, "").dismiss(reason)  # no reason: refuse before any lock
    with transaction(factory) as session:
        item, _ = _lock_item(session, team_id, item_id, now)
        take_off(session, item, actor=actor, reason=reason, now=now)
        return backlog_repo.to_view(item, None)


def take_off(
    session: Session, item: BacklogItem, *, actor: str, reason: str | None, now: datetime
) -> str:
    """In the caller's transaction (its backlog locked): dismiss an open item; the reason kept."""
    reason = _rules(item).dismiss(reason)
    item.status, item.rank, item.updated_at = ItemStatus.DISMISSED.value, None, now
    session.flush()
    backlog_repo.add_history(
        session, item, actor_id=actor, action="dismissed", detail=reason, now=now
    )
    return reason


def settle(session: Session, item: BacklogItem, *, actor: str, now: datetime) -> None:
    """In the caller's transaction (its backlog locked): the item of a contested objection is
    done, the governance meeting having resolved the objection."""
    if not _rules(item).is_open:
        raise ItemChanged()
    item.status, item.rank, item.updated_at = ItemStatus.DONE.value, None, now
    session.flush()
    backlog_repo.add_history(session, item, actor_id=actor, action="objection_resolved",
                             detail=None, now=now)  # fmt: skip


def pass_on_suggestions(factory: Factory, *, team_id: str, item: ItemView) -> list[CircleMatch]:
    """The circles whose domain in force matches the item's words, best first (pass-on hints)."""
    with transaction(factory) as session:
        purposes = circle_domain_repo.purposes(session, team_id)
    texts = (item.text, item.situation, item.effect, item.relevance)
    return rank_circles(texts, purposes, own_channel=item.channel_id)


def pass_on(
    factory: Factory, *, team_id: str, item_id: int, actor: str, to_channel: str, now: datetime
) -> ItemView:
    """Hand an item to another channel's inbox; it keeps its history."""
    with transaction(factory) as session:
        item = _open_item(session, team_id, item_id)
        source = item.channel_id
        _rules(item).pass_on(to_channel)
        # Lock both backlogs in a fixed order, so two pass-ons in opposite directions cannot deadlock.
        for c in sorted((source, to_channel)):
            backlog_repo.lock_circle(session, team_id, c, now)
        session.refresh(item)
        if item.channel_id != source:
            raise ItemChanged()
        return pass_on_in(session, item, actor=actor, to_channel=to_channel, now=now)


def pass_on_in(
    session: Session, item: BacklogItem, *, actor: str, to_channel: str, now: datetime
) -> ItemView:
    """In the caller's transaction (both backlogs locked, in channel order): hand an open item
    to another channel's inbox, with its history."""
    team_id, source = item.team_id, item.channel_id
    _rules(item).pass_on(to_channel)
    target = backlog_repo.lock_circle(session, team_id, to_channel, now)
    old_number = item.number
    item.rank = None
    session.flush()
    item.channel_id, item.circle_id = to_channel, target.id
    item.number = target.next_number
    target.next_number += 1
    item.rank = backlog_repo.max_rank(session, team_id, to_channel) + 1
    item.status, item.next_step, item.passed_from, item.updated_at = (
        ItemStatus.NEW.value,
        None,
        source,
        now,
    )
    session.flush()
    backlog_repo.add_history(
        session,
        item,
        actor_id=actor,
        action="passed_on",
        detail=f"{source}#{old_number} -> {to_channel}#{item.number}",
        now=now,
    )
    return backlog_repo.view_of(session, item)


def backlogs_for(
    factory: Factory, *, team_id: str, channels: list[str], per_channel: int
) -> list[tuple[str, list[ItemView], int]]:
    """The top of several channels' backlogs: (channel, items, open count)."""
    out = []
    with transaction(factory) as session:
        for channel in channels:
            items = backlog_repo.open_views(session, team_id, channel, limit=per_channel)
            out.append((channel, items, backlog_repo.open_count(session, team_id, channel)))
    return out


def active_channels(factory: Factory, *, team_id: str, limit: int = 50) -> list[str]:
    """Channels of the workspace with an open backlog."""
    with transaction(factory) as session:
        return backlog_repo.channels_with_backlog(session, team_id, limit)
