"""`s3bot demo`: the real app against the Slack stand-in, printed as a readable transcript."""

from __future__ import annotations

import json
import logging
import re
import tempfile
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_app
from bot.blocks import ids
from bot.config import Settings
from bot.demo.driver import SlackDriver
from bot.demo.forms import fill
from bot.demo.standin import StandinSlack
from bot.deps import build_deps
from bot.scheduler import run_all_once
from bot.services import meeting as meetings
from bot.services import rhythm, workspace
from bot.store import backlog_repo, demo_repo
from bot.store.migrate import upgrade

SECRET = "demo-signing-secret"
TEAM = "T0DEMO"
CHANNEL = "C0OPS"
PEOPLE = {
    "U0ALICE": ("alice", "en-US"),
    "U0BRAM": ("bram", "nl-NL"),
    "U0CHEN": ("chen", "en-GB"),
    "U0DANA": ("dana", "en-US"),
}
ADMIN = "U0ALICE"  # administers the workspace: the Home tab shows her its settings
FINANCE = "C0FIN"
CHANNELS = {CHANNEL: "ops-circle", FINANCE: "finance"}
WIDTH = 96


class Transcript:
    """Turns what the bot said to the fake Slack into readable lines."""

    def __init__(self, fake: StandinSlack, out: TextIO, driver: SlackDriver) -> None:
        self.fake = fake
        self.driver = driver
        self.out = out
        self.seen_calls = 0
        self.seen_responses = 0
        self.shown: dict[str, list[str]] = {}  # message ts -> lines last shown

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")

    def step(self, who: str, action: str) -> None:
        self.say()
        self.say(f"▶ {who}: {action}")

    def flush(self) -> None:
        """Print every message the bot sent since the last flush."""
        calls = self.fake.calls[self.seen_calls :]
        self.seen_calls += len(calls)
        for call in calls:
            if not call.ok:
                self.say(
                    f"    (Slack answered {call.method} with HTTP {call.status}; the bot retries)"
                )
                continue
            args = call.args
            if call.method == "chat.postMessage":
                where = self._where(args.get("channel"))
                if args.get("thread_ts"):
                    where += " · in the thread"
                lines = self._show(f"{where} · S3 Governance", args)
                self.shown[call.response.get("ts", "")] = lines
            elif call.method == "chat.update":
                before = self.shown.get(args.get("ts", ""), [])
                lines = render(args, self._user, self._channel)
                new = [line for line in lines if line not in before]
                self.shown[args.get("ts", "")] = lines
                if new:
                    self._show(
                        f"{self._where(args.get('channel'))} · the message now also says",
                        {},
                        new,
                    )
            elif call.method == "views.open":
                view = args.get("view") or {}
                view = json.loads(view) if isinstance(view, str) else view
                labels = [
                    b["label"]["text"] for b in view.get("blocks", []) if b.get("type") == "input"
                ]
                title = (view.get("title") or {}).get("text", "")
                self._show(f"a form opens: {title}", {}, ["fields: " + ", ".join(labels)])
            elif call.method == "chat.postEphemeral":
                self._show(f"only @{self._user(args.get('user'))} sees · S3 Governance", args)
            elif call.method == "views.publish":
                self._show(
                    f"Home tab of @{self._user(args.get('user_id'))}", args.get("view") or {}
                )
        responses = self.fake.responses[self.seen_responses :]
        self.seen_responses += len(responses)
        for response in responses:
            user = self.driver.issued_to(response.get("path", ""))
            self._show(
                f"only @{self._user(user)} sees · S3 Governance", response.get("payload") or {}
            )

    def _where(self, channel: str | None) -> str:
        for user_id in PEOPLE:
            if channel and channel == self.fake.dm_channel_id(user_id):
                return f"DM to @{self._user(user_id)}"
        return f"#{self._channel(channel)}"

    def _show(
        self, header: str, message: dict[str, Any], lines: list[str] | None = None
    ) -> list[str]:
        self.say(f"  ┌ {header}")
        lines = render(message, self._user, self._channel) if lines is None else lines
        for line in lines:
            for wrapped in textwrap.wrap(line, WIDTH - 4) or [""]:
                self.say(f"  │ {wrapped}")
        self.say("  └")
        return lines

    def _user(self, user_id: str | None) -> str:
        return PEOPLE.get(user_id or "", (user_id or "?", ""))[0]

    def _channel(self, channel_id: str | None) -> str:
        return CHANNELS.get(channel_id or "", channel_id or "?")


