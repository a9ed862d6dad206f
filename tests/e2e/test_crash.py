"""kill -9 of `s3bot serve` in the middle of a burst: every acknowledged request is stored,
and after a restart and a sweep each is announced exactly once."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.delivery.outbox import deliver_outbox
from bot.deps import build_deps
from bot.domain.clock import utcnow
from bot.runtime.pacing import patient
from bot.store import models
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, CHANNEL, SECRET, TEAM, settings_for
from tests.support.server import Server

BURST = 40


def test_kill_9_during_a_tension_burst_loses_nothing_and_doubles_nothing(
    db_url: str, fake, tmp_path: Path
) -> None:
    server = Server(db_url, fake.url, tmp_path)
    fake.set_delay("chat.postMessage", 0.5)  # announcements still in flight when it dies
    driver = SlackDriver(SECRET, url=server.url, team_id=TEAM, response_url_base=fake.hooks_url)
    acked = []
    try:
        for n in range(BURST):
            text = f"burst tension {n:03d}"
            if driver.command("/tension", text, user_id=ALICE, channel_id=CHANNEL).status == 200:
                acked.append(text)
    finally:
        server.kill_9()
    time.sleep(1.0)  # posts in flight when it died land (the lease is far longer than this)
    fake.set_delay("chat.postMessage", 0)
    assert len(acked) == BURST
    posted_before_restart = len(fake.messages_in(CHANNEL))
    assert posted_before_restart < BURST  # the kill did cut announcements short

    # A restart: a new process's sweep, once the dead one's leases ran out.
    later = utcnow() + timedelta(minutes=5)
    deps = build_deps(settings_for(db_url, fake), clock=lambda: later)
    try:
        with deps.sessions() as s:
            stored = set(s.scalars(select(models.BacklogItem.text)))
        assert stored == set(acked)  # every acknowledged tension is stored
        for _ in range(3):  # sweeping again and again sends nothing twice
            with patient():
                deliver_outbox(deps, limit=500)
        with deps.sessions() as s:
            unsent = s.scalar(
                select(func.count())
                .select_from(models.Outbox)
                .where(models.Outbox.sent_at.is_(None))
            )
            unlinked = s.scalar(
                select(func.count())
                .select_from(models.BacklogItem)
                .where(models.BacklogItem.message_ts.is_(None))
            )
    finally:
        deps.engine.dispose()
    announced = Counter(
        m
        for message in fake.messages_in(CHANNEL)
        for m in re.findall(r"burst tension \d{3}", json.dumps(message.get("blocks")))
    )
    assert set(announced) == set(acked)
    assert max(announced.values()) == 1, [t for t, c in announced.items() if c > 1]
    assert unsent == 0 and unlinked == 0
