"""Which response_urls the bot posts to: only those under an allowed prefix, nothing odd."""

from __future__ import annotations

import pytest

from bot.runtime.payload import response_url
from bot.runtime.replies import allowed_response_url

SLACK = ("https://hooks.slack.com/",)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T0001/1/abc",
        "https://hooks.slack.com/actions/T0001/2/def",
        "https://hooks.slack.com/app/T0001/3/ghi",
    ],
)
def test_slacks_hooks_are_allowed(url: str) -> None:
    assert allowed_response_url(url, SLACK)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "http://hooks.slack.com/commands/T0001/1/abc",  # not https
        "https://hooks.slack.com.evil.example/commands/T0001/1/abc",
        "https://hooks.slack.com@evil.example/commands/T0001/1/abc",
        "https://evil.example/https://hooks.slack.com/",
        "https://evil.example/?u=https://hooks.slack.com/",
        "https://hooks.slack.com:8443/commands/T0001/1/abc",
        "https://hooks.slack.com/commands/T0001/1/abc\r\nHost: evil.example",
        " https://hooks.slack.com/commands/T0001/1/abc",
        "HTTPS://HOOKS.SLACK.COM.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused(url: str | None) -> None:
    assert not allowed_response_url(url, SLACK)


def test_a_stand_ins_hooks_only_when_configured() -> None:
    url = "http://127.0.0.1:8123/hooks/actions/T0001/1/x"
    assert not allowed_response_url(url, SLACK)
    assert allowed_response_url(url, (*SLACK, "http://127.0.0.1:8123/hooks/"))
    assert not allowed_response_url(url, ("http://127.0.0.1:8124/hooks/",))


def test_where_a_payload_says_to_reply() -> None:
    assert response_url({"response_url": "https://hooks.slack.com/commands/1"}) == (
        "https://hooks.slack.com/commands/1"
    )
    submitted = {"response_urls": [{"response_url": "https://hooks.slack.com/app/2"}]}
    assert response_url(submitted) == "https://hooks.slack.com/app/2"
    carried = {"response_urls": [], "view": {"private_metadata": '{"response_url": "u"}'}}
    assert response_url(carried) == "u"
    for malformed in (None, [], {"view": {"private_metadata": "not json"}},
                      {"view": {"private_metadata": "[1]"}}, {"response_urls": "x"},
                      {"view": {"private_metadata": '{"response_url": 5}'}}):  # fmt: skip
        assert response_url(malformed) is None
