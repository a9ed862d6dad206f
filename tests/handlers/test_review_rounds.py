"""Reviews by the circle: a review round from a reminder, and an early review or an objection
from `/agreements <n>`, through signed requests against the Slack fake (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.domain.consent import default_review_date
from bot.domain.review import AlreadyReviewed
from bot.scheduler import run_all_once
from bot.services import agreements, review_rounds
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock

REVIEW = date(2026, 12, 15)
DUE = datetime(2026, 12, 15, 8, 1, tzinfo=UTC)  # 09:01 in Amsterdam, the review day
PING = "<!channel>"


def last_modal(bot: Bot) -> dict:
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit(bot: Bot, inputs: dict, user: str = ALICE):
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"], fill(view, inputs), user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )  # fmt: skip
    bot.settle()
    return response


def add(bot: Bot, *, people: list[str] | None = None) -> agreements.AgreementView:
    bot.command("add", user=ALICE, command="/agreements")
    inputs = {
        "title": f"Release notes {PING} early",
        "proposal": "Release notes a day early, written by the release lead.",
        "review_date": REVIEW,
        "evaluation": f"No late notes {PING} for two months",
        "responsible_people": people if people is not None else [CHEN],
    }
    assert submit(bot, inputs).body == ""
    return agreements.detail(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, number=1)


def sweep(bot: Bot, clock: FakeClock, when: datetime | None = None) -> None:
    if when is not None:
        clock.now = when
    run_all_once(bot.deps)
    bot.settle()


def reminder_click(bot: Bot, action_id: str, a: agreements.AgreementView, user: str) -> None:
    bot.driver.block_action(
        action_id, f"{a.id}:{a.review_date.isoformat()}", user_id=user,
        channel_id=bot.fake.dm_channel_id(user) or CHANNEL, message_ts="1.0",
        block_id=ids.BLOCK_REVIEW_ACTIONS,
    )  # fmt: skip
    bot.settle()


def round_click(bot: Bot, action_id: str, round_id: int, user: str) -> None:
    bot.driver.block_action(
        action_id, str(round_id), user_id=user, channel_id=CHANNEL, message_ts="9.0",
        block_id=ids.BLOCK_RR_ACTIONS,
    )  # fmt: skip
    bot.settle()


def detail_click(bot: Bot, action_id: str, a: agreements.AgreementView, user: str) -> None:
    bot.driver.block_action(
        action_id, str(a.id), user_id=user, channel_id=CHANNEL, message_ts="8.0",
        block_id=ids.BLOCK_AGREEMENT_ACTIONS,
    )  # fmt: skip
    bot.settle()


def started(bot: Bot, clock: FakeClock) -> tuple[agreements.AgreementView, int]:
    """An agreement due for review, and the review round Chen started from the reminder."""
    a = add(bot)
    sweep(bot, clock, DUE)
    reminder = bot.fake.messages_in(bot.fake.dm_channel_id(CHEN))[-1]
    assert ids.ACT_REVIEW_ROUND_START in json.dumps(reminder["blocks"])
    reminder_click(bot, ids.ACT_REVIEW_ROUND_START, a, CHEN)
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(func.max(models.ReviewRound.id)))
    assert round_id is not None
    return a, round_id


def channel_dump(bot: Bot) -> str:
    return json.dumps(bot.fake.messages_in(CHANNEL), ensure_ascii=False)


def kept_events(bot: Bot, a: agreements.AgreementView) -> int:
    history = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id).history
    return [e.action for e in history].count("kept")


def items(bot: Bot) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.BacklogItem).order_by(models.BacklogItem.id)))


# ---------------------------------------------------------------- the review round


def test_review_round_posts_the_three_questions_and_no_objection_keeps_it(
    bot: Bot, clock: FakeClock
) -> None:
    a, round_id = started(bot, clock)
    post = next(p for p in bot.fake.messages_in(CHANNEL) if "Review of agreement #1" in p["text"])
    shown = json.dumps(post["blocks"])
    for question in ("How has this agreement helped us?", "Is there any reason to drop it?",
                     "How could it be improved?"):  # fmt: skip
        assert question in shown
    assert "No late notes &lt;!channel&gt; for two months" in shown  # criteria, escaped
    for action in (ids.ACT_RR_KEEP, ids.ACT_RR_CHANGE, ids.ACT_RR_OBJECT):
        assert action in shown
    assert "closes" in bot.responses_for(CHEN)[-1]["text"]
    round_click(bot, ids.ACT_RR_KEEP, round_id, ALICE)
    assert "Your answer on agreement #1: Keep" in bot.responses_for(ALICE)[-1]["text"]
    round_click(bot, ids.ACT_RR_CHANGE, round_id, BRAM)  # opens the evolve proposal
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL and a.text in json.dumps(modal)
    assert json.loads(modal["private_metadata"])["evolves_agreement_id"] == a.id
    round_click(bot, ids.ACT_RR_KEEP, round_id, CHEN)  # everyone answered: it closes now
    kept = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert kept.review_date == default_review_date(DUE.date())
    sweep(bot, clock)  # what the kick left for the paced sweep
    assert "The circle kept agreement #1" in channel_dump(bot)
    assert "closed with no objection" in channel_dump(bot)
    assert kept_events(bot, a) == 1
    round_post = next(p for p in bot.fake.messages_in(CHANNEL) if p["text"] == post["text"])
    assert ids.ACT_RR_KEEP not in json.dumps(round_post["blocks"])  # its buttons went
    assert PING not in channel_dump(bot)


def test_objecting_to_keeping_needs_a_reason_and_becomes_a_driver(
    bot: Bot, clock: FakeClock
) -> None:
    a, round_id = started(bot, clock)
    round_click(bot, ids.ACT_RR_OBJECT, round_id, ALICE)
    response = submit(bot, {"reason": "   "}, user=ALICE)
    assert response.json()["errors"] == {
        ids.IN_RR_REASON[0]: "Say why the circle should not keep it as it is."
    }
    assert submit(bot, {"reason": f"{PING} it costs the release lead a day"}).body == ""
    round_click(bot, ids.ACT_RR_KEEP, round_id, BRAM)
    sweep(bot, clock, DUE + timedelta(days=2))
    assert review_rounds.load(bot.deps.sessions, team_id=TEAM, round_id=round_id).status == "open"
    sweep(bot, clock, DUE + timedelta(days=3, minutes=1))  # the deadline
    [item] = items(bot)
    assert "Objections to keeping agreement #1" in item.text
    assert item.situation == f"{PING} it costs the release lead a day"
    assert item.author_id == ALICE
    assert "closed with 1 objection" in channel_dump(bot)
    assert PING not in channel_dump(bot)  # the objection and the title, escaped everywhere
    still = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert still.review_date == REVIEW and kept_events(bot, a) == 0


def test_only_the_people_responsible_start_one_round(bot: Bot, clock: FakeClock) -> None:
    a, round_id = started(bot, clock)
    reminder_click(bot, ids.ACT_REVIEW_ROUND_START, a, CHEN)  # a double click
    assert "open already" in bot.responses_for(CHEN)[-1]["text"]
    reminder_click(bot, ids.ACT_REVIEW_ROUND_START, a, ALICE)  # not responsible
    assert "Only the people responsible" in bot.responses_for(ALICE)[-1]["text"]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ReviewRound)) == 1
    assert sum("Review of agreement #1" in p["text"] for p in bot.fake.messages_in(CHANNEL)) == 1


def test_keep_from_the_reminder_while_the_round_is_open_closes_it(
    bot: Bot, clock: FakeClock
) -> None:
    a, round_id = started(bot, clock)
    reminder_click(bot, ids.ACT_AGREEMENT_KEEP, a, CHEN)
    assert submit(bot, {"next_review": date(2027, 6, 15)}, user=CHEN).body == ""
    sweep(bot, clock)
    assert "chose “Keep” from the review reminder" in channel_dump(bot)
    round_click(bot, ids.ACT_RR_KEEP, round_id, ALICE)  # too late: told who decided
    told = bot.responses_for(ALICE)[-1]["text"]
    assert "This review round closed at" in told and f"<@{CHEN}> chose “Keep”" in told
    sweep(bot, clock, DUE + timedelta(days=4))
    kept = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert kept.review_date == date(2027, 6, 15) and kept_events(bot, a) == 1


def test_keep_from_the_reminder_after_the_round_kept_it_is_told(bot: Bot, clock: FakeClock) -> None:
    a, _ = started(bot, clock)
    reminder_click(bot, ids.ACT_AGREEMENT_KEEP, a, CHEN)  # the form is open...
    sweep(bot, clock, DUE + timedelta(days=3, minutes=1))  # ...the round closes: kept
    response = submit(bot, {"next_review": date(2027, 6, 15)}, user=CHEN)
    told = json.dumps(response.json())
    assert "the circle's review round started by" in told and "kept it at" in told
    assert kept_events(bot, a) == 1
    kept = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert kept.review_date == default_review_date((DUE + timedelta(days=3)).date())


def test_keep_and_the_round_closing_at_the_same_moment_decide_once(
    bot: Bot, clock: FakeClock
) -> None:
    a, round_id = started(bot, clock)
    clock.now = DUE + timedelta(days=3, minutes=1)
    barrier, outcome = threading.Barrier(2), {}

    def keep() -> None:
        barrier.wait()
        try:
            agreements.keep(
                bot.deps.sessions, team_id=TEAM, agreement_id=a.id, actor=CHEN,
                expected=REVIEW, next_review=date(2027, 6, 15), now=clock.now,
                today=clock.now.date(),
            )  # fmt: skip
            outcome["keep"] = "kept"
        except AlreadyReviewed as exc:
            outcome["keep"] = "told" if exc.via_round and exc.at else "told badly"

    def close() -> None:
        barrier.wait()
        outcome["round"] = review_rounds.close_due(
            bot.deps.sessions, now=clock.now, item_text=lambda *_: "x"
        )

    threads = [threading.Thread(target=keep), threading.Thread(target=close)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    status = review_rounds.load(bot.deps.sessions, team_id=TEAM, round_id=round_id).status
    assert kept_events(bot, a) == 1
    assert (outcome["keep"], status) in {("kept", "superseded"), ("told", "kept")}, outcome


# ---------------------------------------------------------------- from /agreements <n>


def test_early_review_asked_once_and_the_people_responsible_told(
    bot: Bot, clock: FakeClock
) -> None:
    a = add(bot)
    bot.command("1", user=BRAM, command="/agreements")
    shown = json.dumps(bot.responses_for(BRAM)[-1]["blocks"])
    assert ids.ACT_AGREEMENT_EARLY_REVIEW in shown and ids.ACT_AGREEMENT_OBJECT in shown
    assert "Vraag een vroege evaluatie" in shown  # Bram reads Dutch
    detail_click(bot, ids.ACT_AGREEMENT_EARLY_REVIEW, a, ALICE)
    detail_click(bot, ids.ACT_AGREEMENT_EARLY_REVIEW, a, ALICE)  # a double click
    [item] = items(bot)
    assert item.text.startswith("Review agreement #1") and item.next_step == "review"
    assert "item #1 on the backlog" in bot.responses_for(ALICE)[-2]["text"]
    assert "already" in bot.responses_for(ALICE)[-1]["text"]
    sweep(bot, clock)
    [dm] = bot.fake.messages_in(bot.fake.dm_channel_id(CHEN))
    assert "asked for an early review of agreement #1" in dm["text"]
    assert PING not in json.dumps(dm) and PING not in channel_dump(bot)


def test_objection_to_an_agreement_in_force_becomes_a_driver(bot: Bot, clock: FakeClock) -> None:
    a = add(bot)
    detail_click(bot, ids.ACT_AGREEMENT_OBJECT, a, BRAM)
    response = submit(bot, {"reason": ""}, user=BRAM)
    assert ids.IN_AGREEMENT_OBJECTION[0] in response.json()["errors"]
    assert items(bot) == []
    assert submit(bot, {"reason": f"{PING} we release weekly now"}, user=BRAM).body == ""
    sweep(bot, clock)
    [item] = items(bot)
    assert item.text.startswith("Objection to agreement #1") and item.author_id == BRAM
    assert item.situation == f"{PING} we release weekly now" and item.nature == "problem"
    assert "item #1" in bot.responses_for(BRAM)[-1]["text"]
    assert PING not in channel_dump(bot)
    bot.command("1", user=ALICE, command="/agreements")
    history = json.dumps(bot.responses_for(ALICE)[-1]["blocks"])
    assert "objected to it (backlog item #1): &lt;!channel&gt; we release weekly now" in history


def test_outsiders_cannot_answer_or_ask(fake, bot: Bot, clock: FakeClock) -> None:
    a, round_id = started(bot, clock)
    fake.add_user("U0OUT", "outsider")
    round_click(bot, ids.ACT_RR_KEEP, round_id, "U0OUT")
    detail_click(bot, ids.ACT_AGREEMENT_EARLY_REVIEW, a, "U0OUT")
    assert review_rounds.load(bot.deps.sessions, team_id=TEAM, round_id=round_id).answers == []
    assert items(bot) == []
