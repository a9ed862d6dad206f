"""The first minutes: the bot's welcome in a channel it joins, the Home tab's welcome and Help."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.blocks import ids
from bot.blocks.values import HomeValue
from bot.services import workspace
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import last_modal, submit


def bot_joins(bot: Bot, channel: str = CHANNEL, **kwargs) -> None:
    bot.event(
        {
            "type": "member_joined_channel",
            "user": bot.fake.bot_user_id,
            "channel": channel,
            "channel_type": "C",
            "team": TEAM,
            "inviter": ALICE,
        },
        **kwargs,
    )


def welcomes_in(bot: Bot, channel: str = CHANNEL) -> list[dict]:
    return [
        m
        for m in bot.fake.messages_in(channel)
        if any(b.get("block_id") == ids.BLOCK_CHANNEL_WELCOME for b in m.get("blocks") or [])
    ]


def outbox_rows(bot: Bot) -> int:
    with bot.deps.sessions() as session:
        return session.scalar(select(func.count()).select_from(models.Outbox)) or 0


def open_home(bot: Bot, user: str = ALICE) -> dict:
    bot.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"})
    return bot.fake.home_views[user]


def action_ids(view: dict) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def click_home(bot: Bot, action_id: str, user: str = ALICE, channel: str | None = CHANNEL):
    response = bot.driver.block_action(
        action_id,
        HomeValue(channel_id=channel).dump(),
        user_id=user,
        view={"type": "home", "callback_id": ""},
        block_id=ids.BLOCK_HOME_WELCOME_ACTIONS,
    )
    bot.settle()
    assert response.status == 200
    return response


# ---------------------------------------------------------------- the welcome in a channel


def test_the_bot_invited_to_a_channel_welcomes_it_once(bot: Bot) -> None:
    bot_joins(bot, event_id="Ev0WELCOME1")
    bot_joins(bot, event_id="Ev0WELCOME1", retry_num=1)  # Slack's retry of the same event
    bot_joins(bot, event_id="Ev0WELCOME2")  # removed and invited again, the same day
    welcomes = welcomes_in(bot)
    assert len(welcomes) == 1
    shown = welcomes[0]["text"] + json.dumps(welcomes[0]["blocks"])
    for command in ("/tension", "/consent", "/agreements", "/meeting"):
        assert command in shown
    assert "What this circle can do now" in shown and "How to start" in shown
    assert "domain" not in shown.lower()  # no command for it yet
    assert outbox_rows(bot) == 1
    assert bot.fake.errors == []


def test_other_people_joining_get_no_welcome(bot: Bot) -> None:
    bot.event({"type": "member_joined_channel", "user": CHEN, "channel": CHANNEL, "team": TEAM})
    assert bot.fake.messages_in(CHANNEL) == []
    assert outbox_rows(bot) == 0


def test_the_welcome_speaks_the_workspace_language(bot: Bot) -> None:
    workspace.set_workspace_locale(
        bot.deps.sessions, team_id=TEAM, locale="nl", now=bot.deps.clock()
    )
    bot_joins(bot)
    shown = json.dumps(welcomes_in(bot)[0]["blocks"], ensure_ascii=False)
    assert "Wat deze cirkel nu kan doen" in shown and "`/consent [voorstel]`" in shown


# ---------------------------------------------------------------- the Home tab's welcome


def test_home_welcomes_a_newcomer_with_the_circles_forms_and_help(bot: Bot) -> None:
    bot_joins(bot)
    view = open_home(bot)
    shown = json.dumps(view["blocks"])
    assert view["blocks"][1]["block_id"] == ids.BLOCK_HOME_WELCOME  # right under the header
    assert "Welcome!" in shown and f"<#{CHANNEL}>" in shown
    assert action_ids(view) == [
        ids.ACT_HOME_RAISE,
        ids.ACT_HOME_PROPOSE,
        ids.ACT_HOME_AGREEMENTS,
        ids.ACT_HOME_DISMISS,
        ids.ACT_HOME_HELP,
    ]
    assert open_home(bot)["blocks"][1]["block_id"] == ids.BLOCK_HOME_WELCOME  # until used


def test_home_welcome_in_dutch(bot: Bot) -> None:
    bot_joins(bot)
    shown = json.dumps(open_home(bot, BRAM)["blocks"], ensure_ascii=False)
    assert "Welkom!" in shown and "Breng een spanning in" in shown and "Begrepen" in shown


def test_home_without_a_circle_says_to_invite_the_bot_first(bot: Bot) -> None:
    view = open_home(bot)  # the bot joined no channel, no backlog anywhere
    shown = json.dumps(view["blocks"])
    assert "/invite @S3 Governance" in shown
    assert action_ids(view) == [ids.ACT_HOME_AGREEMENTS, ids.ACT_HOME_DISMISS, ids.ACT_HOME_HELP]


def test_got_it_hides_the_welcome_for_that_person_only(bot: Bot) -> None:
    bot_joins(bot)
    open_home(bot)
    click_home(bot, ids.ACT_HOME_DISMISS)
    after = bot.fake.home_views[ALICE]  # republished at once
    assert "Welcome!" not in json.dumps(after["blocks"])
    assert action_ids(after) == [ids.ACT_HOME_HELP]
    assert action_ids(open_home(bot)) == [ids.ACT_HOME_HELP]  # and stays so
    assert "Welcome!" in json.dumps(open_home(bot, CHEN)["blocks"])


def test_raise_a_tension_opens_the_driver_form_for_the_circle(bot: Bot) -> None:
    bot_joins(bot)
    open_home(bot)
    click_home(bot, ids.ACT_HOME_RAISE)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_DRIVER_MODAL  # the form a bare /tension opens
    assert json.loads(modal["private_metadata"])["channel_id"] == CHANNEL
    assert "Welcome!" not in json.dumps(bot.fake.home_views[ALICE]["blocks"])
    assert action_ids(open_home(bot)) == [ids.ACT_HOME_HELP]


def test_start_a_consent_round_opens_the_proposal_form_for_the_circle(bot: Bot) -> None:
    bot_joins(bot)
    click_home(bot, ids.ACT_HOME_PROPOSE)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL  # the form /consent opens
    assert json.loads(modal["private_metadata"])["channel_id"] == CHANNEL
    assert action_ids(bot.fake.home_views[ALICE]) == [ids.ACT_HOME_HELP]


def test_see_the_agreements_explains_the_command(bot: Bot) -> None:
    bot_joins(bot)
    click_home(bot, ids.ACT_HOME_AGREEMENTS)
    shown = json.dumps(last_modal(bot)["blocks"])
    assert f"Type `/agreements` in <#{CHANNEL}>" in shown
    assert "`/agreements add`" in shown
    assert action_ids(bot.fake.home_views[ALICE]) == [ids.ACT_HOME_HELP]


def test_help_shows_the_one_help_and_keeps_the_welcome(bot: Bot) -> None:
    bot_joins(bot)
    click_home(bot, ids.ACT_HOME_HELP, channel=None)
    modal = last_modal(bot)
    shown = json.dumps(modal["blocks"])
    for command in ("`/tension help`", "`/consent help`", "`/agreements help`", "`/meeting start`"):
        assert command in shown
    assert modal["title"]["text"] == "Help"
    assert "Welcome!" in json.dumps(open_home(bot)["blocks"])
    assert bot.fake.errors == []


def _text(key: tuple[str, str], value: str) -> dict:
    return {key[0]: {key[1]: {"type": "plain_text_input", "value": value}}}


def test_a_tension_raised_from_the_home_welcome_lands_on_the_circles_backlog(bot: Bot) -> None:
    bot_joins(bot)
    click_home(bot, ids.ACT_HOME_RAISE)
    values = {
        **_text(ids.IN_SITUATION, "Releases are <!channel> late"),
        **_text(ids.IN_EFFECT, "x"),
    }
    response = submit(bot, last_modal(bot), values)
    assert response.status == 200
    posted = [m for m in bot.fake.messages_in(CHANNEL) if m not in welcomes_in(bot)]
    shown = json.dumps(posted[-1]["blocks"])
    assert "raised tension #1" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown  # escaped


def test_the_home_welcome_takes_the_circle_from_the_backlogs(bot: Bot) -> None:
    bot.command("Our budget is late")  # a backlog in the circle, the bot never welcomed it
    view = open_home(bot, CHEN)
    raise_button = next(
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == ids.ACT_HOME_RAISE
    )  # fmt: skip
    assert HomeValue.parse(raw := raise_button["value"]).channel_id == CHANNEL, raw


# ---------------------------------------------------------------- the workspace language


def _choose_language(bot: Bot, lang: str, user: str) -> None:
    response = bot.driver.block_action(
        ids.ACT_HOME_LANGUAGE,
        user_id=user,
        view={"type": "home", "callback_id": ""},
        block_id=ids.BLOCK_HOME_LANGUAGE,
        action_type="static_select",
        selected_option={"text": {"type": "plain_text", "text": lang}, "value": lang},
    )
    bot.settle()
    assert response.status == 200 and response.body == ""


def _language_block(view: dict) -> dict | None:
    return next((b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_HOME_LANGUAGE), None)


def test_an_admin_sets_the_workspace_language_from_the_home_tab(bot: Bot) -> None:
    bot.fake.add_user("U0ADMIN", "ada", is_admin=True)
    block = _language_block(open_home(bot, "U0ADMIN"))
    assert block is not None
    assert block["accessory"]["initial_option"]["value"] == "en"
    assert [o["value"] for o in block["accessory"]["options"]] == ["en", "nl"]

    _choose_language(bot, "nl", "U0ADMIN")
    assert workspace.workspace_locale(bot.deps.sessions, team_id=TEAM) == "nl"
    bot_joins(bot)  # the workspace's channel messages now speak Dutch
    assert welcomes_in(bot)[-1]["text"].startswith("Hallo! Ik help de cirkel")
    block = _language_block(open_home(bot, "U0ADMIN"))
    assert block is not None and block["accessory"]["initial_option"]["value"] == "nl"


def test_the_choice_is_not_offered_to_others_and_refused_when_forged(bot: Bot) -> None:
    assert _language_block(open_home(bot, CHEN)) is None
    _choose_language(bot, "nl", CHEN)  # a forged action from someone who is not an admin
    assert workspace.workspace_locale(bot.deps.sessions, team_id=TEAM) is None


def test_an_admin_not_yet_cached_is_checked_after_the_ack(bot: Bot) -> None:
    bot.fake.add_user("U0ADMIN", "ada", is_admin=True)
    _choose_language(bot, "nl", "U0ADMIN")  # no Home tab shown first: nothing cached
    assert workspace.workspace_locale(bot.deps.sessions, team_id=TEAM) == "nl"
    assert _language_block(bot.fake.home_views["U0ADMIN"]) is not None  # shown again


def test_an_unknown_language_changes_nothing(bot: Bot) -> None:
    bot.fake.add_user("U0ADMIN", "ada", is_admin=True)
    open_home(bot, "U0ADMIN")
    _choose_language(bot, "fr", "U0ADMIN")
    assert workspace.workspace_locale(bot.deps.sessions, team_id=TEAM) is None
