"""The Workflow Builder step "Start a consent round": real-shaped `function_executed` events,
the round opened and posted, the step completed with its link or failed with what to fix."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import workspace
from bot.store import models
from tests.support.harness import ALICE, CHANNEL, TEAM, Bot
from tests.support.steps import START

OUTSIDE = "C0OUTSIDE"  # a channel the bot is not in


def inputs(**given: object) -> dict:
    values: dict[str, object] = {
        "channel": CHANNEL,
        "title": "Release notes",
        "proposal": "Publish release notes a day before each release",
        "deadline": int((START + timedelta(days=3)).timestamp()),
        "review_date": "2027-03-01",
        "author": ALICE,
    }
    values.update(given)
    return {k: v for k, v in values.items() if v is not None}


def run_step(bot: Bot, values: dict, *, execution_id: str | None = None, **kwargs: object):
    execution_id, token = bot.fake.start_execution(execution_id)
    response = bot.driver.function_executed(
        ids.FN_START_ROUND, values, execution_id=execution_id, token=token, **kwargs
    )
    bot.settle()
    return response, execution_id, token


def rounds(bot: Bot) -> int:
    with bot.deps.sessions() as s:
        return s.scalar(select(func.count()).select_from(models.ConsentRound)) or 0


def test_a_workflow_step_opens_a_round_and_completes_with_its_link(bot: Bot) -> None:
    response, execution_id, token = run_step(bot, inputs())
    assert response.status == 200
    execution = bot.fake.executions[execution_id]
    assert execution["state"] == "completed", execution
    link = execution["outputs"]["round_link"]
    posted = bot.fake.last_message(CHANNEL)
    assert "Publish release notes a day before each release" in posted["text"] + str(
        posted.get("blocks")
    )
    assert link == (
        f"https://demo-team.slack.com/archives/{CHANNEL}/p{posted['ts'].replace('.', '')}"
    )
    (completion,) = bot.fake.calls_to("functions.completeSuccess")
    assert completion.token == token  # the execution's own token, as Bolt sends it
    assert rounds(bot) == 1
    with bot.deps.sessions() as s:
        run = s.scalar(select(models.WorkflowStepRun))
        assert run is not None and run.execution_id == execution_id
        assert run.completed_at is not None


def test_a_retried_delivery_opens_no_second_round(bot: Bot) -> None:
    execution_id, token = bot.fake.start_execution()
    values = inputs()
    bot.fake.fail_next("functions.completeSuccess", status=500, times=4)  # the first try lost
    first = bot.driver.function_executed(
        ids.FN_START_ROUND, values, execution_id=execution_id, token=token, event_id="Ev0STEP1"
    )
    bot.settle()
    assert first.status == 200
    assert bot.fake.executions[execution_id]["state"] == "running"
    again = bot.driver.function_executed(
        ids.FN_START_ROUND, values, execution_id=execution_id, token=token, event_id="Ev0STEP1",
        retry_num=1,
    )  # fmt: skip
    bot.settle()
    assert again.status == 200
    assert rounds(bot) == 1
    assert len([m for m in bot.fake.messages_in(CHANNEL) if "Release notes" in str(m)]) == 1
    assert bot.fake.executions[execution_id]["state"] == "completed"


def test_a_deadline_in_the_past_fails_the_step_saying_so(bot: Bot) -> None:
    past = int((START - timedelta(hours=2)).timestamp())
    _, execution_id, _ = run_step(bot, inputs(deadline=past))
    execution = bot.fake.executions[execution_id]
    assert execution["state"] == "failed"
    assert execution["error"] == (
        "Could not start the consent round: the deadline has already passed; "
        "give the step a deadline in the future."
    )
    assert rounds(bot) == 0
    assert bot.fake.messages_in(CHANNEL) == []


def test_a_channel_the_bot_is_not_in_fails_the_step_in_dutch(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    bot.deps.people.forget_workspace(TEAM)
    bot.fake.add_channel(OUTSIDE, "elsewhere", [ALICE], is_member=False)
    _, execution_id, _ = run_step(bot, inputs(channel=OUTSIDE))
    execution = bot.fake.executions[execution_id]
    assert execution["state"] == "failed"
    assert execution["error"].startswith("Kon de consentronde niet starten:")
    assert "/invite @S3 Governance" in execution["error"]
    assert rounds(bot) == 0
    assert bot.fake.messages_in(OUTSIDE) == []


def test_missing_and_unreadable_inputs_name_the_input(bot: Bot) -> None:
    _, missing, _ = run_step(bot, inputs(proposal="  "))
    _, unreadable, _ = run_step(bot, inputs(review_date="next spring"))
    _, past_review, _ = run_step(bot, inputs(review_date=str(date(2026, 11, 1))))
    assert bot.fake.executions[missing]["error"] == (
        "Could not start the consent round: the input \u201cProposal\u201d is empty; "
        "give it a value in the workflow."
    )
    assert "\u201cReview date\u201d cannot be read" in bot.fake.executions[unreadable]["error"]
    assert "review date must be after today" in bot.fake.executions[past_review]["error"]
    assert rounds(bot) == 0


def test_an_author_outside_the_channel_fails_the_step(bot: Bot) -> None:
    bot.fake.add_user("U0DANA", "dana", locale="en-US")
    _, execution_id, _ = run_step(bot, inputs(author="U0DANA"))
    assert bot.fake.executions[execution_id]["state"] == "failed"
    assert "not a member of the step's channel" in bot.fake.executions[execution_id]["error"]
    assert rounds(bot) == 0
