"""The one Slack Web API client the bot uses, with slack_sdk's retry handlers."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest

from bot.runtime.pacing import Pacer

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
    token: str | None, base_url: str, *, timeout: int = 10, paced: bool = True
) -> WebClient:
    """A WebClient that paces itself within Slack's tiers and retries rate limits (honouring
    Retry-After), 5xx and dropped connections.

    Posts are retried on 429 only; their other failures reach the caller (the outbox).
    """
    kind = PacedClient if paced else WebClient
    return kind(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            _ConnectionErrors(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            _ServerErrors(max_retry_count=2),
        ],
    )
