"""A running bot wired to the Slack fake, driven with signed requests in-process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App

from bot.app import build_app
from bot.config import Settings
from bot.deps import Deps, build_deps
from bot.domain.clock import Clock
from bot.store.migrate import upgrade
from tests.fakes import FakeSlack, Response, SlackDriver

SECRET = "test-signing-secret"
TEAM = "T0001"
CHANNEL = "C0CIRCLE"
ALICE, BRAM, CHEN = "U0ALICE", "U0BRAM", "U0CHEN"


@dataclass
class Bot:
    """The app, its dependencies, the fake Slack it talks to, and a driver sending it requests."""

    app: App
    deps: Deps
    fake: FakeSlack
    driver: SlackDriver

    def settle(self) -> None:
        """Wait until every listener that was acked has finished."""
        assert self.deps.executor.wait_idle(15), "listeners did not finish"

    def command(
        self, text: str, *, user: str = ALICE, channel: str = CHANNEL, command: str = "/tension"
    ) -> Response:
        """Send a slash command and wait for its effects."""
        response = self.driver.command(command, text, user_id=user, channel_id=channel)
        self.settle()
        return response

    def event(self, event: dict[str, Any], **kwargs: Any) -> Response:
        """Deliver an event callback and wait for its effects."""
        response = self.driver.event(event, **kwargs)
        self.settle()
        return response

    def ephemerals_for(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral) the user got."""
        return [e for e in self.fake.ephemerals if e.get("user") == user]

    def responses_for(self, user: str) -> list[dict[str, Any]]:
        """What was posted to the response_urls given to the user (their replies)."""
        return [
            r["payload"] for r in self.fake.responses if self.driver.issued_to(r["path"]) == user
        ]


def settings_for(db_url: str, fake: FakeSlack, **extra: Any) -> Settings:
    """Settings pointing the bot at the fake and the given database."""
    return Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        database_url=db_url,
        slack_api_url=fake.url,
        **extra,
    )


def make_bot(db_url: str, fake: FakeSlack, *, clock: Clock | None = None, **extra: Any) -> Bot:
    """Migrate the database and build the real app against the fake."""
    deps = build_deps(settings_for(db_url, fake, **extra), clock=clock)
    upgrade(deps.engine)
    app = build_app(deps)
    driver = SlackDriver(SECRET, app=app, team_id=TEAM, response_url_base=fake.hooks_url)
    return Bot(app=app, deps=deps, fake=fake, driver=driver)


class FakeClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def modal_values(**fields: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """view_submission state values for the /consent modal, shaped like Slack's."""
    from bot.blocks import ids

    def put(key: tuple[str, str], value: dict[str, Any]) -> None:
        values.setdefault(key[0], {})[key[1]] = value

    values: dict[str, dict[str, dict[str, Any]]] = {}
    put(ids.IN_TITLE, {"type": "plain_text_input", "value": fields.get("title")})
    put(ids.IN_PROPOSAL, {"type": "plain_text_input", "value": fields.get("text")})
    put(ids.IN_DRIVER_TEXT, {"type": "plain_text_input", "value": fields.get("driver")})
    if fields.get("item_id") is not None:
        put(
            ids.IN_DRIVER_ITEM,
            {"type": "static_select", "selected_option": {"value": str(fields["item_id"])}},
        )
    put(
        ids.IN_RESPONSIBILITIES,
        {"type": "plain_text_input", "value": fields.get("responsibilities")},
    )
    put(ids.IN_EVALUATION, {"type": "plain_text_input", "value": fields.get("evaluation")})
    review = fields.get("review_date")
    put(
        ids.IN_REVIEW_DATE,
        {"type": "datepicker", "selected_date": review.isoformat() if review else None},
    )
    deadline = fields.get("deadline")
    put(
        ids.IN_DEADLINE,
        {
            "type": "datetimepicker",
            "selected_date_time": int(deadline.timestamp()) if deadline else None,
        },
    )
    until = fields.get("questions_until")
    put(
        ids.IN_QUESTIONS_UNTIL,
        {"type": "datetimepicker", "selected_date_time": int(until.timestamp()) if until else None},
    )
    people = fields.get("people")
    put(
        ids.IN_WHO,
        {"type": "radio_buttons", "selected_option": {"value": "chosen" if people else "channel"}},
    )
    put(ids.IN_PEOPLE, {"type": "multi_users_select", "selected_users": people or []})
    put(
        ids.IN_OPTIONS,
        {
            "type": "checkboxes",
            "selected_options": (
                ([{"value": "hidden"}] if fields.get("hidden", True) else [])
                + ([{"value": "response"}] if fields.get("ask_response") else [])
            ),
        },
    )
    quorum = fields.get("quorum")
    put(ids.IN_QUORUM, {"type": "number_input", "value": None if quorum is None else str(quorum)})
    return values


CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"  # noqa: S105 - the fake's, not a real one


def make_multi_bot(
    db_url: str,
    fake: FakeSlack,
    *,
    clock: Clock | None = None,
    team_id: str = "T0002",
    **extra: Any,
) -> Bot:
    """Migrate the database and build the app in multi-workspace mode (OAuth installs);
    its driver speaks for `team_id`."""
    fake.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
    settings = Settings(
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SECRET,
        database_url=db_url,
        slack_api_url=fake.url,
        **extra,
    )
    deps = build_deps(settings, clock=clock)
    upgrade(deps.engine)
    app = build_app(deps)
    driver = SlackDriver(SECRET, app=app, team_id=team_id, response_url_base=fake.hooks_url)
    return Bot(app=app, deps=deps, fake=fake, driver=driver)
