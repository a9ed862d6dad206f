"""The one Slack Web API client the bot uses, with slack_sdk's retry handlers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.runtime.pacing import Pacer, is_patient

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
    token: str | None, base_url: str, *, timeout: int = 10, paced: bool = True, share: int = 1
) -> WebClient:
    """A WebClient that paces itself within Slack's tiers and retries rate limits (honouring
    Retry-After), 5xx and dropped connections.

    Posts are retried on 429 only; their other failures reach the caller (the outbox).
    """
    pacer = Pacer(share=share) if paced else None
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
