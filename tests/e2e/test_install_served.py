"""`s3bot serve` in multi-workspace mode: a workspace installs it over HTTP, then uses it."""

from __future__ import annotations

from pathlib import Path

from bot.store.db import make_engine
from bot.store.installations import installation_store
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, CHANNEL, CLIENT_ID, CLIENT_SECRET, SECRET
from tests.support.install import finish_install, get, start_install
from tests.support.server import Server


def test_served_install_then_a_tension_with_the_new_workspaces_token(
    db_url: str, fake, tmp_path: Path
) -> None:
    fake.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
    srv = Server(
        db_url, fake.url, tmp_path,
        {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET},
    )  # fmt: skip
    try:
        started = start_install(srv.url, language="nl")
        assert "Toevoegen aan Slack" in started.page.text
        done = finish_install(srv.url, started, fake.authorize(CLIENT_ID, "T0007"))
        assert done.status == 200 and "installed in Team T0007" in done.text
        engine = make_engine(db_url)
        try:
            bot = installation_store(engine, CLIENT_ID).find_bot(
                enterprise_id=None, team_id="T0007"
            )
        finally:
            engine.dispose()
        assert bot is not None and fake.tokens_of("T0007") == {bot.bot_token}

        driver = SlackDriver(SECRET, url=srv.url, team_id="T0007", response_url_base=fake.hooks_url)
        response = driver.command("/tension", "Served and installed", user_id=ALICE,
                                  channel_id=CHANNEL)  # fmt: skip
        assert response.status == 200
        [post] = fake.wait_for("chat.postMessage")
        assert post.token == bot.bot_token and "Served and installed" in str(post.args)

        assert get(f"{srv.url}/slack/oauth_redirect?code=x&state=y").status == 400  # no cookie
    finally:
        log = srv.stop()
    assert "Traceback" not in log, log
