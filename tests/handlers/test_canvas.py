"""The logbook as the channel's canvas (issue 13, part 6): `/agreements canvas` makes it (or
rebuilds the one the bot made), every change of the logbook brings it up to date through the
outbox a few seconds later, and a workspace that will not have canvases is told once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.scheduler import run_all_once
from bot.services import agreements, workspace
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock
from tests.support.steps import START, click, last_modal, submit

OTHER_TEAM = "T0OTHER"


def _ask(bot: Bot, user: str = ALICE) -> list[str]:
    """`/agreements canvas`, then what the person was told (texts, oldest first)."""
    bot.command("canvas", user=user, command="/agreements")
    bot.settle()
    return [r["text"] for r in bot.responses_for(user)]


def _later(bot: Bot, clock: FakeClock, seconds: float = 10) -> None:
    """Time passes; the scheduler's sweeps run."""
    clock.advance(seconds=seconds)
    run_all_once(bot.deps)
    bot.settle()


def _add(bot: Bot, title: str, user: str = ALICE) -> None:
    bot.command("add", user=user, command="/agreements")
    view = last_modal(bot)
    inputs = {
        "title": title, "proposal": f"{title}, as the circle agreed.",
        "review_date": date(2027, 3, 1), "responsible_people": [BRAM],
    }  # fmt: skip
    response = bot.driver.view_submission(
        view["callback_id"], fill(view, inputs), user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )  # fmt: skip
    bot.settle()
    assert response.body == "", response.body


def _canvas(bot: Bot) -> dict:
    found = bot.fake.channel_canvas(CHANNEL)
    assert found is not None, "no canvas in the channel"
    return found


def _record(bot: Bot) -> models.ChannelCanvas:
    with bot.deps.sessions() as s:
        return s.scalars(select(models.ChannelCanvas)).one()


def _pending(bot: Bot) -> list[models.Outbox]:
    """Canvas syncs not sent (yet)."""
    with bot.deps.sessions() as s:
        rows = s.scalars(select(models.Outbox).where(models.Outbox.sent_at.is_(None))).all()
    return [row for row in rows if '"canvas_sync"' in row.payload]


def test_asking_makes_the_channel_canvas_and_tells_the_person_with_a_link(bot: Bot) -> None:
    _add(bot, "Release notes a day early")
    bot.command("Deploys on Friday keep breaking", command="/tension")
    told = _ask(bot)
    canvas = _canvas(bot)
    assert canvas["kind"] == "channel" and canvas["title"] == "Governance logbook"
    text = canvas["markdown"]
    assert text.startswith("# Governance logbook")
    assert "#### #1 Release notes a day early" in text
    assert "- **Review date:** 2027-03-01" in text and "![](@U0BRAM)" in text
    assert "### Dropped agreements" in text and "Deploys on Friday keep breaking" in text
    assert "No domain description in force." in text
    assert "**History**" not in text  # the export has it; the canvas stays short
    link = f"https://demo-team.slack.com/docs/{TEAM}/{canvas['id']}"
    assert any(link in t for t in told), told
    assert _record(bot).canvas_id == canvas["id"]
    bot.fake.assert_clean()


def test_each_change_brings_the_canvas_up_to_date_once_a_burst_is_over(
    bot: Bot, clock: FakeClock
) -> None:
    _ask(bot)
    made = _canvas(bot)
    assert "Empty." in made["markdown"]
    for text in ("Nobody owns the release checklist", "Reviews wait for days", "Too many pings"):
        bot.command(text, command="/tension")
    bot.settle()
    assert bot.fake.calls_to("canvases.edit") == []  # debounced: it waits for the burst
    _later(bot, clock)
    [edit] = bot.fake.calls_to("canvases.edit")
    canvas = _canvas(bot)
    assert canvas["id"] == made["id"] and canvas["edits"] == 1  # the same canvas, rebuilt
    for text in ("Nobody owns the release checklist", "Reviews wait for days", "Too many pings"):
        assert text in canvas["markdown"]
    _add(bot, "Checklist owned by the release lead")
    _later(bot, clock)
    assert "#### #1 Checklist owned by the release lead" in _canvas(bot)["markdown"]
    assert len(bot.fake.calls_to("conversations.canvases.create")) == 1
    assert _pending(bot) == []


