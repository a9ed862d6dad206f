"""Any workspace can install the bot: the OAuth install over HTTP, each workspace's token
for its own requests and sweeps, and tokens gone at once on uninstall or revocation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.blocks import ids
from bot.delivery import outbox
from bot.delivery.reminders import send_review_nudges
from bot.delivery.rounds import render_rounds
from bot.scheduler import run_all_once
from bot.services import agreements
from bot.store import installations, models
from bot.store.db import make_session_factory
from tests.support.harness import (
    ALICE,
    BRAM,
    CHANNEL,
    CLIENT_ID,
    Bot,
    FakeClock,
    make_multi_bot,
    modal_values,
)
from tests.support.install import finish_install, get, install, served, start_install
from tests.support.steps import START, click, last_modal, submit


@pytest.fixture
def multi(db_url: str, fake) -> Iterator[Bot]:
    b = make_multi_bot(db_url, fake, clock=FakeClock(START), team_id="T0002")
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


@pytest.fixture
def base(multi: Bot) -> Iterator[str]:
    with served(multi) as url:
        yield url


def _store(bot: Bot):
    return installations.installation_store(bot.deps.engine, CLIENT_ID)


def _bot_token(bot: Bot, team_id: str) -> str | None:
    found = _store(bot).find_bot(enterprise_id=None, team_id=team_id)
    return found.bot_token if found else None


def _count(bot: Bot, table: str) -> int:
    with bot.deps.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608


def _items(bot: Bot) -> list[models.BacklogItem]:
    with make_session_factory(bot.deps.engine)() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


def _tokens_of_posts(bot: Bot) -> list[str | None]:
    return [c.token for c in bot.fake.calls if c.method == "chat.postMessage" and c.ok]


def _driver_for(bot: Bot, team_id: str, url: str | None = None):
    from tests.fakes import SlackDriver
    from tests.support.harness import SECRET

    where = {"url": url} if url else {"app": bot.app}
    return SlackDriver(SECRET, team_id=team_id, response_url_base=bot.fake.hooks_url, **where)


# ------------------------------------------------------------------ the install itself


def test_a_workspace_installs_over_http_and_its_tension_goes_with_its_own_token(
    multi: Bot, base: str
) -> None:
    started = start_install(base, language="nl-NL,nl;q=0.9,en;q=0.8")
    assert "Voeg S3 Governance toe aan je werkruimte" in started.page.text
    assert "Toevoegen aan Slack" in started.page.text
    assert f"client_id={CLIENT_ID}" in started.authorize_url
    assert "scope=commands,chat:write," in started.authorize_url
    assert _count(multi, "slack_oauth_states") == 1

    code = multi.fake.authorize(CLIENT_ID, "T0002", team_name="Cirkelwerk")
    done = finish_install(base, started, code, language="en-GB,en;q=0.9")
    assert done.status == 200
    assert "S3 Governance is now installed in Cirkelwerk." in done.text
    assert "/invite @S3 Governance" in done.text and "/tension" in done.text
    assert "deleted" in done.headers["set-cookie"]  # the state cookie is spent
    token = _bot_token(multi, "T0002")
    assert token is not None and multi.fake.tokens_of("T0002") == {token}
    assert _count(multi, "slack_oauth_states") == 0
    [exchange] = multi.fake.calls_to("oauth.v2.access")
    assert exchange.ok and "code" in exchange.args and exchange.token is None

    # The new workspace uses the bot at once, over signed HTTP.
    driver = _driver_for(multi, "T0002", url=base)
    response = driver.command("/tension", "Our release notes are always late", user_id=ALICE,
                              channel_id=CHANNEL)  # fmt: skip
    multi.settle()
    assert response.status == 200
    [item] = _items(multi)
    assert (item.team_id, item.text) == ("T0002", "Our release notes are always late")
    assert _tokens_of_posts(multi) == [token]
    [message] = multi.fake.messages_in(CHANNEL)
    assert "raised tension #1" in message["text"] + json.dumps(message.get("blocks"))
    assert all(c.token == token for c in multi.fake.calls if c.token is not None)


def test_the_install_page_is_english_by_default(multi: Bot, base: str) -> None:
    page = start_install(base, language="de-DE").page
    assert "Add S3 Governance to your workspace" in page.text and "Add to Slack" in page.text


@pytest.mark.parametrize(
    ("how", "status", "says"),
    [
        ("no state cookie", 400, "expired or was already used"),
        ("state used before", 401, "expired or was already used"),
        ("state expired", 401, "expired or was already used"),
        ("code refused by Slack", 401, "Slack did not confirm the installation"),
        ("person cancelled", 200, "The installation was cancelled"),
    ],
)
def test_an_install_that_cannot_complete_says_so_and_stores_nothing(
    multi: Bot, base: str, how: str, status: int, says: str
) -> None:
    started = start_install(base)
    code: str | None = multi.fake.authorize(CLIENT_ID, "T0002")
    if how == "no state cookie":
        page = finish_install(base, started, code, cookie="")
    elif how == "state used before":
        first = finish_install(base, started, code)
        assert first.status == 200
        with multi.deps.engine.begin() as conn:
            conn.execute(text("DELETE FROM slack_bots"))
            conn.execute(text("DELETE FROM slack_installations"))
        page = finish_install(base, started, multi.fake.authorize(CLIENT_ID, "T0002"))
    elif how == "state expired":
        with multi.deps.engine.begin() as conn:
            conn.execute(text("UPDATE slack_oauth_states SET expire_at = '2000-01-01 00:00:00'"))
        page = finish_install(base, started, code)
    elif how == "code refused by Slack":
        page = finish_install(base, started, "not-a-code-slack-gave")
        [refused] = multi.fake.calls_to("oauth.v2.access")
        assert refused.response == {"ok": False, "error": "invalid_code"}
    else:
        page = get(f"{base}/slack/oauth_redirect?error=access_denied&state={started.state}",
                   cookie=started.cookie)  # fmt: skip
    assert page.status == status
    assert says in page.text and "nothing was installed" in page.text
    assert "Start the installation again" in page.text and 'href="/slack/install"' in page.body
    assert _count(multi, "slack_bots") == 0 and _count(multi, "slack_installations") == 0


def test_the_failure_page_is_in_dutch_for_a_dutch_browser(multi: Bot, base: str) -> None:
    started = start_install(base)
    page = finish_install(base, started, "bogus", language="nl")
    assert "Slack heeft de installatie niet bevestigd" in page.text
    assert "Begin de installatie opnieuw" in page.text


# ------------------------------------------------------------------ no installation


def test_a_workspace_without_installation_is_refused_cleanly_and_logged_once(
    multi: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = _driver_for(multi, "T0404")
    with caplog.at_level(logging.WARNING):
        first = stranger.command("/tension", "let me in", user_id=ALICE, channel_id=CHANNEL)
        second = stranger.command("/tension", "please", user_id=ALICE, channel_id=CHANNEL)
        event = stranger.reaction_added(
            "+1", user_id=ALICE, channel_id=CHANNEL, ts="1700000000.000100", item_user=ALICE
        )
        multi.settle()
    assert (first.status, second.status, event.status) == (200, 200, 200)
    assert _items(multi) == []
    replies = [r["payload"]["text"] for r in multi.fake.responses]
    assert len(replies) == 2
    assert all("not installed in this workspace" in r for r in replies)
    gone = [r for r in caplog.records if "T0404" in r.getMessage()]
    assert len(gone) == 1 and "its work waits until it is installed" in gone[0].getMessage()
    assert not [c for c in multi.fake.calls if c.method != "oauth.v2.access"]  # Slack untouched


# ------------------------------------------------------------------ uninstall and revoke


def test_uninstalling_deletes_the_tokens_at_once_and_keeps_the_governance(
    multi: Bot, base: str
) -> None:
    assert install(base, multi.fake, "T0002").status == 200
    driver = _driver_for(multi, "T0002")
    driver.command("/tension", "keep me", user_id=ALICE, channel_id=CHANNEL)
    multi.settle()
    assert _bot_token(multi, "T0002") is not None

    assert driver.event({"type": "app_uninstalled"}).status == 200
    multi.settle()
    assert _bot_token(multi, "T0002") is None
    assert _count(multi, "slack_installations") == 0
    assert [i.text for i in _items(multi)] == ["keep me"]  # the governance data stays

    # Installed again, it finds its backlog where it left it.
    assert install(base, multi.fake, "T0002").status == 200
    driver.command("/tension", "back again", user_id=ALICE, channel_id=CHANNEL)
    multi.settle()
    assert [i.number for i in _items(multi)] == [1, 2]


def _uninstalled_at(bot: Bot, team_id: str) -> datetime | None:
    with make_session_factory(bot.deps.engine)() as s:
        ws = s.get(models.Workspace, team_id)
        return ws.uninstalled_at if ws else None


def _teams_with_items(bot: Bot) -> list[str]:
    return sorted({i.team_id for i in _items(bot)})


def test_an_uninstalled_workspaces_data_is_deleted_after_the_retention_period(
    multi: Bot, base: str
) -> None:
    for team in ("T0002", "T0003"):
        install(base, multi.fake, team)
        _driver_for(multi, team).command("/tension", f"of {team}", user_id=ALICE,
                                         channel_id=CHANNEL)  # fmt: skip
        multi.settle()
    gone = _driver_for(multi, "T0002")
    assert gone.event({"type": "app_uninstalled"}).status == 200
    multi.settle()
    uninstalled = _uninstalled_at(multi, "T0002")
    assert uninstalled is not None and _uninstalled_at(multi, "T0003") is None
    # A repeated event (Slack retries) does not push the deletion back.
    multi.deps.clock.advance(days=2)
    gone.event({"type": "app_uninstalled"})
    multi.settle()
    assert _uninstalled_at(multi, "T0002") == uninstalled

    multi.deps.clock.advance(days=27)  # 29 days after: still kept for a reinstall
    assert run_all_once(multi.deps)["purge-uninstalled"] == 0
    assert _teams_with_items(multi) == ["T0002", "T0003"]

    multi.deps.clock.advance(days=1, seconds=1)  # 30 days and a second: the period is over
    assert run_all_once(multi.deps)["purge-uninstalled"] == 1
    assert _teams_with_items(multi) == ["T0003"]  # the other workspace keeps everything
    with make_session_factory(multi.deps.engine)() as s:
        assert s.get(models.Workspace, "T0002") is None
        assert s.get(models.Workspace, "T0003") is not None
    assert run_all_once(multi.deps)["purge-uninstalled"] == 0  # once


def test_installing_again_within_the_period_keeps_the_data(multi: Bot, base: str) -> None:
    install(base, multi.fake, "T0002")
    driver = _driver_for(multi, "T0002")
    driver.command("/tension", "keep me", user_id=ALICE, channel_id=CHANNEL)
    multi.settle()
    driver.event({"type": "app_uninstalled"})
    multi.settle()
    multi.deps.clock.advance(days=10)
    assert install(base, multi.fake, "T0002").status == 200
    assert _uninstalled_at(multi, "T0002") is None
    multi.deps.clock.advance(days=60)
    assert run_all_once(multi.deps)["purge-uninstalled"] == 0
    assert [i.text for i in _items(multi)] == ["keep me"]


def test_revoked_tokens_are_deleted_at_once(multi: Bot, base: str) -> None:
    install(base, multi.fake, "T0002")
    install(base, multi.fake, "T0003")
    driver = _driver_for(multi, "T0002")
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}}
    assert driver.event(revoked).status == 200
    multi.settle()
    assert _bot_token(multi, "T0002") is None
    assert _bot_token(multi, "T0003") is not None  # another workspace keeps its tokens


# ------------------------------------------------------------------ sweeps, per workspace


def _unsent(bot: Bot) -> list[tuple[str, int]]:
    with make_session_factory(bot.deps.engine)() as s:
        rows = s.execute(
            select(models.Outbox.team_id, models.Outbox.attempts).where(
                models.Outbox.sent_at.is_(None)
            )
        )
        return sorted((t, a) for t, a in rows)


def _queue_announcements(bot: Bot, teams: list[str]) -> None:
    """Raise a tension in each workspace (same channel id, same person) while Slack refuses
    posts, so each announcement waits in the outbox for the sweep."""
    for team in teams:
        bot.fake.fail_next("chat.postMessage", status=200, error="fatal_error")
        _driver_for(bot, team).command("/tension", f"tension of {team}", user_id=ALICE,
                                       channel_id=CHANNEL)  # fmt: skip
        bot.settle()
    assert [t for t, _ in _unsent(bot)] == sorted(teams)


def test_two_workspaces_with_the_same_ids_each_sweep_with_its_own_token(
    multi: Bot, base: str
) -> None:
    install(base, multi.fake, "T0002")
    install(base, multi.fake, "T0003")
    _queue_announcements(multi, ["T0002", "T0003"])
    multi.fake.reset()
    multi.deps.clock.advance(hours=1)

    assert outbox.deliver_outbox(multi.deps) == 2
    assert _unsent(multi) == []
    posts = [c for c in multi.fake.calls if c.method == "chat.postMessage" and c.ok]
    by_token = {multi.fake.token_teams[c.token]: c.args["text"] for c in posts}
    assert set(by_token) == {"T0002", "T0003"}
    assert all(c.args["channel"] == CHANNEL for c in posts)
    assert "tension of T0002" in by_token["T0002"]
    assert "tension of T0003" in by_token["T0003"]


def test_a_revoked_token_during_a_sweep_keeps_that_workspaces_rows_for_later(
    multi: Bot, base: str, caplog: pytest.LogCaptureFixture
) -> None:
    install(base, multi.fake, "T0002")
    install(base, multi.fake, "T0003")
    _queue_announcements(multi, ["T0002", "T0003"])
    multi.fake.revoke("T0002")  # Slack no longer takes its token; the event is not here yet
    multi.fake.reset()
    multi.deps.clock.advance(hours=1)

    with caplog.at_level(logging.WARNING):
        assert outbox.deliver_outbox(multi.deps) == 1
        multi.deps.clock.advance(hours=1)
        assert outbox.deliver_outbox(multi.deps) == 0
    assert [t for t, _ in _unsent(multi)] == ["T0002"]  # kept, not dropped
    posts = [c for c in multi.fake.calls if c.method == "chat.postMessage" and c.ok]
    assert [multi.fake.token_teams[c.token] for c in posts] == ["T0003"]
    refused = [c for c in multi.fake.calls if c.response.get("error") == "token_revoked"]
    assert refused and all(multi.fake.token_teams[c.token] == "T0002" for c in refused)
    logged = [r for r in caplog.records if "T0002" in r.getMessage() and "waits" in r.getMessage()]
    assert len(logged) == 1


def test_a_workspace_whose_installation_is_gone_is_skipped_and_its_rows_wait(
    multi: Bot, base: str
) -> None:
    install(base, multi.fake, "T0002")
    install(base, multi.fake, "T0003")
    _queue_announcements(multi, ["T0002", "T0003"])
    _store(multi).delete_all(enterprise_id=None, team_id="T0002")
    multi.fake.reset()
    multi.deps.clock.advance(hours=1)

    assert outbox.deliver_outbox(multi.deps) == 1
    [(team, attempts)] = _unsent(multi)
    assert team == "T0002" and attempts == 1  # not spent on a workspace that cannot be told
    assert {multi.fake.token_teams[c.token] for c in multi.fake.calls if c.token} == {"T0003"}

    # Installed again: the waiting announcement goes out with the new token.
    install(base, multi.fake, "T0002")
    multi.deps.clock.advance(hours=1)
    assert outbox.deliver_outbox(multi.deps) == 1
    assert _unsent(multi) == []


# ------------------------------------------------------------------ token rotation


def _expire_soon(bot: Bot, team_id: str) -> None:
    with bot.deps.engine.begin() as conn:
        conn.execute(
            text("UPDATE slack_bots SET bot_token_expires_at = :t WHERE team_id = :team"),
            {"t": "2000-01-01 00:00:00", "team": team_id},
        )


def test_a_rotating_token_is_refreshed_before_it_expires_for_a_sweep(multi: Bot, base: str) -> None:
    install(base, multi.fake, "T0002", rotating=True)
    old = _bot_token(multi, "T0002")
    assert old is not None and old.startswith("xoxe.xoxb-")
    _queue_announcements(multi, ["T0002"])
    multi.fake.reset()
    multi.deps.clock.advance(hours=1)
    assert outbox.deliver_outbox(multi.deps) == 1  # 12 hours left: no refresh yet
    assert multi.fake.calls_to("oauth.v2.access") == []

    _queue_announcements(multi, ["T0002"])
    _expire_soon(multi, "T0002")
    multi.fake.reset()
    multi.deps.clock.advance(hours=1)
    assert outbox.deliver_outbox(multi.deps) == 1
    [refresh] = multi.fake.calls_to("oauth.v2.access")
    assert refresh.ok and refresh.args["grant_type"] == "refresh_token"
    new = _bot_token(multi, "T0002")
    assert new != old and new == refresh.response["access_token"]
    assert _tokens_of_posts(multi) == [new]


def test_a_rotating_token_is_refreshed_for_a_request(multi: Bot, base: str) -> None:
    install(base, multi.fake, "T0002", rotating=True)
    old = _bot_token(multi, "T0002")
    _expire_soon(multi, "T0002")
    multi.fake.reset()
    _driver_for(multi, "T0002").command("/tension", "fresh", user_id=ALICE, channel_id=CHANNEL)
    multi.settle()
    [refresh] = multi.fake.calls_to("oauth.v2.access")
    assert refresh.args["grant_type"] == "refresh_token"
    new = _bot_token(multi, "T0002")
    assert new != old
    assert _tokens_of_posts(multi) == [new]


def test_a_refused_refresh_leaves_the_work_waiting(multi: Bot, base: str) -> None:
    install(base, multi.fake, "T0002", rotating=True)
    _queue_announcements(multi, ["T0002"])
    _expire_soon(multi, "T0002")
    multi.fake.reset()
    multi.fake.fail_next("oauth.v2.access", status=200, error="invalid_refresh_token")
    multi.deps.clock.advance(hours=1)
    assert outbox.deliver_outbox(multi.deps) == 0
    assert [t for t, _ in _unsent(multi)] == ["T0002"]
    assert _tokens_of_posts(multi) == []


def _agreement(bot: Bot, team_id: str, title: str) -> None:
    agreements.record(
        bot.deps.sessions, team_id=team_id, channel_id=CHANNEL, author_id=ALICE, title=title,
        text=f"{title}, by the release lead.", driver=None, responsibilities=None,
        evaluation=None, responsible_ids=[BRAM], review_date=date(2026, 12, 15),
        now=bot.deps.clock(), today=bot.deps.clock().date(),
    )  # fmt: skip


def test_review_reminders_go_with_each_workspaces_token_and_wait_when_it_is_gone(
    multi: Bot, base: str
) -> None:
    for team in ("T0002", "T0003", "T0004"):
        install(base, multi.fake, team)
        _agreement(multi, team, f"Agreement of {team}")
    _store(multi).delete_all(enterprise_id=None, team_id="T0004")
    multi.fake.reset()
    multi.deps.clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)  # 09:01 in Amsterdam

    assert send_review_nudges(multi.deps) == 2
    posts = [c for c in multi.fake.calls if c.method == "chat.postMessage" and c.ok]
    by_team = {multi.fake.token_teams[c.token]: c.args["text"] for c in posts}
    assert set(by_team) == {"T0002", "T0003"}  # the same person, each workspace's own token
    assert all(f"Agreement of {team}" in text for team, text in by_team.items())
    assert {multi.fake.token_teams[c.token] for c in multi.fake.calls if c.token} == {
        "T0002", "T0003"
    }  # fmt: skip

    # T0004 installs again: its reminder was kept and goes out now, with its new token.
    install(base, multi.fake, "T0004")
    multi.fake.reset()
    assert send_review_nudges(multi.deps) == 1
    [post] = [c for c in multi.fake.calls if c.method == "chat.postMessage" and c.ok]
    assert multi.fake.token_teams[post.token] == "T0004"
    assert "Agreement of T0004" in post.args["text"]


def _start_round_in(bot: Bot, team_id: str, text: str) -> int:
    """Start a consent round in `team_id` (the same channel id and people as elsewhere)."""
    bot.driver = _driver_for(bot, team_id)
    bot.command(text, command="/consent")
    modal = last_modal(bot)
    fields = {"text": text, "review_date": date(2027, 3, 1), "deadline": START + timedelta(days=3)}
    response = submit(bot, modal, modal_values(**fields))
    assert response.status == 200 and response.body == "", response.body
    with bot.deps.sessions() as s:
        return s.scalar(
            select(func.max(models.ConsentRound.id)).where(models.ConsentRound.team_id == team_id)
        )


def test_round_messages_are_kept_up_to_date_with_each_workspaces_token(
    multi: Bot, base: str
) -> None:
    install(base, multi.fake, "T0002")
    install(base, multi.fake, "T0003")
    rounds = {
        team: _start_round_in(multi, team, f"Proposal of {team}") for team in ("T0002", "T0003")
    }
    before = len(multi.fake.calls)
    for team, round_id in rounds.items():
        multi.driver = _driver_for(multi, team)
        click(multi, ids.ACT_ANSWER_CONSENT, round_id, ALICE)  # its kick renders the round
    multi.deps.clock.advance(seconds=30)
    render_rounds(multi.deps)
    multi.settle()

    updates = [c for c in multi.fake.calls[before:] if c.method == "chat.update"]
    assert updates and all(c.ok for c in updates)
    by_team = {multi.fake.token_teams[c.token]: str(c.args) for c in updates}
    assert set(by_team) == {"T0002", "T0003"}
    assert all(f"Proposal of {team}" in shown for team, shown in by_team.items())
    assert all("1 of 3 have answered" in shown for shown in by_team.values())
