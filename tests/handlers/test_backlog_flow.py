"""The governance backlog as a circle runs it: drivers, next steps, strict ranking, dismissing,
passing on, the message shortcut, paging and the Home tab."""

from __future__ import annotations

import contextlib
import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.domain.backlog import ItemChanged, NextStep
from bot.services import backlog
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, make_bot


@pytest.fixture
def bot(db_url: str, fake) -> Bot:
    b = make_bot(db_url, fake)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def last_modal(bot: Bot) -> dict:
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit(bot: Bot, inputs: dict, user: str = ALICE):
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"],
        fill(view, inputs),
        user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )
    bot.settle()
    return response


def items(bot: Bot, channel: str = CHANNEL) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(
            s.scalars(
                select(models.BacklogItem)
                .where(models.BacklogItem.channel_id == channel)
                .order_by(models.BacklogItem.id)
            )
        )


def ranks(bot: Bot, channel: str = CHANNEL) -> list[tuple[int, int]]:
    """(number, place) of the open items, top first: the places people see (1..n)."""
    ranked = sorted((i for i in items(bot, channel) if i.rank is not None), key=lambda i: i.rank)
    return [(i.number, place) for place, i in enumerate(ranked, start=1)]


def place(bot: Bot, item: models.BacklogItem) -> int | None:
    """The item's place on its backlog, as its menu carries it."""
    return dict(ranks(bot, item.channel_id)).get(item.number) if item.rank is not None else None


def menu(bot: Bot, what: str, item: models.BacklogItem, user: str = ALICE, rank: int | None = None):
    value = f"{what}:{item.id}:{place(bot, item) if rank is None else rank}"
    response = bot.driver.block_action(
        ids.ACT_ITEM_MENU,
        user_id=user,
        channel_id=CHANNEL,
        message_ts="1.0",
        is_ephemeral=True,
        action_type="static_select",
        selected_option={"value": value, "text": {"type": "plain_text", "text": what}},
    )
    bot.settle()
    return response


def raise_many(bot: Bot, n: int, channel: str = CHANNEL) -> None:
    for k in range(n):
        backlog.raise_tension(
            bot.deps.sessions,
            team_id=TEAM,
            channel_id=channel,
            author_id=ALICE,
            text=f"tension {k + 1}",
            now=bot.deps.clock(),
        )


def last_list(bot: Bot) -> str:
    """The backlog list as last shown to someone (through a response_url, the bot's one way)."""
    return json.dumps(bot.fake.responses[-1]["payload"].get("blocks"))


# ---------------------------------------------------------------- describing a driver


def test_bare_tension_opens_the_driver_template(bot: Bot) -> None:
    bot.command("")
    modal = last_modal(bot)
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert modal["callback_id"] == ids.CB_DRIVER_MODAL
    assert (
        blocks[ids.IN_SITUATION[0]]["optional"] is False
        and blocks[ids.IN_EFFECT[0]]["optional"] is False
    )
    assert blocks[ids.IN_RELEVANCE[0]]["optional"] is True
    assert {o["value"] for o in blocks[ids.IN_NATURE[0]]["element"]["options"]} == {
        "problem",
        "opportunity",
    }


def test_blank_required_parts_get_field_errors_and_nothing_is_stored(bot: Bot) -> None:
    bot.command("")
    response = submit(bot, {"situation": "   ", "effect": "\n\t"})
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {ids.IN_SITUATION[0], ids.IN_EFFECT[0]}
    assert items(bot) == []


def test_a_driver_goes_on_the_backlog(bot: Bot) -> None:
    bot.command("")
    assert (
        submit(
            bot,
            {
                "situation": "Releases slip by a week",
                "effect": "Customers wait",
                "relevance": "We promised dates",
                "nature": "problem",
            },
        ).body
        == ""
    )
    [item] = items(bot)
    assert (item.situation, item.effect, item.relevance, item.nature) == (
        "Releases slip by a week",
        "Customers wait",
        "We promised dates",
        "problem",
    )
    assert "raised tension #1" in json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])


def test_expired_trigger_asks_to_try_again(bot: Bot) -> None:
    bot.fake.fail_next("views.open", status=200, error="expired_trigger_id")
    bot.command("")
    assert "try again" in bot.responses_for(ALICE)[-1]["text"]


def test_captured_tension_described_later_with_the_form_prefilled(bot: Bot) -> None:
    bot.command("Meetings overrun")
    [item] = items(bot)
    menu(bot, "describe", item)
    modal = last_modal(bot)
    assert {b.get("block_id"): b for b in modal["blocks"]}[ids.IN_SITUATION[0]]["element"][
        "initial_value"
    ] == "Meetings overrun"
    assert submit(bot, {"effect": "We skip the last agenda items"}).body == ""
    [item] = items(bot)
    assert item.effect == "We skip the last agenda items" and item.rank == 1
    assert [
        e[1] for e in backlog.item_history(bot.deps.sessions, team_id=TEAM, item_id=item.id)
    ] == ["raised", "described"]