def test_dropping_an_agreement_moves_it_to_the_dropped_ones(bot: Bot, clock: FakeClock) -> None:
    _add(bot, "Stand-up at nine")
    _ask(bot)
    with bot.deps.sessions() as s:
        agreement_id = s.scalar(select(models.Agreement.id))
    agreements.drop(
        bot.deps.sessions, team_id=TEAM, agreement_id=agreement_id, actor=ALICE,
        expected=date(2027, 3, 1), reason="Nobody came", now=clock(),
    )  # fmt: skip
    _later(bot, clock)
    text = _canvas(bot)["markdown"]
    in_force = text.split("### Agreements in force")[1].split("### Dropped agreements")[0]
    assert "Stand-up at nine" not in in_force and "None." in in_force
    assert "Stand-up at nine (version 1): dropped" in text and "Nobody came" in text


def test_asking_again_rebuilds_the_canvas_the_bot_made(bot: Bot) -> None:
    _ask(bot)
    _ask(bot)
    assert len(bot.fake.canvases) == 1
    assert len(bot.fake.calls_to("canvases.edit")) == 1


def test_the_canvas_is_in_the_workspaces_language_and_the_reply_in_the_persons(bot: Bot) -> None:
    workspace.set_workspace_locale(
        bot.deps.sessions, team_id=TEAM, locale="nl", now=bot.deps.clock()
    )
    _add(bot, "Releasenotes een dag eerder")
    told = _ask(bot)
    text = _canvas(bot)["markdown"]
    assert text.startswith("# Governance-logboek")
    assert "### Afspraken van kracht" in text and "- **Evaluatiedatum:** 2027-03-01" in text
    assert "### Vervallen afspraken" in text and "Agreements in force" not in text
    assert _canvas(bot)["title"] == "Governance-logboek"
    assert any("The logbook of" in t for t in told)  # Alice reads Slack in English


def test_canvases_turned_off_are_told_once_and_the_syncing_stops(
    bot: Bot, clock: FakeClock
) -> None:
    bot.fake.canvases_enabled = False
    told = _ask(bot)
    assert any("Canvases are turned off in this workspace" in t for t in told), told
    record = _record(bot)
    assert (record.syncing, record.refused) == (False, "canvas_disabled_user_team")
    tries = len(bot.fake.calls_to("conversations.canvases.create"))
    assert tries == 1
    bot.command("Still no canvas", command="/tension")
    _later(bot, clock, seconds=3600)
    _later(bot, clock, seconds=3600)
    assert len(bot.fake.calls_to("conversations.canvases.create")) == tries  # not retried
    assert len([t for t in bot.responses_for(ALICE) if "Canvases are turned off" in t["text"]]) == 1
    assert _pending(bot) == []
    bot.fake.canvases_enabled = True  # an admin turned them on: asking again works
    _ask(bot)
    assert "Still no canvas" in _canvas(bot)["markdown"]
    assert _record(bot).syncing is True


def test_a_change_refused_later_tells_the_person_who_asked(bot: Bot, clock: FakeClock) -> None:
    _ask(bot, user=BRAM)
    bot.fake.fail_next("canvases.edit", status=200, error="restricted_action")
    bot.command("A tension after the admin's change", command="/tension")
    _later(bot, clock)
    [ephemeral] = [e for e in bot.fake.ephemerals if e.get("user") == BRAM]
    assert "Slack staat de bot hier niet toe canvassen te maken" in ephemeral["text"]  # Dutch
    assert _record(bot).syncing is False


def test_a_free_plan_with_the_channels_one_canvas_taken_is_told_clearly(bot: Bot) -> None:
    bot.fake.paid_plan = False
    bot.fake.canvases["F0HUMAN"] = {
        "id": "F0HUMAN", "title": "Our notes", "markdown": "Ours", "channel_id": CHANNEL,
        "kind": "channel", "edits": 0,
    }  # fmt: skip
    told = _ask(bot)
    assert any("Slack plan does not allow the bot a canvas" in t for t in told), told
    assert bot.fake.canvases["F0HUMAN"]["markdown"] == "Ours"  # someone else's: untouched


def test_a_channel_canvas_someone_made_is_left_alone_and_the_logbook_gets_a_tab(bot: Bot) -> None:
    bot.fake.canvases["F0HUMAN"] = {
        "id": "F0HUMAN", "title": "Our notes", "markdown": "Ours", "channel_id": CHANNEL,
        "kind": "channel", "edits": 0,
    }  # fmt: skip
    _ask(bot)
    assert bot.fake.canvases["F0HUMAN"]["markdown"] == "Ours"
    [tab] = [c for c in bot.fake.canvases.values() if c["kind"] == "tab"]
    assert tab["channel_id"] == CHANNEL and tab["markdown"].startswith("# Governance logbook")


def test_a_deleted_canvas_is_made_again(bot: Bot) -> None:
    _ask(bot)
    bot.fake.canvases.clear()  # someone deleted it
    _ask(bot)
    assert len(bot.fake.canvases) == 1
    assert _record(bot).canvas_id == _canvas(bot)["id"]


