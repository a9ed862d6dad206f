"""Backlog queries: circles, items, their history and ranks. Every query is scoped by team_id."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.backlog import OPEN_STATUSES, ItemStatus, ItemView, NextStep
from bot.store.db import insert_for
from bot.store.models import BacklogItem, Circle, ItemEvent
from bot.store.workspace_repo import ensure_workspace


def lock_circle(session: Session, team_id: str, channel_id: str, now: datetime) -> Circle:
    """Get the channel's circle row, creating it, and lock it for this transaction.

    The lock serialises changes to one backlog's numbering and ranks across
    replicas (SELECT ... FOR NO KEY UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers). NO KEY UPDATE, not UPDATE: rows inserted with a
    foreign key to the circle take KEY SHARE on it, and two transactions that each
    inserted such a row and then asked FOR UPDATE would deadlock on each other.
    The common case (the circle exists) is one query.
    """
    stmt = (
        select(Circle)
        .where(Circle.team_id == team_id, Circle.channel_id == channel_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    circle = session.scalars(stmt).first()
    if circle is not None:
        return circle
    ensure_workspace(session, team_id, now)
    insert = insert_for(session)(Circle).values(
        team_id=team_id, channel_id=channel_id, next_number=1, created_at=now
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["team_id", "channel_id"]))
    return session.scalars(stmt).one()


def open_count(session: Session, team_id: str, channel_id: str) -> int:
    """How many items are open on the channel's backlog."""
    return (
        session.scalar(
            select(func.count())
            .select_from(BacklogItem)
            .where(
                BacklogItem.team_id == team_id,
                BacklogItem.channel_id == channel_id,
                BacklogItem.status.in_(OPEN_STATUSES),
            )
        )
        or 0
    )


_CIRCLES = Circle.__table__.c
_ITEMS = BacklogItem.__table__.c
# Built once: the statements of raising a tension run for every burst, their parameters bound.
_BOTTOM = select(
    func.max(_ITEMS.rank), func.count().filter(_ITEMS.status.in_(OPEN_STATUSES))
).where(_ITEMS.team_id == bindparam("team_id"), _ITEMS.channel_id == bindparam("channel_id"))
_RESERVE = (
    update(Circle.__table__)
    .where(_CIRCLES.team_id == bindparam("b_team"), _CIRCLES.channel_id == bindparam("b_channel"))
    .values(next_number=_CIRCLES.next_number + bindparam("b_count"))
    .returning(_CIRCLES.id, _CIRCLES.next_number)
)


def bottom(session: Session, team_id: str, channel_id: str) -> tuple[int, int]:
    """The channel's highest rank (`max_rank`) and its open items (`open_count`), in one query:
    what a new item at the bottom of the backlog needs."""
    row = session.execute(_BOTTOM, {"team_id": team_id, "channel_id": channel_id}).one()
    return int(row[0] or 0), int(row[1] or 0)


def reserve_numbers(
    session: Session, team_id: str, channel_id: str, count: int, now: datetime
) -> tuple[int, int]:
    """Lock the channel's circle (creating it) and take its next `count` item numbers, in one
    statement when the circle exists: the circle's id and the first number taken.

    The UPDATE holds the circle's row lock (FOR NO KEY UPDATE, as `lock_circle` takes) to
    the end of the transaction, so numbers and ranks stay unique across replicas.
    """
    params = {"b_team": team_id, "b_channel": channel_id, "b_count": count}
    row = session.execute(_RESERVE, params).one_or_none()
    if row is None:
        lock_circle(session, team_id, channel_id, now)
        session.flush()
        row = session.execute(_RESERVE, params).one()
    for obj in session.identity_map.values():  # a circle the ORM loaded before: now stale
        if isinstance(obj, Circle) and obj.id == row[0]:
            session.expire(obj, ["next_number"])
    return int(row[0]), int(row[1]) - count


