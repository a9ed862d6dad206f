"""The governance meeting rhythm: `/tension meeting`, `/tension agenda` and the agenda sweep.

Signed requests go through the real Bolt app (`/tension meeting` and `/tension agenda` are
routed by handlers.tension to handlers.rhythm) against the Slack fake, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.blocks import ids
from bot.delivery.outbox import deliver_outbox
from bot.domain import rhythm as rules
from bot.scheduler import run_all_once
from bot.services import agreements, backlog, rhythm, workspace
from bot.store import models
from bot.store.db import transaction
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot, FakeClock, make_bot
from tests.support.steps import form_state

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 10:00 in Amsterdam
THURSDAY = 3
FIRST = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday 3 December, 10:00 in Amsterdam
SECOND = FIRST + timedelta(weeks=2)  # Thursday 17 December
DANA = "U0DANA"  # in the workspace, not in the channel
HEADER = "Governance meeting agenda"


@pytest.fixture
def bot(db_url: str, fake, clock: FakeClock) -> Bot:
    fake.add_user(DANA, "dana", real_name="Dana Dekker", locale="en-US")
    b = make_bot(db_url, fake, clock=clock)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


# ---------------------------------------------------------------- helpers


def last_modal(bot: Bot) -> dict:
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def cadence_values(
    view: dict, *, every: str | None = None, weekday: str | None = None, at: str | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """The state a person's submission of the cadence form carries (initial values kept)."""
    return form_state(view, every_weeks=every, weekday=weekday, time=at)


def submit_cadence(bot: Bot, *, user: str = ALICE, **inputs: str | None):
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"],
        cadence_values(view, **inputs),
        user_id=user,
        private_metadata=view["private_metadata"],
    )
    bot.settle()
    return response


def set_cadence(bot: Bot, every: int = 2, weekday: int = THURSDAY, at: str = "10:00") -> None:
    bot.command("meeting")
    response = submit_cadence(bot, every=str(every), weekday=str(weekday), at=at)
    assert response.status == 200 and response.body == "", response.body


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


def agendas(bot: Bot) -> list[dict]:
    return [
        msg
        for msg in bot.fake.messages_in(CHANNEL)
        if any(b.get("type") == "header" for b in msg.get("blocks") or [])
        and ids.BLOCK_AGENDA_MEETING in json.dumps(msg.get("blocks"))
    ]


def sweep_at(bot: Bot, clock: FakeClock, when: datetime) -> dict[str, int]:
    clock.now = when
    results = run_all_once(bot.deps)
    bot.settle()
    return results


def circle(bot: Bot) -> models.Circle:
    with bot.deps.sessions() as s:
        return s.scalars(select(models.Circle).where(models.Circle.channel_id == CHANNEL)).one()


def raise_items(bot: Bot, *texts: str) -> list[int]:
    return [
        backlog.raise_tension(
            bot.deps.sessions,
            team_id=TEAM,
            channel_id=CHANNEL,
            author_id=ALICE,
            text=text,
            now=bot.deps.clock(),
        ).item.id
        for text in texts
    ]


def set_rank_and_step(bot: Bot, order: list[int], steps: dict[int, str | None]) -> None:
    """Put the items in the given rank order and give them next steps (as the backlog would)."""
    with bot.deps.sessions() as s, s.begin():
        for item_id in order:
            s.execute(
                update(models.BacklogItem)
                .where(models.BacklogItem.id == item_id)
                .values(rank=-item_id, next_step=steps.get(item_id))
            )
        for rank, item_id in enumerate(order, start=1):
            s.execute(
                update(models.BacklogItem).where(models.BacklogItem.id == item_id).values(rank=rank)
            )


def record_agreement(bot: Bot, title: str, review: date) -> None:
    agreements.record(
        bot.deps.sessions,
        team_id=TEAM,
        channel_id=CHANNEL,
        author_id=ALICE,
        title=title,
        text=f"{title}, agreed in the circle.",
        driver=None,
        responsibilities=None,
        evaluation=None,
        responsible_ids=[],
        review_date=review,
        now=bot.deps.clock(),
        today=bot.deps.clock().date(),
    )


# ---------------------------------------------------------------- setting the cadence


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("meeting", "meeting"),
        ("  Meeting ", "meeting"),
        ("agenda", "agenda"),
        ("meeting agenda", "raise"),  # more than one word is a tension
        ("", "form"),
    ],
)
def test_tension_texts_that_ask_for_the_meeting_or_the_agenda(text: str, asked: str) -> None:
    from bot.blocks.backlog import tension_request

    assert tension_request(text) == asked


