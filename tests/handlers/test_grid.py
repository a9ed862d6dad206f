"""Enterprise Grid (issue 13, part 3): an org admin installs the bot for the whole org; every
workspace of the org then uses it with the org-wide token, in requests and in the sweeps
(which know a workspace's org from its requests); an org-wide uninstall removes that token
and starts the retention period of every workspace of the org."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.store import installations, models
from bot.store.db import make_session_factory
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, CHANNEL, CLIENT_ID, SECRET, Bot, FakeClock, make_multi_bot
from tests.support.install import finish_install, served, start_install
from tests.support.steps import START

ORG = "E0ORG"


@pytest.fixture
def multi(db_url: str, fake) -> Iterator[Bot]:
    b = make_multi_bot(db_url, fake, clock=FakeClock(START), team_id="T0002")
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def _org_install(bot: Bot) -> str:
    """An org admin installs the app for the whole org, over HTTP; the org-wide token."""
    with served(bot) as base:
        started = start_install(base)
        code = bot.fake.authorize(CLIENT_ID, "T0002", enterprise_id=ORG, org_wide=True)
        page = finish_install(base, started, code)
    assert page.status == 200, page.text
    store = installations.installation_store(bot.deps.engine, CLIENT_ID)
    found = store.find_bot(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
    assert found is not None and found.is_enterprise_install
    return found.bot_token


def _in_org(bot: Bot, team_id: str) -> SlackDriver:
    driver = SlackDriver(SECRET, app=bot.app, team_id=team_id, response_url_base=bot.fake.hooks_url)
    driver.enterprise_id, driver.org_install = ORG, True
    return driver


def _items(bot: Bot) -> list[models.BacklogItem]:
    with make_session_factory(bot.deps.engine)() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


def test_every_workspace_of_the_org_uses_the_org_wide_token(multi: Bot) -> None:
    token = _org_install(multi)
    for team, text in (("T0002", "Our release notes are late"), ("T0003", "Nobody owns on-call")):
        response = _in_org(multi, team).command("/tension", text, user_id=ALICE, channel_id=CHANNEL)
        multi.settle()
        assert response.status == 200 and "not installed" not in response.body
    assert [(i.team_id, i.text) for i in _items(multi)] == [
        ("T0002", "Our release notes are late"), ("T0003", "Nobody owns on-call"),
    ]  # fmt: skip
    posts = [c for c in multi.fake.calls if c.method == "chat.postMessage" and c.ok]
    assert len(posts) == 2 and {c.token for c in posts} == {token}
    text = json.dumps([c.args for c in posts])
    assert "raised tension #1" in text


def test_the_sweeps_find_the_org_token_for_a_workspace_they_heard_from(multi: Bot) -> None:
    token = _org_install(multi)
    _in_org(multi, "T0003").command("/tension", "Handovers get lost", user_id=ALICE,
                                    channel_id=CHANNEL)  # fmt: skip
    multi.settle()
    with make_session_factory(multi.deps.engine)() as s:
        assert s.get(models.Workspace, "T0003").enterprise_id == ORG
    # A sweep has only the workspace's id (no request, no enterprise id at hand).
    assert multi.deps.clients.for_team("T0003").token == token


def test_an_org_wide_uninstall_removes_the_token_and_keeps_the_data(multi: Bot) -> None:
    _org_install(multi)
    for team in ("T0002", "T0003"):
        _in_org(multi, team).command("/tension", f"A tension in {team}", user_id=ALICE,
                                     channel_id=CHANNEL)  # fmt: skip
    multi.settle()
    _in_org(multi, "T0002").event({"type": "app_uninstalled"})
    multi.settle()
    store = installations.installation_store(multi.deps.engine, CLIENT_ID)
    assert store.find_bot(enterprise_id=ORG, team_id=None, is_enterprise_install=True) is None
    with make_session_factory(multi.deps.engine)() as s:
        gone = {w.team_id: w.uninstalled_at for w in s.scalars(select(models.Workspace))}
    assert gone["T0002"] is not None and gone["T0003"] is not None
    assert len(_items(multi)) == 2  # kept for the retention period
    response = _in_org(multi, "T0003").command("/tension", "after", user_id=ALICE,
                                               channel_id=CHANNEL)  # fmt: skip
    multi.settle()
    assert response.status == 200 and len(_items(multi)) == 2  # refused: not installed