def test_message_shortcut_prefills_text_and_permalink(bot: Bot) -> None:
    message = bot.fake.add_message(CHANNEL, "The build &amp; deploy takes an hour", user=BRAM)
    bot.driver.message_shortcut(
        ids.SHORTCUT_RAISE, user_id=CHEN, channel_id=CHANNEL, message=message
    )
    bot.settle()
    modal = last_modal(bot)
    shown = json.dumps(modal["blocks"])
    assert "The build & deploy takes an hour" in shown
    assert "slack.com/archives/C0CIRCLE/p" in shown
    submit(bot, {"effect": "Fixes wait"}, user=CHEN)
    [item] = items(bot)
    assert item.source_link and "C0CIRCLE" in item.source_link and item.author_id == CHEN


# ---------------------------------------------------------------- life cycle


def test_accept_with_a_next_step(bot: Bot) -> None:
    bot.command("Roles are unclear")
    [item] = items(bot)
    menu(bot, "step", item)
    submit(bot, {"next_step": "propose"})
    [item] = items(bot)
    assert (item.status, item.next_step) == ("backlog", "propose")
    bot.command("list")
    assert "form a proposal" in last_list(bot)


def test_dismiss_needs_a_reason_and_closes_the_gap(bot: Bot) -> None:
    raise_many(bot, 3)
    first = items(bot)[0]
    menu(bot, "dismiss", first)
    assert submit(bot, {"dismiss_reason": "  "}).json()["response_action"] == "errors"
    assert submit(bot, {"dismiss_reason": "Solved already"}).body == ""
    assert ranks(bot) == [(2, 1), (3, 2)]
    history = backlog.item_history(bot.deps.sessions, team_id=TEAM, item_id=first.id)
    assert history[-1][:3] == (ALICE, "dismissed", "Solved already")


def test_pass_on_to_a_channel_without_the_bot_keeps_the_item(fake, bot: Bot) -> None:
    fake.add_channel("C0OTHER", "design", [ALICE, BRAM], is_member=False)
    raise_many(bot, 1)
    [item] = items(bot)
    menu(bot, "pass", item)
    body = submit(bot, {"pass_to": "C0OTHER"}).json()
    assert "Invite me there" in body["errors"][ids.IN_PASS_TO[0]]
    assert items(bot)[0].channel_id == CHANNEL and ranks(bot) == [(1, 1)]


def test_pass_on_moves_it_to_the_other_inbox_with_its_history(fake, bot: Bot) -> None:
    fake.add_channel("C0DESIGN", "design", [ALICE, BRAM])
    raise_many(bot, 2)
    raise_many(bot, 1, channel="C0DESIGN")
    first = items(bot)[0]
    menu(bot, "pass", first)
    assert submit(bot, {"pass_to": "C0DESIGN"}).body == ""
    [moved] = [i for i in items(bot, "C0DESIGN") if i.id == first.id]
    assert (moved.id, moved.number, moved.rank, moved.status, moved.passed_from) == (
        first.id,
        2,
        2,
        "new",
        CHANNEL,
    )
    assert ranks(bot) == [(2, 1)]
    told = fake.messages_in("C0DESIGN")[-1]["text"]
    assert "passed on a tension from <#C0CIRCLE>" in told and "#2" in told
    actions = [
        e[1] for e in backlog.item_history(bot.deps.sessions, team_id=TEAM, item_id=first.id)
    ]
    assert actions == ["raised", "passed_on"]


# ---------------------------------------------------------------- ranking


def test_move_up_down_top_and_to_a_place(bot: Bot) -> None:
    raise_many(bot, 5)
    by_number = {i.number: i for i in items(bot)}
    menu(bot, "up", by_number[3])
    assert ranks(bot) == [(1, 1), (3, 2), (2, 3), (4, 4), (5, 5)]
    menu(bot, "top", items(bot)[4])
    assert [n for n, _ in ranks(bot)] == [5, 1, 3, 2, 4]
    menu(bot, "down", {i.number: i for i in items(bot)}[5])
    assert [n for n, _ in ranks(bot)] == [1, 5, 3, 2, 4]
    menu(bot, "position", {i.number: i for i in items(bot)}[1])
    assert submit(bot, {"position": 4}).body == ""
    assert [n for n, _ in ranks(bot)] == [5, 3, 2, 1, 4]
    moves = [
        e
        for e in backlog.item_history(bot.deps.sessions, team_id=TEAM, item_id=by_number[1].id)
        if e[1] == "moved"
    ]
    assert moves[-1][0] == ALICE and moves[-1][2] == "1 -> 4"