def test_a_member_sets_the_cadence(bot: Bot) -> None:
    bot.command("meeting")
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_MEETING_MODAL
    carried = json.loads(modal["private_metadata"])
    assert carried == {
        "channel_id": CHANNEL,
        "tz": "Europe/Amsterdam",
        "response_url": carried["response_url"],  # the command's, to reply through at submit
    }
    assert bot.driver.issued_to(urlsplit(carried["response_url"]).path) == ALICE
    assert "Europe/Amsterdam" in json.dumps(modal["blocks"])  # the person's Slack timezone
    every = next(b for b in modal["blocks"] if b.get("block_id") == ids.IN_MEETING_EVERY[0])
    assert [o["value"] for o in every["element"]["options"]] == ["1", "2", "3", "4"]

    response = submit_cadence(bot, every="2", weekday=str(THURSDAY), at="10:00")

    assert response.body == ""
    saved = rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL)
    assert saved is not None
    assert saved.cadence == rules.Cadence(2, THURSDAY, "10:00", "Europe/Amsterdam")
    assert saved.next_meeting_at == FIRST
    note = shown(bot.fake.last_message(CHANNEL))
    assert "<@U0ALICE> set the governance meeting of <#C0CIRCLE>" in note
    assert "every 2 weeks on Thursday at 10:00 (Europe/Amsterdam)" in note
    assert f"<!date^{int(FIRST.timestamp())}^" in note

    # Opening the form again shows the rhythm that is set.
    bot.command("meeting")
    again = last_modal(bot)
    assert again["blocks"][1]["type"] == "context"
    assert "every 2 weeks on Thursday" in json.dumps(again["blocks"][1])
    weekday = next(b for b in again["blocks"] if b.get("block_id") == ids.IN_MEETING_WEEKDAY[0])
    assert weekday["element"]["initial_option"]["value"] == str(THURSDAY)


def test_saving_the_same_cadence_again_keeps_the_next_meeting(bot: Bot, clock) -> None:
    set_cadence(bot, every=2)
    clock.now = FIRST + timedelta(hours=1)
    run_all_once(bot.deps)  # the meeting is over: the next one is two weeks later
    assert circle(bot).next_meeting_at == SECOND
    set_cadence(bot, every=2)  # not moved to next week's Thursday
    assert circle(bot).next_meeting_at == SECOND
    set_cadence(bot, every=1)
    assert circle(bot).next_meeting_at == FIRST + timedelta(weeks=1)


def test_a_cadence_the_channel_cannot_be_told_is_told_through_the_response_url(bot: Bot) -> None:
    bot.command("meeting")
    bot.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    assert submit_cadence(bot, every="2", weekday=str(THURSDAY), at="10:00").body == ""
    assert rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL) is not None
    [reply] = bot.responses_for(ALICE)  # the /tension meeting command's, carried by the form
    assert "I cannot post in this channel" in reply["text"]
    assert bot.fake.calls_to("chat.postEphemeral") == []


def test_invalid_input_gives_field_errors_and_stores_nothing(bot: Bot) -> None:
    bot.command("meeting")
    view = last_modal(bot)
    values = cadence_values(view, every="6", weekday="9")
    values[ids.IN_MEETING_TIME[0]][ids.IN_MEETING_TIME[1]]["selected_time"] = "25:61"
    response = bot.driver.view_submission(
        view["callback_id"], values, user_id=ALICE, private_metadata=view["private_metadata"]
    )
    bot.settle()

    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        ids.IN_MEETING_EVERY[0]: "Choose every 1, 2, 3 or 4 weeks.",
        ids.IN_MEETING_WEEKDAY[0]: "Choose a day of the week.",
        ids.IN_MEETING_TIME[0]: "Choose a time, such as 10:00.",
    }
    assert rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL) is None
    assert bot.fake.messages_in(CHANNEL) == []


def test_an_unknown_timezone_is_refused_on_the_form(bot: Bot) -> None:
    bot.command("meeting")
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"],
        cadence_values(view),
        user_id=ALICE,
        private_metadata=json.dumps({"channel_id": CHANNEL, "tz": "Mars/Olympus"}),
    )
    body = json.loads(response.body)
    assert "Mars/Olympus" in body["errors"][ids.IN_MEETING_TIME[0]]
    assert rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL) is None


