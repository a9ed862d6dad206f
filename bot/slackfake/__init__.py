"""A fake Slack (Web API server) and a request driver for testing and demoing the bot."""

from bot.slackfake.driver import Response, SlackDriver
from bot.slackfake.server import Call, FakeSlack

__all__ = ["Call", "FakeSlack", "Response", "SlackDriver"]
