"""The channel's logbook as its canvas: asked for with `/agreements canvas`, then kept in sync.

Every transaction that changes a channel's logbook (an agreement, a backlog item, the
circle's domain description) queues one sync of that channel's canvas in the outbox, in that
same transaction, when the channel keeps one. One sync is pending per channel at a time
(`pending_key`); it goes out a few seconds after the change (so a burst ends in one edit) and
renders the logbook from the database when it is sent, so it shows the latest state.

The hook sits on SQLAlchemy's session events, so no change of the logbook can forget it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.export import (
    ChannelLog,
    ExportError,
    Style,
    load_logbook,
    md_domain,
    md_escape,
    md_register,
)
from bot.i18n import Messages
from bot.services import payloads
from bot.store import canvas_repo
from bot.store.db import transaction
from bot.store.models import Agreement, BacklogItem, DomainDescription

Factory = sessionmaker[Session]

DEBOUNCE = timedelta(seconds=5)  # a change's sync waits this long for the changes after it
BACKLOG_TOP = 10  # the canvas shows the top of the backlog; the export has all of it
_TOUCHED = canvas_repo.TOUCHED


@dataclass(frozen=True)
class CanvasTarget:
    """Where the channel's logbook goes now."""

    canvas_id: str | None  # None: not made yet
    requested_by: str


def request(
    factory: Factory, *, team_id: str, channel_id: str, user_id: str, response_url: str | None,
    now: datetime,
) -> None:  # fmt: skip
    """Someone asked for the logbook canvas: make or rebuild it now, and tell them."""
    with transaction(factory) as session:
        canvas_repo.ask(session, team_id, channel_id, user_id, now)
        _queue(session, team_id, channel_id, now, requested_by=user_id, response_url=response_url)


def _queue(
    session: Session, team_id: str, channel_id: str, not_before: datetime, **asked: Any
) -> None:
    found = canvas_repo.get(session, team_id, channel_id, lock=True)
    if found is None or not found.syncing or (found.pending_key and not asked):
        return  # no canvas here, or one sync is pending already and will show this too
    key = f"canvas:{channel_id}:{secrets.token_hex(8)}"
    found.pending_key = key
    payload = payloads.CanvasSync(channel_id=channel_id, **asked)
    payloads.queue(
        session, team_id=team_id, key=key, target=channel_id, payload=payload,
        now=not_before, not_before=not_before,
    )  # fmt: skip


def target(factory: Factory, *, team_id: str, channel_id: str, key: str) -> CanvasTarget | None:
    """The sync under `key` begins: where it goes, or None when the channel stopped syncing."""
    with transaction(factory) as session:
        canvas_repo.begin_sync(session, team_id, channel_id, key)
        found = canvas_repo.get(session, team_id, channel_id)
        if found is None or not found.syncing:
            return None
        return CanvasTarget(found.canvas_id, found.requested_by)


def remember(factory: Factory, *, team_id: str, channel_id: str, canvas_id: str | None) -> None:
    """Keep the id of the canvas made (None: it is gone, make a new one)."""
    with transaction(factory) as session:
        canvas_repo.set_canvas_id(session, team_id, channel_id, canvas_id)


def refuse(
    factory: Factory, *, team_id: str, channel_id: str, error: str, now: datetime
) -> str | None:
    """Slack refused the canvas: syncing stops until asked again. Who to tell (once)."""
    with transaction(factory) as session:
        return canvas_repo.refuse(session, team_id, channel_id, error, now)


def canvas_style(m: Messages) -> Style:
    """The canvas's: the workspace's language, people and channels as mentions, no history,
    the top of the backlog."""
    return Style(
        m, person=lambda u: f"![](@{md_escape(u)})", channel=lambda c: f"![](#{md_escape(c)})",
        history=False, backlog_limit=BACKLOG_TOP,
    )  # fmt: skip


def content(factory: Factory, *, team_id: str, channel_id: str, m: Messages, now: datetime) -> str:
    """The channel's logbook as canvas Markdown, from the same source as the export."""
    try:
        [log] = load_logbook(factory, team_id=team_id, channel_id=channel_id).channels
    except ExportError:
        log = ChannelLog(channel_id)  # nothing recorded yet: an empty logbook
    today = now.astimezone(UTC).date()
    style = canvas_style(m)
    intro = m._(
        "Kept up to date by the bot from the channel's governance records; edits made here "
        "are replaced at the next change. Updated {stamp}.",
        stamp=now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    out = ["# " + m._("Governance logbook"), "", intro, ""]
    out += md_domain(log, today, style) + md_register(log, today, style)
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------- the hook


def _stamp(obj: Agreement | BacklogItem | DomainDescription) -> datetime:
    """When the change happened: the latest time the service stamped on the record."""
    stamps = [getattr(obj, name, None) for name in ("updated_at", "decided_at", "created_at")]
    return max(s for s in stamps if isinstance(s, datetime))


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: object) -> None:
    """Note each channel whose logbook this flush changed."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Agreement | BacklogItem | DomainDescription):
            continue
        if isinstance(obj, DomainDescription) and obj.role_id is not None:
            continue  # a role's domain is not on the canvas
        if obj in session.dirty and not session.is_modified(obj):
            continue
        canvas_repo.note_change(session, obj.team_id, obj.channel_id, _stamp(obj))


@event.listens_for(Session, "before_commit")
def _queue_syncs(session: Session) -> None:
    """Queue a sync of each changed channel's canvas, in the transaction of the change."""
    session.flush()
    touched: dict[tuple[str, str], datetime] = session.info.pop(_TOUCHED, {})
    if not touched:
        return
    by_team: dict[str, list[str]] = {}
    for team_id, channel_id in touched:
        by_team.setdefault(team_id, []).append(channel_id)
    for team_id, channels in by_team.items():
        for channel_id in canvas_repo.syncing(session, team_id, channels):
            _queue(session, team_id, channel_id, touched[(team_id, channel_id)] + DEBOUNCE)
    session.flush()
    session.info.pop(_TOUCHED, None)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