def test_moving_an_item_that_moved_meanwhile_is_refused(bot: Bot) -> None:
    raise_many(bot, 3)
    third = items(bot)[2]
    menu(bot, "top", third)  # Alice moves it...
    menu(bot, "down", third, user=CHEN, rank=3)  # ...while Chen still sees it at place 3
    assert "changed meanwhile" in last_list(bot)
    assert [n for n, _ in ranks(bot)] == [3, 1, 2]


def test_pass_on_or_move_of_a_dismissed_item_is_refused(fake, bot: Bot) -> None:
    fake.add_channel("C0DESIGN", "design", [ALICE])
    raise_many(bot, 2)
    first = items(bot)[0]
    menu(bot, "pass", first)
    backlog.dismiss(
        bot.deps.sessions,
        team_id=TEAM,
        item_id=first.id,
        actor=BRAM,
        reason="done",
        now=bot.deps.clock(),
    )
    body = submit(bot, {"pass_to": "C0DESIGN"}).json()
    assert "changed meanwhile" in body["errors"][ids.IN_PASS_TO[0]]
    menu(bot, "up", first, rank=1)
    assert "changed meanwhile" in last_list(bot)
    assert ranks(bot) == [(2, 1)] and items(bot, "C0DESIGN") == []


def test_only_members_change_the_backlog(fake, bot: Bot) -> None:
    fake.add_user("U0OUT", "outsider")
    raise_many(bot, 2)
    menu(bot, "top", items(bot)[1], user="U0OUT")
    # Not a member, so not reachable by chat.postEphemeral there: the refusal goes to the response_url.
    assert "Only members of <#C0CIRCLE>" in bot.fake.responses[-1]["payload"]["text"]
    assert ranks(bot) == [(1, 1), (2, 2)]


def test_concurrent_moves_keep_every_item_on_the_backlog_at_its_own_rank(bot: Bot) -> None:
    raise_many(bot, 12)
    ids_ = [i.id for i in items(bot)]
    rng = random.Random(7)
    moves = [
        (rng.choice(ids_), rng.choice(["up", "down", "top", "bottom", rng.randint(1, 12)]))
        for _ in range(60)
    ]

    def do(move: tuple[int, object]) -> None:
        with contextlib.suppress(ItemChanged):
            backlog.move(
                bot.deps.sessions,
                team_id=TEAM,
                item_id=move[0],
                actor=ALICE,
                expected_rank=None,
                to=move[1],
                now=bot.deps.clock(),
            )

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(do, moves))
    ranked = [i for i in items(bot) if i.rank is not None]
    assert sorted(i.number for i in ranked) == list(range(1, 13))  # none lost, none doubled
    assert len({i.rank for i in ranked}) == 12  # no two share a place


# ---------------------------------------------------------------- listing at scale, Home


def test_five_hundred_items_page_within_block_limits(bot: Bot) -> None:
    raise_many(bot, 500)
    bot.command("list")
    first = bot.responses_for(ALICE)[-1]
    assert len(first["blocks"]) <= 50
    assert "500 open items" in json.dumps(
        first["blocks"]
    ) and "Places 1 to 20 of 500" in json.dumps(first["blocks"])

    def next_value(blocks: list[dict]) -> str:
        buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
        return next(e["value"] for e in buttons if e["action_id"] == ids.ACT_PAGE_NEXT)

    blocks = first["blocks"]
    for _ in range(2):
        bot.driver.block_action(
            ids.ACT_PAGE_NEXT,
            next_value(blocks),
            user_id=ALICE,
            channel_id=CHANNEL,
            message_ts="1.0",
            is_ephemeral=True,
        )
        bot.settle()
        blocks = bot.fake.responses[-1]["payload"]["blocks"]
    shown = bot.fake.responses[-1]["payload"]
    assert shown["replace_original"] is True and len(shown["blocks"]) <= 50
    assert "Places 41 to 60 of 500" in json.dumps(shown["blocks"])
    assert bot.fake.errors == []


def test_home_shows_the_backlogs_of_my_channels(fake, bot: Bot) -> None:
    fake.add_channel("C0DESIGN", "design", [BRAM])
    raise_many(bot, 500)
    raise_many(bot, 3, channel="C0DESIGN")
    backlog.accept(
        bot.deps.sessions,
        team_id=TEAM,
        item_id=items(bot)[0].id,
        actor=ALICE,
        next_step=NextStep.UNDERSTAND,
        due=None,
        now=bot.deps.clock(),
    )
    bot.event({"type": "app_home_opened", "user": CHEN, "channel": "D0CHEN", "tab": "home"})
    view = bot.fake.home_views[CHEN]
    shown = json.dumps(view["blocks"])
    assert len(view["blocks"]) <= 100
    assert "Backlog of <#C0CIRCLE>*: 500 open items" in shown and "understand the driver" in shown
    assert "C0DESIGN" not in shown  # Chen is not in #design
    assert "/tension list" in shown
