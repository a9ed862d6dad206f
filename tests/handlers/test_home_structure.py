"""The Home tab shows the person's roles, the selections waiting for them, their circles' links."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.store import models
from bot.store.db import transaction
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot

PARENT = "C0PARENT"


def open_home(bot: Bot, user: str = ALICE) -> str:
    bot.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"})
    return json.dumps(bot.fake.home_views[user]["blocks"], ensure_ascii=False)


def seed(bot: Bot, holder: str = ALICE) -> None:
    """A tension makes CHANNEL one of the person's circles; a role and a selection in it."""
    bot.command("Our releases keep slipping")
    now = bot.deps.clock()
    with transaction(bot.deps.sessions) as s:
        circle = s.query(models.Circle).filter_by(team_id=TEAM, channel_id=CHANNEL).one()
        circle.parent_channel_id = PARENT
        held = models.Role(
            team_id=TEAM, channel_id=CHANNEL, name="Release <!channel> lead",
            name_key="release lead", status="active", holder_id=holder,
            term_start=date(2026, 12, 1), term_end=date(2027, 6, 1), created_by=BRAM,
            created_at=now,
        )  # fmt: skip
        vacant = models.Role(
            team_id=TEAM, channel_id=CHANNEL, name="Secretary", name_key="secretary",
            status="active", created_by=BRAM, created_at=now,
        )  # fmt: skip
        s.add_all([held, vacant])
        s.flush()
        sel = models.Selection(
            team_id=TEAM, channel_id=CHANNEL, role_id=vacant.id, started_by=BRAM,
            status="nominating", nominate_until=now + timedelta(days=2),
            change_until=now + timedelta(days=3), step=0, created_at=now,
        )  # fmt: skip
        s.add(sel)
        s.flush()
        s.add(models.SelectionParticipant(selection_id=sel.id, user_id=ALICE, team_id=TEAM))


def test_home_shows_your_roles_with_their_terms_escaped(bot: Bot) -> None:
    seed(bot)
    shown = open_home(bot)
    assert "Your roles" in shown
    assert f"*Release &lt;!channel&gt; lead* in <#{CHANNEL}>, until 2027-06-01" in shown
    assert "<!channel>" not in shown


def test_home_shows_a_selection_waiting_for_your_nomination_only_to_participants(bot: Bot):
    seed(bot)
    shown = open_home(bot)
    assert "Role selections waiting for you" in shown
    assert f"*Secretary* in <#{CHANNEL}>: your nomination, until" in shown
    other = open_home(bot, BRAM)  # started it, but is not asked to nominate
    assert "Role selections waiting for you" not in other and "Your roles" not in other


def test_home_shows_the_circle_delegated_by_its_parent(bot: Bot) -> None:
    seed(bot)
    assert f"<#{CHANNEL}> · delegated by <#{PARENT}>" in open_home(bot)


def test_home_roles_in_dutch(bot: Bot) -> None:
    seed(bot, holder=BRAM)  # Bram reads Slack in Dutch
    shown = open_home(bot, BRAM)
    assert "Jouw rollen" in shown and "tot 2027-06-01" in shown
    assert f"<#{CHANNEL}> · gedelegeerd door <#{PARENT}>" in shown
