"""Installs by any workspace, as a browser and Slack's authorize page do them, over HTTP."""

from __future__ import annotations

import html
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.runtime.web import make_wsgi_app
from tests.fakes import FakeSlack
from tests.support.harness import CLIENT_ID, Bot


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output quiet."""


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def served(bot: Bot) -> Iterator[str]:
    """The bot's WSGI app (Slack endpoint, install pages) on a loopback port; its base URL."""
    server = make_server(
        "127.0.0.1", 0, make_wsgi_app(bot.app, bot.deps.engine), _Threading, _Quiet
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """What a person reads: the page without its markup."""
        return html.unescape(re.sub(r"<[^>]+>", " ", self.body.split("<body>", 1)[-1]))


def get(url: str, *, language: str = "en", cookie: str | None = None) -> Page:
    """A browser's GET (no redirects followed)."""
    headers = {"Accept-Language": language}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310 - loopback only
            return Page(r.status, r.read().decode(), {k.lower(): v for k, v in r.headers.items()})
    except urllib.error.HTTPError as err:
        return Page(err.code, err.read().decode(), {k.lower(): v for k, v in err.headers.items()})


@dataclass
class Started:
    """The install page a browser got: Slack's authorize URL (with its state) and the cookie."""

    page: Page
    authorize_url: str
    state: str
    cookie: str


def start_install(base: str, *, language: str = "en") -> Started:
    """Open /slack/install and read the "Add to Slack" link and the state cookie."""
    page = get(f"{base}/slack/install", language=language)
    assert page.status == 200, page
    link = html.unescape(
        re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page.body)[1]
    )
    state = parse_qs(urlsplit(link).query)["state"][0]
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    return Started(page, link, state, cookie)


def finish_install(base: str, started: Started, code: str | None, **kwargs: Any) -> Page:
    """Slack sends the browser back to the redirect URL with a code and the state."""
    query = {"state": started.state, **({"code": code} if code else {})}
    cookie = kwargs.pop("cookie", started.cookie)
    return get(f"{base}/slack/oauth_redirect?{urlencode(query)}", cookie=cookie, **kwargs)


def install(
    base: str, fake: FakeSlack, team_id: str, *, rotating: bool = False, language: str = "en"
) -> Page:
    """A whole install of workspace `team_id`: install page, authorize, redirect."""
    started = start_install(base, language=language)
    code = fake.authorize(CLIENT_ID, team_id, rotating=rotating)
    return finish_install(base, started, code, language=language)
