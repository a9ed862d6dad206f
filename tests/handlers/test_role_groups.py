"""A Slack user group per role (issue 10, part 6): an admin turns it on from the Home tab;
then `@release-lead` holds whoever holds the role, is disabled while it is vacant, and a
workspace whose plan or scopes do not allow it loses nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.scheduler import run_all_once
from bot.store import models
from tests.handlers.test_selection_flow import _consent_latest, _nominate, _press, _role
from tests.support.harness import ALICE, BRAM, CHEN, Bot, FakeClock
from tests.support.steps import last_modal, submit, sweep

ADMIN = "U0ADMIN"


def _choose(bot: Bot, choice: str, user: str = ADMIN) -> None:
    bot.driver.app_home_opened(user)  # Slack's answer about them is cached, as in real use
    bot.settle()
    response = bot.driver.block_action(
        ids.ACT_HOME_ROLE_GROUPS, user_id=user, view={"type": "home", "callback_id": ""},
        block_id=ids.BLOCK_HOME_ROLE_GROUPS, action_type="static_select",
        selected_option={"text": {"type": "plain_text", "text": choice}, "value": choice},
    )  # fmt: skip
    bot.settle()
    assert response.status == 200 and response.body == ""


def _select(bot: Bot, nominee: str) -> None:
    """Select `nominee` for the role by hidden nominations and a consent round."""
    bot.command("select release lead", command="/role")
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal)).body == ""
    sweep(bot)
    with bot.deps.sessions() as s:
        selection_id = s.scalar(select(func.max(models.Selection.id)))
    for who in (ALICE, BRAM, CHEN):
        _nominate(bot, selection_id, who, nominee, "Steady hands")
    _press(bot, ids.ACT_SEL_PROPOSE, selection_id, ALICE)
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {ids.IN_SEL_NOMINEE[1]: nominee})).body == ""
    _consent_latest(bot, (ALICE, BRAM, CHEN))
    sweep(bot)


def _groups(bot: Bot) -> list[dict]:
    return list(bot.fake.usergroups.values())


def test_the_holder_is_in_the_roles_user_group(bot: Bot) -> None:
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    _choose(bot, "on")
    _role(bot)
    _select(bot, BRAM)
    [group] = _groups(bot)
    assert (group["handle"], group["name"], group["users"]) == (
        "release-lead", "Release lead", [BRAM]
    )  # fmt: skip
    assert not group["date_delete"]
    assert group["description"] == "Releases go out calmly"
    with bot.deps.sessions() as s:
        assert s.scalar(select(models.Role.user_group_id)) == group["id"]
    home = bot.fake.home_views[ADMIN]
    setting = next(b for b in home["blocks"] if b.get("block_id") == ids.BLOCK_HOME_ROLE_GROUPS)
    assert setting["accessory"]["initial_option"]["value"] == "on"


def test_vacant_disables_the_group_and_a_new_holder_enables_it(bot: Bot, clock: FakeClock) -> None:
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    _choose(bot, "on")
    _role(bot)
    _select(bot, BRAM)
    with bot.deps.sessions() as s:
        end = s.scalar(select(models.Role.term_end))
    clock.now = datetime.combine(end, datetime.min.time(), UTC) + timedelta(hours=9)
    run_all_once(bot.deps)
    sweep(bot)
    [group] = _groups(bot)
    assert group["date_delete"]  # vacant: nobody answers to @release-lead
    _select(bot, CHEN)
    [group] = _groups(bot)  # the same group again, not a second one
    assert (group["users"], group["date_delete"]) == ([CHEN], 0)


def test_off_by_default_and_only_an_admin_turns_it_on(bot: Bot) -> None:
    _role(bot)
    _choose(bot, "on", user=CHEN)  # not an admin: nothing changes
    _select(bot, BRAM)
    assert _groups(bot) == []
    assert bot.fake.calls_to("usergroups.create") == []
    assert ids.BLOCK_HOME_ROLE_GROUPS not in str(bot.fake.home_views[CHEN])


def test_turning_it_on_brings_the_roles_held_already(bot: Bot) -> None:
    _role(bot)
    _select(bot, BRAM)
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    _choose(bot, "on")
    sweep(bot)
    [group] = _groups(bot)
    assert group["users"] == [BRAM]


def test_a_free_plan_refuses_and_nothing_else_is_lost(bot: Bot) -> None:
    bot.fake.paid_plan = False
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    _choose(bot, "on")
    _role(bot)
    _select(bot, BRAM)
    sweep(bot)
    assert len(bot.fake.calls_to("usergroups.create")) == 1  # tried once, not again and again
    with bot.deps.sessions() as s:
        role = s.scalars(select(models.Role)).one()
        assert role.holder_id == BRAM and role.user_group_id is None
        waiting = s.scalars(select(models.Outbox).where(models.Outbox.sent_at.is_(None))).all()
    assert waiting == []


def test_a_handle_someone_else_made_is_left_alone(bot: Bot) -> None:
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    bot.fake.usergroups["S0HUMAN"] = {
        "id": "S0HUMAN", "team_id": bot.fake.team_id, "name": "Release lead",
        "handle": "release-lead", "description": "", "is_usergroup": True, "date_delete": 0,
        "created_by": CHEN, "users": [CHEN], "user_count": 1,
    }  # fmt: skip
    _choose(bot, "on")
    _role(bot)
    _select(bot, BRAM)
    assert bot.fake.usergroups["S0HUMAN"]["users"] == [CHEN]  # untouched
    assert len(_groups(bot)) == 1


def test_a_group_made_on_a_try_whose_answer_was_lost_is_found_not_made_twice(bot: Bot) -> None:
    bot.fake.add_user(ADMIN, "ada", is_admin=True)
    bot.fake.usergroups["S0EARLIER"] = {
        "id": "S0EARLIER", "team_id": bot.fake.team_id, "name": "Release lead",
        "handle": "release-lead", "description": "", "is_usergroup": True, "date_delete": 0,
        "created_by": bot.fake.bot_user_id, "users": [], "user_count": 0,
    }  # fmt: skip
    _choose(bot, "on")
    _role(bot)
    _select(bot, BRAM)
    [group] = _groups(bot)
    assert group["id"] == "S0EARLIER" and group["users"] == [BRAM]