def max_rank(session: Session, team_id: str, channel_id: str) -> int:
    """The highest rank in the channel: a new item goes one below it.

    Ranks order the open items and may have gaps: an item that leaves the backlog leaves
    its rank free, so that closing a round or dismissing an item touches one row, however
    long the backlog is. The place people see is the item's position in rank order.
    """
    return (
        session.scalar(
            select(func.max(BacklogItem.rank)).where(
                BacklogItem.team_id == team_id, BacklogItem.channel_id == channel_id
            )
        )
        or 0
    )


def place_of(session: Session, item: BacklogItem) -> int | None:
    """The item's place on its backlog as people see it (1 = top); None when off it."""
    if item.rank is None:
        return None
    return session.scalar(
        select(func.count())
        .select_from(BacklogItem)
        .where(
            BacklogItem.team_id == item.team_id,
            BacklogItem.channel_id == item.channel_id,
            BacklogItem.rank <= item.rank,
        )
    )


def rank_at(session: Session, team_id: str, channel_id: str, place: int) -> int | None:
    """The rank of the item at a place (1 = top) of the channel's backlog."""
    return session.scalar(
        select(BacklogItem.rank)
        .where(
            BacklogItem.team_id == team_id,
            BacklogItem.channel_id == channel_id,
            BacklogItem.rank.is_not(None),
        )
        .order_by(BacklogItem.rank)
        .offset(place - 1)
        .limit(1)
    )


def add_item(
    session: Session, circle: Circle, *, author_id: str, text: str, rank: int, now: datetime
) -> BacklogItem:
    """Insert a new item with the circle's next number, and its first history entry."""
    item = BacklogItem(
        team_id=circle.team_id,
        channel_id=circle.channel_id,
        circle_id=circle.id,
        number=circle.next_number,
        author_id=author_id,
        text=text,
        status=ItemStatus.NEW.value,
        rank=rank,
        created_at=now,
        updated_at=now,
    )
    circle.next_number += 1
    session.add(item)
    session.flush()
    add_history(session, item, actor_id=author_id, action="raised", detail=None, now=now)
    return item


@dataclass(frozen=True)
class NewItem:
    """An item to add at the bottom of a backlog: who raised what, when."""

    author_id: str
    text: str
    now: datetime


def add_items(
    session: Session,
    team_id: str,
    channel_id: str,
    new: Sequence[NewItem],
    *,
    numbers: tuple[int, int],
    first_rank: int,
    first_place: int,
    status: ItemStatus = ItemStatus.NEW,
    next_step: NextStep | None = None,
) -> list[ItemView]:
    """Add items in order below the others, numbered from the numbers reserved for them
    (`reserve_numbers`: the circle's id and the first number), ranked from `first_rank`, each
    with its history ('raised', and 'next_step' with one); the views at their places from
    `first_place` on. Two statements however many items: a burst is stored at once."""
    circle_id, first_number = numbers
    rows = [
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "circle_id": circle_id,
            "number": first_number + k,
            "author_id": n.author_id,
            "text": n.text,
            "status": status.value,
            "next_step": next_step.value if next_step else None,
            "rank": first_rank + k,
            "created_at": n.now,
            "updated_at": n.now,
        }  # fmt: skip
        for k, n in enumerate(new)
    ]
    # Numbers are unique in the channel: they match each row to the id it was given.
    ids = {number: item_id for number, item_id in session.execute(_INSERT_ITEMS, rows)}
    history = [
        {
            "team_id": team_id,
            "item_id": ids[row["number"]],
            "actor_id": n.author_id,
            "action": action,
            "detail": detail,
            "at": n.now,
        }  # fmt: skip
        for row, n in zip(rows, new, strict=True)
        for action, detail in (
            [("raised", None)] + ([("next_step", next_step.value)] if next_step else [])
        )
    ]
    session.execute(_INSERT_EVENTS, history)
    return [
        ItemView(
            id=ids[row["number"]],
            team_id=team_id,
            channel_id=channel_id,
            number=row["number"],
            author_id=n.author_id,
            text=n.text,
            status=status,
            rank=first_place + k,
            created_at=n.now,
            next_step=next_step,
        )  # fmt: skip
        for k, (row, n) in enumerate(zip(rows, new, strict=True))
    ]