def test_someone_outside_the_channel_may_not_set_the_cadence(bot: Bot) -> None:
    bot.command("meeting", user=DANA)

    assert bot.fake.calls_to("views.open") == []
    [reply] = bot.responses_for(DANA)
    assert bot.ephemerals_for(DANA) == []
    assert reply["text"] == (
        "Only members of <#C0CIRCLE> can set its governance meeting. Nothing was changed."
    )
    assert reply.get("response_type", "ephemeral") == "ephemeral"

    # A submission of the form by a non-member (a stale or forged view) is refused too.
    meta = json.dumps({"channel_id": CHANNEL, "tz": "Europe/Amsterdam"})
    bot.command("meeting")  # Alice's form, to have a real view to submit
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"], cadence_values(view), user_id=DANA, private_metadata=meta
    )
    assert "Only members of <#C0CIRCLE>" in json.loads(response.body)["errors"]["m_every"]
    assert rhythm.get_cadence(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL) is None


def test_the_form_and_the_refusal_speak_dutch(bot: Bot) -> None:
    bot.command("vergadering", user=BRAM)
    modal = json.dumps(last_modal(bot), ensure_ascii=False)
    assert "Governance-overleg" in modal and "donderdag" in modal and "om de 2 weken" in modal
    bot.fake.add_user(DANA, "dana", locale="nl-NL")
    bot.command("vergadering", user=DANA)
    [reply] = [r["payload"] for r in bot.fake.responses]
    assert reply["text"].startswith("Alleen leden van <#C0CIRCLE>")


# ---------------------------------------------------------------- the agenda


def test_agenda_on_demand_shows_the_top_items_and_the_agreements_due(bot: Bot) -> None:
    a, b, c = raise_items(bot, "Release notes are late", "Nobody owns on-call", "Budget unclear")
    set_rank_and_step(bot, [c, a, b], {a: "propose", c: "understand", b: None})
    record_agreement(bot, "Stand-up at nine", date(2026, 12, 2))
    record_agreement(bot, "Pairing on Fridays", FIRST.date())  # on the meeting day: listed
    record_agreement(bot, "Quarterly retro", date(2026, 12, 4))  # after the meeting: not listed
    set_cadence(bot)

    bot.command("agenda")

    [agenda] = agendas(bot)
    text = shown(agenda)
    assert f"<!date^{int(FIRST.timestamp())}^" in text
    assert "Thursday 3 December 2026 10:00 (Europe/Amsterdam)" in text  # the fallback
    budget, release, owner = (
        text.index("#3 Budget unclear"),
        text.index("#1 Release notes are late"),
        text.index("#2 Nobody owns on-call"),
    )
    assert budget < release < owner  # rank order, not creation order
    assert "*1.* #3 Budget unclear → _understand the driver_" in text
    assert "*2.* #1 Release notes are late → _form a proposal_" in text
    assert "*3.* #2 Nobody owns on-call → _new: describe the driver_" in text
    assert "#1 Stand-up at nine" in text and "#2 Pairing on Fridays" in text
    assert "Quarterly retro" not in text
    assert "S3" in json.dumps(agenda["blocks"][-1])  # the context line on the meeting


def test_agenda_shows_the_top_ten_and_counts_the_rest(bot: Bot) -> None:
    raise_items(bot, *[f"tension {n}" for n in range(1, 13)])
    bot.command("agenda")
    [agenda] = agendas(bot)
    text = shown(agenda)
    assert "#10 tension 10" in text and "#11 tension 11" not in text
    assert "…and 2 more items on the backlog" in text
    assert "No governance meeting is planned for <#C0CIRCLE> yet" in text
    assert len(agenda["blocks"]) <= 50


def test_agenda_in_the_workspace_language(bot: Bot) -> None:
    workspace.set_workspace_locale(bot.deps.sessions, team_id=TEAM, locale="nl", now=START)
    bot.deps.people.forget_workspace(TEAM)
    raise_items(bot, "Release notes are late")
    set_cadence(bot)
    bot.command("agenda")
    [agenda] = agendas(bot)
    text = shown(agenda)
    assert "donderdag 3 december 2026 10:00" in text
    assert "om de 2 weken op donderdag om 10:00" in text
    assert HEADER not in text


# ---------------------------------------------------------------- the sweep


