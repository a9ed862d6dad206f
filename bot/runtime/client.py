"""The Slack Web API clients the bot uses, with slack_sdk's retry handlers: one per
workspace token, all pacing against one budget (`Clients` says which is whose)."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.rotator import TokenRotator

from bot.runtime.pacing import Pacer, is_patient

log = logging.getLogger(__name__)

# A post that failed with a 5xx or a dropped connection may have gone out all the same.
# Retrying it inside the client would double it; the outbox retries it instead, after
# looking for it (bot.runtime.posting). A 429 is always safe to retry: Slack did nothing.
NOT_RETRIED_BLINDLY = ("/chat.postMessage",)


def _is_post(request: HttpRequest) -> bool:
    return request.url.split("?", 1)[0].endswith(NOT_RETRIED_BLINDLY)


class _ConnectionErrors(ConnectionErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _is_post(request) and super()._can_retry(request=request, **kwargs)


class _ServerErrors(ServerErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        return not _is_post(request) and super()._can_retry(request=request, **kwargs)


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            try:
                return float(values[0] if isinstance(values, list) else values)
            except (TypeError, ValueError, IndexError):
                break
    return 1.0


def _call_of(request: HttpRequest) -> tuple[str, str, str | None]:
    """(token, method, channel) of a request the client sent."""
    method = request.url.split("?", 1)[0].rsplit("/", 1)[-1]
    auth = (request.headers.get("Authorization") or [""])[0]
    token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
    params: Any = request.body_params
    if not isinstance(params, dict):
        raw = request.data
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw or "")
            params = json.loads(text) if text.startswith("{") else parse_qs(text)
        except ValueError:
            params = {}
    channel = params.get("channel") if isinstance(params, dict) else None
    if isinstance(channel, list):
        channel = channel[0] if channel else None
    return token, method, channel if isinstance(channel, str) else None


class _RateLimits(RateLimitErrorRetryHandler):
    """Honours a 429's Retry-After: the pacer holds that method (a post: its channel) so
    nobody else calls it meanwhile; a sweep waits and retries; a listener retries once at
    most, and only a wait of a second (it must not hold a request thread; what it could not
    send is left to the outbox's sweep). Replicas share Slack's limits but not a pacer, so a
    sweep may be refused several times in a row while another replica posts to the same
    channel: it waits its turn up to `max_retry_count` times before leaving the row to a
    later sweep."""

    def __init__(self, pacer: Pacer | None, max_retry_count: int = 8) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._pacer = pacer

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response)
        if self._pacer is not None:
            token, method, channel = _call_of(request)
            self._pacer.hold(token, method, wait, channel)
        return is_patient() or (state.current_attempt == 0 and wait <= 1)


class PacedClient(WebClient):
    """A WebClient that waits for each call's turn within Slack's tiers (bot.runtime.pacing)."""

    def __init__(self, *args: Any, pacer: Pacer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer or Pacer()

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        params = kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {}
        channel = params.get("channel") if isinstance(params, dict) else None
        self.pacer.pace(self.token or "", api_method, channel if isinstance(channel, str) else None)
        return super().api_call(api_method, **kwargs)


def make_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = 10,
    paced: bool = True,
    share: int = 1,
    pacer: Pacer | None = None,
) -> WebClient:
    """A WebClient that paces itself within Slack's tiers and retries rate limits (honouring
    Retry-After), 5xx and dropped connections. Clients given one `pacer` share its budget
    (it counts per token, as Slack does); without one, a new one paces at 1/`share`.

    Posts are retried on 429 only; their other failures reach the caller (the outbox).
    """
    if paced and pacer is None:
        pacer = Pacer(share=share)
    if not paced:
        pacer = None
    handlers = [
        _ConnectionErrors(max_retry_count=2),
        _RateLimits(pacer),
        _ServerErrors(max_retry_count=2),
    ]
    if pacer is None:
        return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)
    return PacedClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers, pacer=pacer
    )


class NotInstalled(Exception):
    """A workspace has no installation (never installed, uninstalled, tokens revoked): Slack
    cannot be told anything for it, and its work waits until it is installed again."""

    def __init__(self, team_id: str) -> None:
        super().__init__(team_id)
        self.team_id = team_id


# Slack's answers that mean the token itself is no good (not the call): the workspace's
# work waits, as for a workspace with no installation.
TOKEN_ERRORS = frozenset({"token_revoked", "token_expired", "invalid_auth", "not_authed"})

# Finds a workspace's bot installation (team_id, enterprise_id or None: look it up).
FindBot = Callable[[str, str | None], Bot | None]
SaveBot = Callable[[Bot], None]
_CLIENTS_KEPT = 1000


class Clients:
    """The one place that says which token a workspace's Slack calls go with.

    Single-workspace mode: always the client of the one SLACK_BOT_TOKEN. Multi-workspace
    mode: the bot token of the workspace's installation (refreshed first when it rotates
    and is about to expire), or `NotInstalled`. Every client shares one pacer. Bolt's
    authorization finds the same token for requests (`installation_store_bot_only`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        paced: bool = True,
        share: int = 1,
        find: FindBot | None = None,
        save: SaveBot | None = None,
        rotator: TokenRotator | None = None,
        refresh_minutes_before: int = 120,
    ) -> None:
        self.pacer = Pacer(share=share) if paced else None
        self._base_url = base_url
        self._paced = paced
        self._find = find
        self._save = save
        self._rotator = rotator
        self._refresh_minutes = refresh_minutes_before
        self._lock = threading.Lock()
        self._rotating: dict[str, threading.Lock] = {}  # team -> its refresh lock
        self._by_token: OrderedDict[str, WebClient] = OrderedDict()
        self._reported: dict[str, str | None] = {}  # team -> the token refused (None: none)
        # The app's own client: the one token's, or (multi-workspace) none, for the OAuth flow.
        self.app = make_client(token, base_url, paced=paced, pacer=self.pacer)

    @property
    def refresh_minutes(self) -> int:
        """A rotating token is refreshed when it has less than this many minutes left."""
        return self._refresh_minutes

    @property
    def multi_workspace(self) -> bool:
        """Whether tokens come from installations (else: the one token)."""
        return self._find is not None

    def for_token(self, token: str) -> WebClient:
        """The paced client of this token (one per token, kept for reuse)."""
        with self._lock:
            client = self._by_token.get(token)
            if client is None:
                client = make_client(token, self._base_url, paced=self._paced, pacer=self.pacer)
                self._by_token[token] = client
                while len(self._by_token) > _CLIENTS_KEPT:
                    self._by_token.popitem(last=False)
            self._by_token.move_to_end(token)
            return client

    def for_team(self, team_id: str, enterprise_id: str | None = None) -> WebClient:
        """The client to call Slack with for work of this workspace; `NotInstalled` when
        there is no token for it (logged once until it is installed again)."""
        if self._find is None:
            return self.app
        token = self._token_of(team_id, enterprise_id)
        if token is None:
            self.not_installed(team_id)
            raise NotInstalled(team_id)
        with self._lock:
            if team_id in self._reported and self._reported[team_id] != token:
                del self._reported[team_id]  # a new token: news of it going is news again
        return self.for_token(token)

    def not_installed(
        self, team_id: str, reason: str = "no installation", token: str | None = None
    ) -> None:
        """Log once that a workspace's work waits (until it has a new token): there is no
        installation, or Slack refused `token`."""
        with self._lock:
            first = team_id not in self._reported
            self._reported[team_id] = token
        if first:
            log.warning("workspace %s: %s; its work waits until it is installed", team_id, reason)

    def _token_of(self, team_id: str, enterprise_id: str | None) -> str | None:
        assert self._find is not None
        bot = self._find(team_id, enterprise_id)
        if bot is None or not bot.bot_token:
            return None
        if self._rotator is None or not bot.bot_refresh_token:
            return bot.bot_token
        # One refresh per workspace at a time in this process (a refresh token is spent by
        # its use); read again inside, in case another thread refreshed it meanwhile.
        with self._lock:
            rotating = self._rotating.setdefault(team_id, threading.Lock())
        with rotating:
            bot = self._find(team_id, enterprise_id)
            if bot is None or not bot.bot_token:
                return None
            try:
                refreshed = self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self._refresh_minutes
                )
            except SlackTokenRotationError as exc:
                error = exc.api_error.response.get("error")
                log.warning("workspace %s: token refresh refused (%s)", team_id, error)
                return None
            if refreshed is not None:
                if self._save is not None:
                    self._save(refreshed)
                bot = refreshed
            return bot.bot_token