def test_rate_limits_and_server_errors_are_retried_later_not_lost(
    bot: Bot, clock: FakeClock
) -> None:
    _ask(bot)
    bot.fake.fail_next("canvases.edit", status=429, retry_after=1, times=3)
    bot.fake.fail_next("canvases.edit", status=503, times=2)
    bot.command("Retried until it shows", command="/tension")
    for _ in range(6):
        _later(bot, clock, seconds=600)
    assert "Retried until it shows" in _canvas(bot)["markdown"]
    assert _pending(bot) == []
    assert _record(bot).syncing is True


def test_a_canvas_that_always_fails_is_tried_a_bounded_number_of_times(
    bot: Bot, clock: FakeClock
) -> None:
    _ask(bot)
    bot.fake.fail_next("canvases.edit", status=500, times=1000)
    bot.command("Never shows", command="/tension")
    for _ in range(20):
        _later(bot, clock, seconds=3600)
    tries = len(bot.fake.calls_to("canvases.edit"))
    for _ in range(5):
        _later(bot, clock, seconds=3600)
    assert len(bot.fake.calls_to("canvases.edit")) == tries  # it gave up
    [row] = _pending(bot)
    assert row.attempts == 12 and row.last_error == "internal_error"


def test_only_members_of_the_channel_ask_for_its_canvas(bot: Bot) -> None:
    bot.fake.add_user("U0OUT", "outsider")
    _ask(bot, user="U0OUT")
    assert bot.fake.canvases == {}
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.ChannelCanvas)).all() == []


def test_no_canvas_shows_anything_of_another_workspace(bot: Bot, clock: FakeClock) -> None:
    """Two workspaces in one database, the same channel id in both."""
    agreements.record(
        bot.deps.sessions, team_id=OTHER_TEAM, channel_id=CHANNEL, author_id="U0DAN",
        title="Other workspace's secret plan", text="Not for the first workspace",
        driver=None, responsibilities=None, evaluation=None, responsible_ids=[],
        review_date=date(2027, 3, 1), now=clock(), today=clock().date(),
    )  # fmt: skip
    _add(bot, "Our own agreement")
    _ask(bot)
    agreements.record(
        bot.deps.sessions, team_id=OTHER_TEAM, channel_id=CHANNEL, author_id="U0DAN",
        title="Another secret", text="Still not ours", driver=None, responsibilities=None,
        evaluation=None, responsible_ids=[], review_date=date(2027, 3, 1), now=clock(),
        today=clock().date(),
    )  # fmt: skip
    assert _pending(bot) == []  # the other workspace's change queues no sync of ours
    bot.command("Our own tension", command="/tension")
    _later(bot, clock)
    text = _canvas(bot)["markdown"]
    assert "Our own agreement" in text and "Our own tension" in text
    assert "secret" not in text and "Not for the first workspace" not in text
    assert len(bot.fake.canvases) == 1


def test_the_usage_names_the_canvas(bot: Bot) -> None:
    bot.command("what", command="/agreements")
    [reply] = bot.responses_for(ALICE)
    assert "/agreements canvas" in reply["text"]


def test_a_domain_description_consented_shows_in_the_canvas(bot: Bot, clock: FakeClock) -> None:
    _ask(bot)
    bot.command("edit", command="/domain")
    modal = last_modal(bot)
    given = {
        "purpose": "Keep the platform running so the product teams can ship",
        ids.IN_DEADLINE[1]: START + timedelta(days=3),
    }
    assert submit(bot, modal, fill(modal, given)).body == ""
    _later(bot, clock)
    assert "Keep the platform running" not in _canvas(bot)["markdown"]  # only proposed yet
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(models.ConsentRound.id).order_by(models.ConsentRound.id.desc()))
    for who in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, round_id, who)
    _later(bot, clock)
    _later(bot, clock)
    text = _canvas(bot)["markdown"]
    domain = text.split("### Domain")[1].split("### Agreements in force")[0]
    assert "Keep the platform running so the product teams can ship" in domain
    assert "- **Version:** 1" in domain and "No domain description in force." not in text


def test_a_canvas_made_on_a_try_whose_answer_was_lost_is_found_not_made_twice(
    bot: Bot, clock: FakeClock
) -> None:
    bot.fake.lose_answer_next("conversations.canvases.create", times=5)
    _ask(bot)
    _later(bot, clock, seconds=600)
    [canvas] = bot.fake.canvases.values()  # one canvas, the channel's own
    assert canvas["kind"] == "channel" and canvas["markdown"].startswith("# Governance logbook")
    assert _record(bot).canvas_id == canvas["id"]
    assert bot.fake.calls_to("canvases.sections.lookup")  # found by its heading
    assert _pending(bot) == []