def test_the_sweep_posts_the_agenda_the_day_before_once_across_a_restart(
    db_url: str, fake, bot: Bot, clock: FakeClock
) -> None:
    raise_items(bot, "Release notes are late")
    set_cadence(bot, every=2)

    sweep_at(bot, clock, FIRST - timedelta(days=1, minutes=1))
    assert agendas(bot) == []

    results = sweep_at(bot, clock, FIRST - timedelta(days=1))
    assert results["meeting-agendas"] == 1
    [first] = agendas(bot)
    assert f"<!date^{int(FIRST.timestamp())}^" in shown(first)
    assert "Release notes are late" in shown(first)
    assert circle(bot).agenda_posted_for == FIRST

    sweep_at(bot, clock, FIRST - timedelta(hours=20))
    assert len(agendas(bot)) == 1

    # A restart: new deps and app on the same database; the sweep runs again.
    bot.deps.executor.wait_idle(5)
    bot.deps.engine.dispose()
    later_clock = FakeClock(FIRST - timedelta(hours=12))
    restarted = make_bot(db_url, fake, clock=later_clock)
    try:
        assert run_all_once(restarted.deps)["meeting-agendas"] == 0
        restarted.settle()
        assert len(agendas(restarted)) == 1

        # The meeting starts and ends: the next one is two weeks later.
        sweep_at(restarted, later_clock, FIRST + timedelta(minutes=30))
        assert circle(restarted).next_meeting_at == SECOND
        assert len(agendas(restarted)) == 1
        sweep_at(restarted, later_clock, SECOND - timedelta(days=1, seconds=1))
        assert len(agendas(restarted)) == 1

        sweep_at(restarted, later_clock, SECOND - timedelta(days=1))
        first_again, second = agendas(restarted)
        assert first_again["ts"] == first["ts"]
        assert f"<!date^{int(SECOND.timestamp())}^" in shown(second)
        assert "Thursday 17 December 2026 10:00" in shown(second)
    finally:
        restarted.deps.executor.wait_idle(5)
        restarted.deps.engine.dispose()

    # And once more after a second restart: nothing new.
    again = make_bot(db_url, fake, clock=FakeClock(SECOND - timedelta(hours=1)))
    try:
        run_all_once(again.deps)
        again.settle()
        assert len(agendas(again)) == 2
    finally:
        again.deps.engine.dispose()


def test_a_second_sweep_finds_nothing_to_queue(bot: Bot, clock: FakeClock) -> None:
    set_cadence(bot)
    now = FIRST - timedelta(hours=3)
    assert rhythm.post_due_agendas(bot.deps.sessions, now=now) == 1
    assert rhythm.post_due_agendas(bot.deps.sessions, now=now) == 0
    with bot.deps.sessions() as s:
        keys = list(s.scalars(select(models.Outbox.key).where(models.Outbox.key.like("agenda:%"))))
    assert keys == [rhythm.agenda_key(circle(bot).id, FIRST)]


def test_an_agenda_queued_but_not_sent_before_the_meeting_is_dropped(
    bot: Bot, clock: FakeClock
) -> None:
    set_cadence(bot)
    assert rhythm.post_due_agendas(bot.deps.sessions, now=FIRST - timedelta(hours=2)) == 1
    clock.now = FIRST + timedelta(minutes=5)  # Slack was unreachable until the meeting began
    deliver_outbox(bot.deps)
    assert agendas(bot) == []


def test_a_meeting_missed_while_the_bot_was_down_gets_no_late_agenda(
    bot: Bot, clock: FakeClock
) -> None:
    set_cadence(bot, every=1)
    sweep_at(bot, clock, FIRST + timedelta(days=2))  # down from before the agenda was due
    assert agendas(bot) == []
    assert circle(bot).next_meeting_at == FIRST + timedelta(weeks=1)


def test_meetings_stay_at_ten_local_across_the_dst_switches(bot: Bot, clock: FakeClock) -> None:
    clock.now = datetime(2027, 3, 17, 12, 0, tzinfo=UTC)  # Wednesday, winter time
    set_cadence(bot, every=1, weekday=0, at="10:00")
    seen = []
    for _ in range(4):
        meeting = circle(bot).next_meeting_at
        assert meeting is not None
        seen.append(meeting)
        sweep_at(bot, clock, meeting + timedelta(minutes=1))
    assert [m.astimezone(AMSTERDAM).strftime("%a %H:%M") for m in seen] == ["Mon 10:00"] * 4
    assert [m.hour for m in seen] == [9, 8, 8, 8]  # CET, then CEST from 28 March