def render(
    message: dict[str, Any], user: Callable[[str], str], channel: Callable[[str], str]
) -> list[str]:
    """Plain-text lines for a message or view, as a Slack client would show them."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        import json

        blocks = json.loads(blocks)
    lines: list[str] = []
    if not blocks:
        return [_plain(message.get("text", ""), user, channel)]
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            lines += _plain(block.get("text", {}).get("text", ""), user, channel).splitlines()
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "static_select" and lines:
                lines[-1] += f"   [ {accessory.get('placeholder', {}).get('text', '')} ▾ ]"
        elif kind == "context":
            lines += [_plain(e.get("text", ""), user, channel) for e in block.get("elements", [])]
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            labels = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("  ".join(f"[ {label} ]" for label in labels))
    return lines


def _plain(text: str, user: Callable[[str], str], channel: Callable[[str], str]) -> str:
    text = re.sub(
        r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text
    )  # Slack shows each reader's own time
    text = re.sub(r"<@(\w+)>", lambda m: "@" + user(m.group(1)), text)
    text = re.sub(r"<#(\w+)(\|[^>]*)?>", lambda m: "#" + channel(m.group(1)), text)
    text = re.sub(r"<https?://[^|>]+\|([^>]*)>", r"\1 ↗", text)  # a link, as Slack shows it
    text = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    return text


def run_demo(out: TextIO, lang: str = "en") -> int:
    """Play a scripted session and print what everyone sees. Returns the exit status."""
    noisy = [logging.getLogger(name) for name in ("alembic", "bot", "slack_bolt", "slack_sdk")]
    levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.CRITICAL)  # the transcript is the output
    try:
        return _play(out, lang)
    finally:  # in-process callers (tests) get their logging back
        for logger, level in zip(noisy, levels, strict=True):
            logger.setLevel(level)


def _play(out: TextIO, lang: str) -> int:
    clock = DemoClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    with (
        tempfile.TemporaryDirectory(prefix="s3bot-demo-") as tmp,
        StandinSlack(team_id=TEAM) as fake,
    ):
        for user_id, (name, locale) in PEOPLE.items():
            fake.add_user(user_id, name, locale=locale, is_admin=user_id == ADMIN)
        fake.add_channel(CHANNEL, CHANNELS[CHANNEL], list(PEOPLE))
        fake.add_channel(FINANCE, CHANNELS[FINANCE], ["U0BRAM", "U0DANA"])
        settings = Settings(
            slack_bot_token="xoxb-demo",
            slack_signing_secret=SECRET,
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}",
            slack_api_url=fake.url,
            log_level="ERROR",
            slack_pacing=False,
            default_locale=lang,
        )
        deps = build_deps(settings, clock=clock)
        upgrade(deps.engine)
        if lang != "en":
            workspace.set_workspace_locale(deps.sessions, team_id=TEAM, locale=lang, now=clock())
        app = build_app(deps)
        driver = SlackDriver(SECRET, app=app, team_id=TEAM, response_url_base=fake.hooks_url)
        script = Script(deps, driver, fake, Transcript(fake, out, driver))
        script.tensions()
        script.consent_round()
        script.review()
        script.home()
        script.meeting()
        script.structure()
        script.t.say()
        script.t.say(
            "Transparent by default: tensions sit ranked on the channel's backlog, proposals are"
        )
        script.t.say(
            "decided by consent, agreements carry a review date. Run it for real with `s3bot socket`"
        )
        script.t.say("(see README.md).")
        deps.engine.dispose()
        problems = list(fake.errors)
    if problems:
        out.write(
            "Slack contract problems seen during the demo:\n  " + "\n  ".join(problems) + "\n"
        )
        return 1
    return 0


class DemoClock:
    """The demo's own time, moved forward to reach deadlines without waiting."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Script:
    """The scripted session: what each person does, in order."""

    def __init__(self, deps: Any, driver: SlackDriver, fake: StandinSlack, t: Transcript) -> None:
        self.deps, self.driver, self.fake, self.t = deps, driver, fake, t

    def settle(self) -> None:
        self.deps.executor.wait_idle(15)
        self.t.flush()

    def name(self, user_id: str) -> str:
        return PEOPLE[user_id][0]

    def command(self, user_id: str, text: str, command: str = "/tension") -> None:
        shown = text if len(text) <= 200 else f"{text[:60]}… ({len(text)} characters)"
        self.t.step(f"@{self.name(user_id)} in #{CHANNELS[CHANNEL]}", f"{command} {shown}".rstrip())
        response = self.driver.command(command, text, user_id=user_id, channel_id=CHANNEL)
        if response.status != 200:
            self.t.say(f"    (the bot answered HTTP {response.status})")
        self.settle()

    def form(self, user_id: str, what: str, inputs: dict[str, Any]) -> None:
        """Fill in the modal the bot just opened (or last updated), and submit it."""
        shown = [c for c in self.fake.calls if c.method in ("views.open", "views.update") and c.ok]
        view = shown[-1].args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        self.t.step(f"@{self.name(user_id)}", what)
        response = self.driver.view_submission(
            view["callback_id"],
            fill(view, inputs),
            user_id=user_id,
            private_metadata=view.get("private_metadata", ""),
        )
        body = response.json() if response.body else None
        if body and body.get("response_action") == "errors":
            for field, message in body["errors"].items():
                self.t.say(f"    ✗ the form says ({field}): {message}")
        self.settle()

    def more_options(self, user_id: str) -> None:
        """Press More options in the proposal form: it shows every field."""
        opened = self.fake.calls_to("views.open")[-1].response["view"]
        current = self.fake.views[opened["id"]]
        self.t.step(f"@{self.name(user_id)}", "clicks [ More options ] in the form")
        shown = {k: current[k] for k in ("id", "hash", "type", "callback_id", "private_metadata")}
        shown["state"] = {"values": fill(current, {})}  # what the form holds, as Slack sends it
        self.driver.block_action(
            ids.ACT_CONSENT_MORE, user_id=user_id, view=shown, block_id=ids.BLOCK_CONSENT_MORE
        )
        self.settle()

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        label: str,
        *,
        channel: str = CHANNEL,
        ts: str = "",
    ) -> None:
        self.t.step(f"@{self.name(user_id)}", f"clicks [ {label} ]")
        self.driver.block_action(
            action_id, value, user_id=user_id, channel_id=channel, message_ts=ts or "0.0"
        )
        self.settle()

    def menu(self, user_id: str, what: str, number: int, label: str, note: str) -> None:
        """Pick an action from an item's menu in the backlog list."""
        with self.deps.sessions() as session:
            item = demo_repo.item_by_number(session, TEAM, CHANNEL, number)
            value = f"{what}:{item.id}:{backlog_repo.place_of(session, item)}"
        self.t.step(f"@{self.name(user_id)}", f"picks “{label}” for {note}")
        self.driver.block_action(
            ids.ACT_ITEM_MENU,
            user_id=user_id,
            channel_id=CHANNEL,
            message_ts="0.0",
            is_ephemeral=True,
            action_type="static_select",
            selected_option={"value": value, "text": {"type": "plain_text", "text": label}},
        )
        self.settle()

    def press(self, user_id: str, action_id: str, label: str) -> None:
        """Press a button on the newest message in the channel (or its threads) that has it."""
        for message in reversed(self.fake.messages_in(CHANNEL)):
            blocks = message.get("blocks") or []
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            for block in blocks:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("action_id") == action_id:
                        value = element.get("value", "")
                        self.click(user_id, action_id, value, label, ts=message["ts"])
                        return
        raise LookupError(f"no message in #{CHANNELS[CHANNEL]} has {action_id}")

    def reply(self, user_id: str, text: str) -> None:
        """A reply in the thread of the meeting running now."""
        ts = meetings.overview(
            self.deps.sessions, team_id=TEAM, channel_id=CHANNEL, now=self.deps.clock()
        ).running
        thread = ts.message_ts if ts else None
        self.t.step(f"@{self.name(user_id)}", f"replies in the meeting's thread: “{text}”")
        self.driver.event(
            {
                "type": "message", "channel": CHANNEL, "user": user_id, "text": text,
                "ts": f"{int(self.deps.clock().timestamp())}.{len(self.fake.calls):06d}",
                "thread_ts": thread,
            }
        )  # fmt: skip
        self.settle()

    def react(self, user_id: str, name: str, ts: str) -> None:
        self.t.step(f"@{self.name(user_id)}", f"reacts with :{name}: on the round")
        self.driver.event(
            {
                "type": "reaction_added",
                "user": user_id,
                "reaction": name,
                "item": {"type": "message", "channel": CHANNEL, "ts": ts},
                "item_user": "U0BOT",
            }
        )
        self.settle()

    def tick(self, label: str, at: datetime | None = None, **advance: float) -> None:
        self.deps.clock.now = at or self.deps.clock.now + timedelta(**advance)
        self.t.step("time passes", label)
        run_all_once(self.deps)
        self.settle()

    def tensions(self) -> None:
        t = self.t
        t.say("S3 Governance — demo. The real bot, a local stand-in for Slack, no account needed.")
        t.say(f"Channel #{CHANNELS[CHANNEL]} is a circle: @alice, @bram (Dutch), @chen and @dana.")
        t.say("Each ▶ is something a person does; each box is what the bot shows, and to whom.")
        t.say()
        t.say("── 1. Tensions onto the governance backlog " + "─" * 40)
        self.command("U0ALICE", "Our release notes are written the night before each release")
        self.command("U0CHEN", "Nobody knows who may approve budget for tools")
        self.command("U0BRAM", "Het overleg loopt elke week uit")
        self.command("U0CHEN", "list")
        self.command("U0BRAM", "help")
        self.command(
            "U0CHEN", "<!channel> please look at <https://evil.example|this harmless link>"
        )
        self.command("U0ALICE", "x" * 3200)
        self.command("U0DANA", "")
        self.form(
            "U0DANA",
            "describes the driver with S3's template",
            {
                "situation": "Handovers between the day and night shifts happen in chat threads.",
                "effect": "Incidents are picked up late, twice last month.",
                "relevance": "We promised customers a response within an hour.",
                "nature": "problem",
            },
        )
        self.command("U0ALICE", "list")
        self.menu("U0ALICE", "top", 5, "Move to the top", "#5 to the top")
        self.menu("U0ALICE", "step", 5, "Set the next step…", "#5")
        self.form(
            "U0ALICE",
            "accepts it onto the backlog: next step, form a proposal",
            {"next_step": "propose"},
        )
        self.menu("U0ALICE", "pass", 2, "Pass on to another channel…", "#2 (budget) to #finance")
        self.form("U0ALICE", "passes it on to #finance", {"pass_to": FINANCE})
        self.command("U0ALICE", "meeting")
        self.form(
            "U0ALICE",
            "sets the governance meeting: every 2 weeks, Thursday 14:00",
            {"every_weeks": "2", "weekday": "3", "time": "14:00"},
        )
        self.command("U0CHEN", "agenda")

    def consent_round(self) -> None:
        t = self.t
        t.say()
        t.say("── 2. A proposal, decided by consent " + "─" * 46)
        self.command(
            "U0ALICE",
            "Release notes are written and published one day before each release.",
            command="/consent",
        )
        self.more_options("U0ALICE")
        self.form(
            "U0ALICE",
            "fills in the proposal form and starts the round",
            {
                "title": "Release notes a day early",
                "driver_item": "1",
                "responsibilities": "The release lead writes them; the circle reads them.",
                "responsible_people": ["U0CHEN"],
                "evaluation": "No release in the next two months has notes written on the last night.",
            },
        )
        first = self._round_ts()
        self.click("U0BRAM", ids.ACT_ANSWER_CONSENT, "1", "Consent", ts=first)
        self.react("U0CHEN", "thinking_face", first)
        self.click("U0CHEN", ids.ACT_ANSWER_OBJECTION, "1", "Objection", ts=first)
        self.form(
            "U0CHEN", "explains the objection", {"reason": "It adds work for the release lead."}
        )
        self.click("U0DANA", ids.ACT_ANSWER_OBJECTION, "1", "Objection", ts=first)
        self.form("U0DANA", "tries to object without a reason", {"reason": "   "})
        self.form(
            "U0DANA", "gives the reason", {"reason": "Nobody checks the notes before they go out."}
        )
        self.tick("a few seconds; the round message shows the count, not the answers", seconds=10)
        self.tick(
            "the day before the governance meeting, the bot posts its agenda by itself",
            at=datetime(2026, 12, 2, 13, 5, tzinfo=UTC),
        )
        self.tick(
            "the deadline arrives (alice never answered); the bot's sweep closes the round",
            at=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        )
        self.test_objection()
        dm = self.fake.dm_channel_id("U0ALICE") or ""
        self.click(
            "U0ALICE", ids.ACT_AMEND, "1", "Amend and start the next round", channel=dm, ts="0.0"
        )
        self.form(
            "U0ALICE",
            "resolves Dana's objection in version 2, with a deferral for the holidays",
            {
                "proposal": "Release notes are written and published one day before each release. "
                "Dana reads them before they go out.",
                "deadline": self.deps.clock.now + timedelta(days=2),
                # how version 2 resolves Dana's objection: Dana reads them from now on, and
                # who reads them while she is away is settled later, by her (a deferral)
                "kind": "deferral",
                "how": "Dana reads the notes before they go out; who reads them while she is "
                "away is decided by mid-January.",
                "owner": "U0DANA",
                "on": date(2027, 1, 15),
            },
        )
        dm = self.fake.dm_channel_id("U0DANA") or ""
        self.click("U0DANA", ids.ACT_RES_YES, "1:2", "Yes, it is resolved", channel=dm)
        second = self._round_ts()
        for user_id in ("U0ALICE", "U0BRAM", "U0CHEN", "U0DANA"):
            self.click(user_id, ids.ACT_ANSWER_CONSENT, "2", "Consent", ts=second)
        self.tick("a few seconds later", seconds=10)

    def test_objection(self) -> None:
        """Each objection has its own reply in the thread: Dana thinks Chen's is a concern,
        and Chen turns it into one (Dana's own objection still blocks)."""
        self.t.say()
        self.t.say("   Each objection is tested in its own reply in the round's thread.")
        chen = "1:1"  # round 1, objection 1 (Chen's; Dana's is 2)
        self.click("U0DANA", ids.ACT_OBJ_THINK_CONCERN, chen, "I think this is a concern")
        self.form(
            "U0DANA",
            "says why",
            {"reason": "The release lead offered to write them; it is safe enough to try."},
        )
        dm = self.fake.dm_channel_id("U0CHEN") or ""
        self.click("U0CHEN", ids.ACT_OBJ_TO_CONCERN, chen, "Turn into a concern", channel=dm)
        self.tick("a few seconds; the round's messages catch up", seconds=10)

    def review(self) -> None:
        t = self.t
        t.say()
        t.say("── 3. The agreement comes up for review " + "─" * 43)
        self.command("U0BRAM", "", command="/agreements")
        self.tick(
            "eleven weeks pass; a week before the review date, at 09:00 in Chen's timezone", days=80
        )
        self.tick("another sweep a minute later sends nothing twice", minutes=1)
        dm = self.fake.dm_channel_id("U0CHEN") or ""
        self.click(
            "U0CHEN", ids.ACT_REVIEW_ROUND_START, "1:2027-03-01", "Start a review round",
            channel=dm, ts="0.0",
        )  # fmt: skip
        self.tick("a few seconds; the review round is in the channel", seconds=10)
        for user_id in ("U0ALICE", "U0BRAM", "U0CHEN", "U0DANA"):
            self.click(user_id, ids.ACT_RR_KEEP, "1", "Keep")
        self.tick("a minute later: everyone answered, so the round closes", minutes=1)
        self.command("U0CHEN", "1", command="/agreements")

    def home(self) -> None:
        self.t.say()
        self.t.say("── 4. The Home tab " + "─" * 64)
        self.t.step("@alice", "opens the bot's Home tab")
        self.driver.app_home_opened("U0ALICE")
        self.settle()

    def meeting(self) -> None:
        """The governance meeting, run in a thread: the agenda the day before, the check-in,
        the agenda consented, two items (one decided by quick consent, one given a next
        step), an agreement's review kept, the evaluation, the check-out and the minutes."""
        t = self.t
        t.say()
        t.say("── 5. The governance meeting, run in a thread " + "─" * 37)
        t.say("   The circle meets every week from now on, and Dana records its meetings.")
        self.command("U0ALICE", "settings", command="/meeting")
        self.form("U0ALICE", "makes the meeting weekly, with @dana as its secretary",
                  {"every_weeks": "1", "secretary": "U0DANA"})  # fmt: skip
        meeting_at = rhythm.upcoming_meeting(
            self.deps.sessions, team_id=TEAM, channel_id=CHANNEL,
            now=datetime(2027, 5, 22, tzinfo=UTC),
        )  # fmt: skip
        assert meeting_at is not None
        self.tick(
            "three months pass; the Monday before agreement #1's next review, Chen is reminded",
            at=datetime(2027, 5, 17, 8, 30, tzinfo=UTC),
        )
        self.tick("a minute later", minutes=1)
        self.tick(
            "the day before the meeting, the bot posts its agenda",
            at=meeting_at - timedelta(hours=23),
        )
        self.tick("the meeting's day", at=meeting_at + timedelta(minutes=2))
        self.command("U0ALICE", "start", command="/meeting")
        self.t.step("@chen", "opens the bot's Home tab: the meeting is running")
        self.driver.app_home_opened("U0CHEN")
        self.settle()
        self._check_in()
        self.later(minutes=4)
        self.press("U0ALICE", ids.ACT_MEETING_CHECK_AGENDA, "Consent to the agenda")
        self._quick_consent()
        self.later(minutes=3)
        self.press("U0ALICE", ids.ACT_MEETING_NEXT, "First item")
        self.press("U0CHEN", ids.ACT_MEETING_SKIP, "Skip")
        self.press("U0ALICE", ids.ACT_MEETING_DECIDE, "Proposal formed: decide now")
        self.form(
            "U0ALICE",
            "writes down the proposal the circle formed on the item",
            {
                "title": "Evening handover call",
                "proposal": "The day shift hands over in a 10-minute call at 18:00, using the "
                "handover checklist in the ops wiki.",
                "evaluation": "No incident lost between shifts for three months.",
                "responsible_people": ["U0BRAM"],
                "review_date": date(2027, 11, 25),
            },
        )
        self.later(minutes=2)
        self._quick_consent()
        self.later(minutes=12)
        self.press("U0ALICE", ids.ACT_MEETING_OUTCOME, "Record outcome")
        self.form(
            "U0ALICE",
            "records the outcome: understand the driver first, by next week",
            {"next_step": "understand", "due": date(2027, 6, 3)},
        )
        self.later(minutes=15)
        self.press("U0ALICE", ids.ACT_MEETING_SKIP, "Skip")
        self._review_and_close()

    def _check_in(self) -> None:
        """Everyone checks in: a button, or a reply in the meeting's thread."""
        self.press("U0BRAM", ids.ACT_MEETING_HERE, "I'm here")
        self.press("U0DANA", ids.ACT_MEETING_HERE, "I'm here")
        self.reply("U0CHEN", "Here, with coffee. A calm week on call.")

    def later(self, **advance: float) -> None:
        """Time passes in the meeting (no sweep runs)."""
        self.deps.clock.now += timedelta(**advance)

    def _quick_consent(self) -> None:
        """The people present consent, and the facilitator closes the quick consent."""
        for user_id in ("U0ALICE", "U0BRAM", "U0CHEN", "U0DANA"):
            self.press(user_id, ids.ACT_QC_CONSENT, "Consent")
        self.press("U0ALICE", ids.ACT_QC_CLOSE, "Close")

    def _review_and_close(self) -> None:
        """The review of agreement #1, the evaluation, the check-out, the minutes."""
        self.press("U0CHEN", ids.ACT_AGREEMENT_KEEP, "Keep")
        self.form("U0CHEN", "keeps it, to be reviewed again in six months",
                  {"next_review": date(2027, 11, 25)})  # fmt: skip
        self.later(minutes=8)
        self.press("U0ALICE", ids.ACT_MEETING_NEXT, "Next item")
        self.press("U0ALICE", ids.ACT_MEETING_CLOSING, "Evaluate and check out")
        evaluations = (
            ("U0BRAM", "4", {"more_of": "Decisions made in the meeting"}),
            ("U0DANA", "5", {"keep": "The check-in in the thread"}),
        )
        for user_id, rating, lines in evaluations:
            self.press(user_id, ids.ACT_MEETING_EVALUATE, "Evaluate this meeting")
            self.form(user_id, "evaluates the meeting", {"rating": rating, **lines})
        self.reply("U0BRAM", "Tevreden, en op tijd klaar.")
        self.reply("U0CHEN", "Glad the handovers are settled.")
        self.later(minutes=6)
        self.command("U0ALICE", "end", command="/meeting")
        self.press("U0DANA", ids.ACT_MINUTES_CORRECT, "Correct the minutes")
        self.form(
            "U0DANA",
            "(the secretary) adds what the minutes missed",
            {"correction": "Bram was on call during the meeting and left for five minutes."},
        )

    def _consent_all(self, note: str) -> None:
        """Everyone in the circle consents to the newest round."""
        with self.deps.sessions() as session:
            round_id = str(demo_repo.latest_round_id(session, TEAM))
        ts = self._round_ts()
        for user_id in PEOPLE:
            self.click(user_id, ids.ACT_ANSWER_CONSENT, round_id, "Consent", ts=ts)
        self.tick(note, seconds=10)

    def structure(self) -> None:
        """The circle describes its domain, creates a role, selects someone for it by
        hidden nominations and consent; the term's end coming near puts it on the backlog."""
        t = self.t
        t.say()
        t.say("── 6. The circle's domain and a role, selected by consent " + "─" * 25)
        self.command("U0ALICE", "", command="/domain")
        self.command("U0ALICE", "edit", command="/domain")
        self.form(
            "U0ALICE",
            "describes the circle's domain and starts the round",
            {
                "purpose": "Keep the product running in production, so customers can rely on it.",
                "responsibilities": "Releases, on-call, upgrades and incident reviews.",
                "deliverables": "Working releases for the product teams; incident reports.",
                "evaluation": "Uptime and release calm, looked at every quarter.",
                "review_date": date(2027, 12, 1),
                "deadline": self.deps.clock.now + timedelta(days=2),
            },
        )
        self._consent_all("everyone consented: the description is the circle's")
        self.command("U0DANA", "", command="/domain")
        self.command("U0ALICE", "new", command="/role")
        self.form(
            "U0ALICE",
            "proposes the role “Release lead”, held for 6 months",
            {
                "name": "Release lead",
                "purpose": "Each release goes out calmly, with its notes, every two weeks.",
                "responsibilities": "Cut the release; write the release notes; call the go/no-go.",
                "term_months": "6",
                "review_date": date(2027, 12, 1),
                "deadline": self.deps.clock.now + timedelta(days=2),
            },
        )
        self._consent_all("everyone consented: the role exists, vacant")
        self.command("U0ALICE", "select release lead", command="/role")
        self.form("U0ALICE", "asks the whole circle to nominate, within two days", {})
        self.tick("a few seconds; the selection's message is in the channel", seconds=10)
        with self.deps.sessions() as session:
            sel = str(demo_repo.latest_selection_id(session, TEAM))
        nominations = (
            ("U0BRAM", "U0CHEN", "Chen cut the last three releases without a hitch."),
            ("U0CHEN", "U0CHEN", "I would like to, and I have the time this half year."),
            ("U0DANA", "U0BRAM", "Bram knows the release tooling best."),
        )
        for user_id, nominee, reason in nominations:
            self.click(user_id, ids.ACT_SEL_NOMINATE, sel, "Nominate")
            self.form(user_id, "nominates, in private, with a reason",
                      {"nominee": nominee, "reason": reason})  # fmt: skip
        self.command("U0DANA", "select release lead", command="/role")
        self.click("U0ALICE", ids.ACT_SEL_PROPOSE, sel, "Propose a nominee")
        self.click("U0ALICE", ids.ACT_SEL_NOMINATE, sel, "Nominate")
        self.form("U0ALICE", "passes, saying why", {"pass": ["pass"],
                                                    "reason": "I hold two roles already."})  # fmt: skip
        self.tick("a few seconds; everyone nominated, so all are revealed together", seconds=10)
        self.click("U0ALICE", ids.ACT_SEL_PROPOSE, sel, "Propose a nominee")
        self.form("U0ALICE", "proposes Chen, the most nominated", {})
        self.t.step("@alice", "(an admin) turns on “A user group per role” on her Home tab")
        self.driver.block_action(
            ids.ACT_HOME_ROLE_GROUPS, user_id="U0ALICE", channel_id="", message_ts="0.0",
            action_type="static_select",
            selected_option={"value": "on", "text": {"type": "plain_text", "text": "On"}},
        )  # fmt: skip
        self.settle()
        self._consent_all("everyone consented: Chen holds the role")
        self.command("U0DANA", "release lead", command="/role")
        self.tick("a few seconds", seconds=10)
        for group in self.fake.usergroups.values():
            holders = ", ".join("@" + self.name(u) for u in group["users"]) or "nobody"
            self.t.step("Slack", f"the user group @{group['handle']} now reaches {holders}")
        self.tick("five months pass; four weeks before Chen's term ends", days=158)
        self.tick("a minute later, the notices go out", minutes=1)
        self.command("U0CHEN", "list")

    def _round_ts(self) -> str:
        posts = [
            c
            for c in self.fake.calls_to("chat.postMessage")
            if c.ok and c.args.get("channel") == CHANNEL
        ]
        return posts[-1].response["ts"]