_INSERT_ITEMS = insert(BacklogItem.__table__).returning(_ITEMS.number, _ITEMS.id)
_INSERT_EVENTS = insert(ItemEvent.__table__)


def add_history(
    session: Session,
    item: BacklogItem,
    *,
    actor_id: str,
    action: str,
    detail: str | None,
    now: datetime,
) -> None:
    """Record one change to an item."""
    session.add(
        ItemEvent(
            team_id=item.team_id,
            item_id=item.id,
            actor_id=actor_id,
            action=action,
            detail=detail,
            at=now,
        )
    )


def set_message_ts(session: Session, team_id: str, item_id: int, ts: str) -> None:
    """Link an item to its announcement, in one statement."""
    session.execute(
        update(BacklogItem)
        .where(BacklogItem.team_id == team_id, BacklogItem.id == item_id)
        .values(message_ts=ts)
        .execution_options(synchronize_session=False)
    )


def get_item(session: Session, team_id: str, item_id: int) -> BacklogItem | None:
    """An item by id, within the workspace."""
    return session.scalar(
        select(BacklogItem).where(BacklogItem.team_id == team_id, BacklogItem.id == item_id)
    )


def open_items(
    session: Session, team_id: str, channel_id: str, *, limit: int, offset: int = 0
) -> list[BacklogItem]:
    """The channel's open backlog in rank order."""
    return list(
        session.scalars(
            select(BacklogItem)
            .where(
                BacklogItem.team_id == team_id,
                BacklogItem.channel_id == channel_id,
                BacklogItem.status.in_(OPEN_STATUSES),
            )
            .order_by(BacklogItem.rank)
            .limit(limit)
            .offset(offset)
        )
    )


def open_views(
    session: Session, team_id: str, channel_id: str, *, limit: int, offset: int = 0
) -> list[ItemView]:
    """One page of the channel's open backlog as views, each at its place."""
    items = open_items(session, team_id, channel_id, limit=limit, offset=offset)
    return [to_view(item, offset + n) for n, item in enumerate(items, start=1)]


def views_by_author(
    session: Session, team_id: str, author_id: str, *, limit: int
) -> list[ItemView]:
    """A person's open tensions across channels, newest first, each at its place.

    Two statements: the page of items, then the places of just those (a correlated count
    in the first would be computed for every open item of the author before the limit).
    """
    items = list(
        session.scalars(
            select(BacklogItem)
            .where(
                BacklogItem.team_id == team_id,
                BacklogItem.author_id == author_id,
                BacklogItem.status.in_(OPEN_STATUSES),
            )
            .order_by(BacklogItem.created_at.desc(), BacklogItem.id.desc())
            .limit(limit)
        )
    )
    places: dict[int, int] = {}
    for channel_id in {i.channel_id for i in items}:
        ranks = {i.id: i.rank for i in items if i.channel_id == channel_id and i.rank is not None}
        places.update(_places(session, team_id, channel_id, ranks))
    return [to_view(item, places.get(item.id)) for item in items]


def _places(
    session: Session, team_id: str, channel_id: str, ranks: dict[int, int]
) -> dict[int, int]:
    """The places of some ranked items of one channel, each counted from its nearer end of
    the backlog: a new tension sits at the bottom, and counting from the top would read the
    whole backlog for it. Reads the ranks between each end and the farthest item."""
    if not ranks:
        return {}
    in_channel = (
        BacklogItem.team_id == team_id,
        BacklogItem.channel_id == channel_id,
        BacklogItem.rank.is_not(None),
    )
    total, low, high = session.execute(
        select(func.count(), func.min(BacklogItem.rank), func.max(BacklogItem.rank)).where(
            *in_channel
        )
    ).one()
    near_top = {i: r for i, r in ranks.items() if r - low <= high - r}
    near_bottom = {i: r for i, r in ranks.items() if i not in near_top}
    top_end = max(near_top.values(), default=low - 1)  # ranks low..top_end are read
    bottom_end = min(near_bottom.values(), default=high + 1)  # and bottom_end..high
    read = list(
        session.scalars(
            select(BacklogItem.rank)
            .where(*in_channel, or_(BacklogItem.rank <= top_end, BacklogItem.rank >= bottom_end))
            .order_by(BacklogItem.rank)
        )
    )
    places = {i: bisect_right(read, r) for i, r in near_top.items()}
    return places | {i: total - (len(read) - bisect_right(read, r)) for i, r in near_bottom.items()}