def test_next_meeting_is_dst_correct_in_october_too() -> None:
    after = datetime(2027, 10, 20, 12, tzinfo=UTC)
    first = rules.next_meeting(after, 1, 0, "10:00", "Europe/Amsterdam")
    second = rules.next_meeting(first, 1, 0, "10:00", "Europe/Amsterdam", anchor=first)
    assert (first, second) == (
        datetime(2027, 10, 25, 8, tzinfo=UTC),  # CEST
        datetime(2027, 11, 1, 9, tzinfo=UTC),  # CET, after the switch on 31 October
    )
    for moment in (first, second):
        assert moment.astimezone(AMSTERDAM).strftime("%H:%M") == "10:00"


# ---------------------------------------------------------------- the rules


def test_next_meeting_rules() -> None:
    tz = "Europe/Amsterdam"
    # Before the time on the day itself: today; at or after it: a week later.
    assert rules.next_meeting(FIRST - timedelta(minutes=1), 2, THURSDAY, "10:00", tz) == FIRST
    assert rules.next_meeting(FIRST, 2, THURSDAY, "10:00", tz) == FIRST + timedelta(weeks=1)
    # With an anchor: every N weeks from it, skipping meetings missed while down.
    assert rules.next_meeting(FIRST, 2, THURSDAY, "10:00", tz, anchor=FIRST) == SECOND
    late = FIRST + timedelta(weeks=3)
    assert rules.next_meeting(late, 2, THURSDAY, "10:00", tz, anchor=FIRST) == FIRST + timedelta(
        weeks=4
    )
    assert rules.next_meeting(
        FIRST + timedelta(days=1), 4, THURSDAY, "10:00", tz, anchor=FIRST
    ) == FIRST + timedelta(weeks=4)
    # A time skipped by the spring switch is not lost.
    skipped = rules.next_meeting(datetime(2027, 3, 27, tzinfo=UTC), 1, 6, "02:30", tz)
    assert skipped.date() == date(2027, 3, 28)


@pytest.mark.parametrize(
    ("every", "weekday", "at", "tz", "error"),
    [
        (0, 1, "10:00", "UTC", rules.InvalidEvery),
        (5, 1, "10:00", "UTC", rules.InvalidEvery),
        (None, 1, "10:00", "UTC", rules.InvalidEvery),
        (1, 7, "10:00", "UTC", rules.InvalidWeekday),
        (1, -1, "10:00", "UTC", rules.InvalidWeekday),
        (1, 1, "24:00", "UTC", rules.InvalidTime),
        (1, 1, "9h", "UTC", rules.InvalidTime),
        (1, 1, "", "UTC", rules.InvalidTime),
        (1, 1, "10:00", "Mars/Olympus", rules.InvalidTimezone),
        (1, 1, "10:00", "", rules.InvalidTimezone),
    ],
)
def test_cadence_validation(every, weekday, at, tz, error) -> None:
    with pytest.raises(error):
        rules.check_cadence(every, weekday, at, tz)


def test_cadence_is_normalised() -> None:
    assert rules.check_cadence(4, 6, "9:05", "UTC") == rules.Cadence(4, 6, "09:05", "UTC")


def test_agenda_lists_roles_whose_terms_end_by_the_meeting_and_open_selections(bot: Bot) -> None:
    raise_items(bot, "Release notes are late")
    set_cadence(bot)
    with transaction(bot.deps.sessions) as s:

        def role(name: str, term_end: date | None, holder: str | None) -> models.Role:
            r = models.Role(
                team_id=TEAM, channel_id=CHANNEL, name=name, name_key=name.casefold(),
                status="active", holder_id=holder, term_end=term_end, created_by=ALICE,
                created_at=START,
            )  # fmt: skip
            s.add(r)
            s.flush()
            return r

        role("Facilitator", FIRST.date(), BRAM)  # ends on the meeting day: listed
        role("Treasurer", date(2027, 1, 1), ALICE)  # ends later: not listed
        secretary = role("Secretary", None, None)
        s.add(
            models.Selection(
                team_id=TEAM, channel_id=CHANNEL, role_id=secretary.id, started_by=ALICE,
                status="nominating", nominate_until=START + timedelta(days=1),
                change_until=START + timedelta(days=2), step=0, created_at=START,
            )
        )  # fmt: skip
    bot.command("agenda")
    [agenda] = agendas(bot)
    text = shown(agenda)
    assert "Roles: terms ending and selections" in text
    assert f"*Facilitator*: <@{BRAM}>'s term ends on" in text
    assert "Treasurer" not in text
    assert "*Secretary*: selection open, nominations until" in text


def test_agenda_without_roles_has_no_roles_heading(bot: Bot) -> None:
    raise_items(bot, "Release notes are late")
    bot.command("agenda")
    [agenda] = agendas(bot)
    assert "Roles: terms ending" not in shown(agenda)
