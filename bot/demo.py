"""`s3bot demo`: the real app against the built-in Slack fake, printed as a readable transcript."""

from __future__ import annotations

import logging
import re
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_app, build_deps
from bot.config import Settings
from bot.services import backlog
from bot.slackfake import FakeSlack, SlackDriver
from bot.store.migrate import upgrade

SECRET = "demo-signing-secret"
TEAM = "T0DEMO"
CHANNEL = "C0OPS"
PEOPLE = {
    "U0ALICE": ("alice", "en-US"),
    "U0BRAM": ("bram", "nl-NL"),
    "U0CHEN": ("chen", "en-GB"),
}
CHANNELS = {CHANNEL: "ops-circle"}
WIDTH = 96


class Transcript:
    """Turns what the bot said to the fake Slack into readable lines."""

    def __init__(self, fake: FakeSlack, out: TextIO) -> None:
        self.fake = fake
        self.out = out
        self.seen_calls = 0
        self.seen_responses = 0

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
                self._show(f"#{self._channel(args.get('channel'))} · S3 Governance", args)
            elif call.method == "chat.postEphemeral":
                self._show(f"only @{self._user(args.get('user'))} sees · S3 Governance", args)
            elif call.method == "views.publish":
                self._show(
                    f"Home tab of @{self._user(args.get('user_id'))}", args.get("view") or {}
                )
        responses = self.fake.responses[self.seen_responses :]
        self.seen_responses += len(responses)
        for response in responses:
            self._show("only you see · S3 Governance", response.get("payload") or {})

    def _show(self, header: str, message: dict[str, Any]) -> None:
        self.say(f"  ┌ {header}")
        for line in render(message, self._user, self._channel):
            for wrapped in textwrap.wrap(line, WIDTH - 4) or [""]:
                self.say(f"  │ {wrapped}")
        self.say("  └")

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
        elif kind == "context":
            lines += [_plain(e.get("text", ""), user, channel) for e in block.get("elements", [])]
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            labels = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("  ".join(f"[ {label} ]" for label in labels))
    return lines


def _plain(text: str, user: Callable[[str], str], channel: Callable[[str], str]) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + user(m.group(1)), text)
    text = re.sub(r"<#(\w+)(\|[^>]*)?>", lambda m: "#" + channel(m.group(1)), text)
    text = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    return text


def run_demo(out: TextIO, lang: str = "en") -> int:
    """Play a scripted session and print what everyone sees. Returns the exit status."""
    for noisy in ("alembic", "bot", "slack_bolt", "slack_sdk"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="s3bot-demo-") as tmp, FakeSlack(team_id=TEAM) as fake:
        for user_id, (name, locale) in PEOPLE.items():
            fake.add_user(user_id, name, locale=locale)
        fake.add_channel(CHANNEL, CHANNELS[CHANNEL], list(PEOPLE))
        settings = Settings(
            slack_bot_token="xoxb-demo",
            slack_signing_secret=SECRET,
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}",
            slack_api_url=fake.url,
            log_level="ERROR",
            default_locale=lang,
        )
        deps = build_deps(settings)
        upgrade(deps.engine)
        if lang != "en":
            backlog.set_workspace_locale(deps.sessions, team_id=TEAM, locale=lang, now=deps.clock())
        app = build_app(deps)
        driver = SlackDriver(SECRET, app=app, team_id=TEAM, response_url_base=fake.hooks_url)
        t = Transcript(fake, out)

        def command(user_id: str, text: str, command: str = "/tension") -> None:
            shown = text if len(text) <= 200 else f"{text[:60]}… ({len(text)} characters)"
            t.step(f"@{PEOPLE[user_id][0]} in #{CHANNELS[CHANNEL]}", f"{command} {shown}".rstrip())
            response = driver.command(command, text, user_id=user_id, channel_id=CHANNEL)
            deps.executor.wait_idle(15)
            if response.status != 200:
                t.say(f"    (the bot answered HTTP {response.status})")
            t.flush()

        t.say("S3 Governance — demo. The real bot, a local stand-in for Slack, no account needed.")
        t.say(f"Channel #{CHANNELS[CHANNEL]} is a circle: @alice, @bram (Dutch) and @chen.")
        t.say("Each ▶ is something a person does; each box is what the bot shows, and to whom.")

        command("U0ALICE", "Our release notes are written the night before each release")
        command("U0CHEN", "Nobody knows who may approve budget for tools")
        command("U0BRAM", "Het overleg loopt elke week uit")
        command("U0CHEN", "list")
        command("U0BRAM", "help")
        command("U0CHEN", "<!channel> please look at <https://evil.example|this harmless link>")
        command("U0ALICE", "x" * 3200)
        command("U0ALICE", "Should we try consent?", command="/consent")

        t.step("@alice", "opens the bot's Home tab")
        driver.app_home_opened("U0ALICE")
        deps.executor.wait_idle(15)
        t.flush()

        t.say()
        t.say("Transparent by default: every tension is on the channel's backlog, ranked, for the")
        t.say("circle to respond to. Run it for real with `s3bot socket` (see README.md).")
        deps.engine.dispose()
        problems = list(fake.errors)
    if problems:
        out.write(
            "Slack contract problems seen during the demo:\n  " + "\n  ".join(problems) + "\n"
        )
        return 1
    return 0