def history(session: Session, team_id: str, item_id: int) -> list[ItemEvent]:
    """An item's history, oldest first."""
    return list(
        session.scalars(
            select(ItemEvent)
            .where(ItemEvent.team_id == team_id, ItemEvent.item_id == item_id)
            .order_by(ItemEvent.id)
        )
    )


def view_of(session: Session, item: BacklogItem) -> ItemView:
    """One item as the rest of the bot sees it, with its place on the backlog."""
    return to_view(item, place_of(session, item))


def to_view(item: BacklogItem, place: int | None) -> ItemView:
    """Detach an ORM item into the domain's value type, at the place the caller knows."""
    return ItemView(
        id=item.id,
        team_id=item.team_id,
        channel_id=item.channel_id,
        number=item.number,
        author_id=item.author_id,
        text=item.text,
        status=ItemStatus(item.status),
        rank=place if item.rank is not None else None,
        created_at=item.created_at,
        message_ts=item.message_ts,
        situation=item.situation,
        effect=item.effect,
        relevance=item.relevance,
        nature=item.nature,
        next_step=NextStep(item.next_step) if item.next_step else None,
        due_date=item.due_date,
        source_link=item.source_link,
        passed_from=item.passed_from,
        on_behalf_of=item.on_behalf_of,
        intended_outcome=item.intended_outcome,
        estimate_minutes=item.estimate_minutes,
    )


def move_to(session: Session, item: BacklogItem, place: int, wanted: int) -> None:
    """Move a ranked item from its place to place `wanted` (1..n), the items in between
    one place towards its old one. Touches only the rows between the two places."""
    before = item.rank
    target = rank_at(session, item.team_id, item.channel_id, wanted)
    if before is None or target is None or wanted == place:
        return
    item.rank = None
    session.flush()
    if wanted < place:
        _shift(session, item.team_id, item.channel_id, target, before - 1, +1)
    else:
        _shift(session, item.team_id, item.channel_id, before + 1, target, -1)
    item.rank = target
    session.flush()


def _shift(
    session: Session, team_id: str, channel_id: str, low: int, high: int | None, by: int
) -> None:
    """Add `by` to the ranks low..high (high None: to the end) of the channel's backlog.

    Two statements keep the unique (channel, rank) index valid whatever order the rows are
    updated in: first to the negated new rank (negative ranks are free), then back.
    """
    session.flush()  # the rank a caller took away must be gone from the table first
    scope = (BacklogItem.team_id == team_id, BacklogItem.channel_id == channel_id)
    in_range = [BacklogItem.rank >= low] + ([BacklogItem.rank <= high] if high is not None else [])
    session.execute(
        update(BacklogItem)
        .where(*scope, *in_range)
        .values(rank=-(BacklogItem.rank + by))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(BacklogItem)
        .where(*scope, BacklogItem.rank < 0)
        .values(rank=-BacklogItem.rank)
        .execution_options(synchronize_session=False)
    )
    # Ranked items already in the session would show their old ranks: reload them when read.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, BacklogItem) and inspect(obj).dict.get("rank") is not None:
            session.expire(obj, ["rank"])


def channels_with_backlog(session: Session, team_id: str, limit: int) -> list[str]:
    """Channels of the workspace that have open items, busiest first."""
    rows = session.execute(
        select(BacklogItem.channel_id, func.count())
        .where(BacklogItem.team_id == team_id, BacklogItem.status.in_(OPEN_STATUSES))
        .group_by(BacklogItem.channel_id)
        .order_by(func.count().desc(), BacklogItem.channel_id)
        .limit(limit)
    )
    return [channel for channel, _ in rows]
