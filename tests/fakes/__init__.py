"""Test doubles for Slack: the Web API fake with contracts and faults, and Socket Mode.

The demo's stand-in (bot/demo) is the base; what only the tests need lives here.
"""

from tests.fakes.driver import Response, SlackDriver
from tests.fakes.slack import Call, FakeSlack

__all__ = ["Call", "FakeSlack", "Response", "SlackDriver"]
