"""The Slack fake the tests use: the demo's stand-in plus contract checks and faults.

`FakeSlack` extends `bot.demo.standin.StandinSlack` (the workspace and the Web API
methods) with what only tests need: argument contracts from the reference data
(tests/fakes/contract.py), Block Kit limit checks (tests/fakes/blockkit.py), injected
failures and delays, methods registered by a test, and a few inspection helpers.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from bot.demo.ratelimits import tiers_from
from bot.demo.standin import ApiError, Args, Call, StandinSlack, TokenMethod
from bot.demo.standin import _flag as flag
from bot.demo.standin import _ts_key as ts_key
from tests.fakes.blockkit import MAX_MESSAGE_BLOCKS, check_blocks, check_view
from tests.fakes.contract import ContractBook

# A method added with `FakeSlack.register_method`: called with the arguments and the token.
ExtraMethod = TokenMethod

__all__ = ["ApiError", "Call", "ExtraMethod", "FakeSlack"]


@dataclass(frozen=True)
class _Grant:
    """What a person agreed to on Slack's authorize page, for one workspace."""

    client_id: str
    team_id: str
    team_name: str
    enterprise_id: str | None
    user_id: str
    scope: str
    redirect_uri: str | None
    rotating: bool
    org_wide: bool = False  # installed for the whole Enterprise Grid org


@dataclass(frozen=True)
class _Fault:
    """An injected failure for the next call of a method."""

    status: int
    retry_after: int | None
    error: str


class FakeSlack(StandinSlack):
    """The stand-in workspace, checking calls against Slack's contracts, with faults."""

    def __init__(
        self, schema_dir: Path | None = None, *, enforce_tiers: bool = True, **kwargs: Any
    ) -> None:
        """Create the workspace; `schema_dir` holds the method schemas (None: no contracts,
        no rate limits). With `enforce_tiers`, calls beyond Slack's rate tiers get a 429."""
        tiers = tiers_from(schema_dir) if enforce_tiers else {}
        super().__init__(tiers=tiers, **kwargs)
        self.contracts = ContractBook(schema_dir)
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._lost: dict[str, deque[int]] = {}
        self._expired_hooks = 0
        self._extra_methods: dict[str, ExtraMethod] = {}

        # Looking up posts (the outbox's reconcile before a resend), which the demo never does.
        self._methods["conversations.history"] = self._conversations_history
        self._methods["conversations.replies"] = self._conversations_replies
        # The bot adding itself to a public channel ("Add the bot to this channel").
        self._methods["conversations.join"] = self._conversations_join

        # OAuth installs (multi-workspace mode): the app's credentials, codes Slack handed to
        # browsers, refresh tokens, each bot token's workspace, and tokens no longer valid.
        self.oauth_apps: dict[str, str] = {}
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self.token_teams: dict[str, str] = {}
        self.revoked: set[str] = set()
        self._token_seq = 0

    # ----------------------------------------------------------------- history

    def _conversations_history(self, args: Args) -> dict[str, Any]:
        """Top-level messages (and broadcast replies) of a conversation, newest first."""
        channel = self._channel(args.get("channel"))
        rows = [
            m
            for m in self.messages.get(channel.id, [])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        return self._history_page(list(reversed(rows)), args)

    def _conversations_replies(self, args: Args) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first."""
        channel = self._channel(args.get("channel"))
        ts = args.get("ts")
        parent = self._find_message(channel.id, ts) if isinstance(ts, str) else None
        if parent is None:
            raise ApiError("thread_not_found")
        rows = [m for m in self.messages.get(channel.id, []) if m.get("thread_ts") == ts]
        return self._history_page(rows or [parent], args)

    def _history_page(self, rows: list[dict[str, Any]], args: Args) -> dict[str, Any]:
        """One page of messages after `oldest`; metadata only when asked for, as Slack does."""
        oldest = ts_key(str(args.get("oldest") or "0"))
        rows = [m for m in rows if ts_key(m["ts"]) > oldest]
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        page = copy.deepcopy(rows[start : start + limit])
        if not flag(args, "include_all_metadata"):
            for message in page:
                message.pop("metadata", None)
        more = start + limit < len(rows)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_join(self, args: Args) -> dict[str, Any]:
        """The bot joins a public channel, as Slack allows with channels:join."""
        channel = self._channel(args.get("channel"))
        if channel.is_im or channel.is_mpim or channel.is_private:
            raise ApiError("method_not_supported_for_channel_type")
        if getattr(channel, "is_archived", False):
            raise ApiError("is_archived")
        already = channel.is_member
        channel.is_member = True
        if self.bot_user_id not in channel.members:
            channel.members.append(self.bot_user_id)
        answer: dict[str, Any] = {"channel": channel.to_api()}
        if already:
            answer["already_in_channel"] = True
        return answer

    # ----------------------------------------------------------------- OAuth

    def add_oauth_app(self, client_id: str, client_secret: str) -> None:
        """Know an app's credentials, for oauth.v2.access."""
        with self._lock:
            self.oauth_apps[client_id] = client_secret

    def authorize(
        self,
        client_id: str,
        team_id: str,
        *,
        team_name: str | None = None,
        enterprise_id: str | None = None,
        user_id: str = "U0ALICE",
        scope: str = "commands,chat:write",
        redirect_uri: str | None = None,
        rotating: bool = False,
        org_wide: bool = False,
    ) -> str:
        """What Slack's authorize page does when a person allows the install: a one-time code
        for the redirect (exchanged with oauth.v2.access). `org_wide`: an org admin installs
        it for the whole Enterprise Grid org `enterprise_id` (`team_id`: where they are)."""
        code = f"{team_id}.{secrets.token_hex(8)}"
        grant = _Grant(
            client_id, team_id, team_name or f"Team {team_id}", enterprise_id, user_id, scope,
            redirect_uri, rotating, org_wide,
        )  # fmt: skip
        with self._lock:
            self._codes[code] = grant
        return code

    def revoke(self, team_id: str) -> None:
        """Slack's side of an uninstall: every token of the workspace stops working."""
        with self._lock:
            self.revoked.update(t for t, team in self.token_teams.items() if team == team_id)

    def tokens_of(self, team_id: str) -> set[str]:
        """The bot tokens handed out for a workspace."""
        with self._lock:
            return {t for t, team in self.token_teams.items() if team == team_id}

    def _new_token(self, grant: _Grant) -> dict[str, Any]:
        self._token_seq += 1
        n = self._token_seq
        bare = f"{self.bot_token_prefix}{grant.team_id}-{n}-{secrets.token_hex(6)}"
        token = f"xoxe.{bare}" if grant.rotating else bare
        self.token_teams[token] = grant.team_id
        answer: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if grant.rotating:
            refresh = f"xoxe-1-{grant.team_id}-{n}-{secrets.token_hex(6)}"
            self._refresh_tokens[refresh] = grant
            answer |= {"expires_in": 43200, "refresh_token": refresh}
        return answer

    def _oauth_v2_access(self, args: Args) -> dict[str, Any]:
        """Exchange a code (or a refresh token) for a bot token, as Slack does."""
        client_id = str(args.get("client_id") or "")
        if client_id not in self.oauth_apps:
            raise ApiError("invalid_client_id")
        if args.get("client_secret") != self.oauth_apps[client_id]:
            raise ApiError("bad_client_secret")
        grant_type = args.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            grant = self._refresh_tokens.pop(str(args.get("refresh_token") or ""), None)
            if grant is None or grant.client_id != client_id:
                raise ApiError("invalid_refresh_token")
            return {"app_id": self.app_id, **self._new_token(grant)}
        if grant_type != "authorization_code":
            raise ApiError("invalid_grant_type")
        grant = self._codes.pop(str(args.get("code") or ""), None)  # a code works once
        if grant is None or grant.client_id != client_id:
            raise ApiError("invalid_code")
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            raise ApiError("bad_redirect_uri")
        return {
            **self._new_token(grant),
            "scope": grant.scope,
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            # an org-wide install names the org, not a workspace
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise_id, "name": "Org"}
            if grant.enterprise_id
            else None,
            "authed_user": {"id": grant.user_id},
            "is_enterprise_install": grant.org_wide,
        }

    def _team_auth_test(self, args: Args, token: str) -> dict[str, Any]:
        """auth.test for the workspace the token was issued to."""
        answer = self._auth_test(args)
        team = self.token_teams.get(token)
        if team is not None:
            answer |= {"team_id": team, "team": f"Team {team}", "url": f"https://{team}.slack.com/"}
        return answer

    def _call(
        self, method: str, args: Args, token: str | None, parse_problem: str | None, is_json: bool
    ) -> dict[str, Any]:
        """oauth.v2.access is authenticated by the app's credentials, not a token; a revoked
        token is refused; a rotating token (xoxe.xoxb-) is a bot token."""
        if method == "oauth.v2.access":
            if parse_problem:
                raise ApiError("invalid_arguments", parse_problem)
            self._check_args(method, args, is_json)
            return self._oauth_v2_access(args)
        if token and token in self.revoked:
            raise ApiError("token_revoked")
        if token and token.startswith("xoxe.") and token in self.token_teams:
            impl = self._find_method(method)
            if impl is not None and not parse_problem:
                self._check_args(method, args, is_json)
                return impl(args, token)
        return super()._call(method, args, token, parse_problem, is_json)

    # ----------------------------------------------------------------- world state

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Put a message written by `user` into a channel (for shortcuts and reactions)."""
        with self._lock:
            message: dict[str, Any] = {
                "type": "message",
                "text": text,
                "user": user,
                "ts": ts or self._next_ts(),
                "team": self.team_id,
            }
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._store_message(channel, message)
            return copy.deepcopy(message)

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """Add a reaction by `user` to a stored message; raise LookupError if it is unknown."""
        with self._lock:
            message = self._find_message(channel, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel}")
            self._react(message, name.strip(":"), user)

    # ----------------------------------------------------------------- methods

    def register_method(self, name: str, fn: ExtraMethod | None) -> None:
        """Serve Web API method `name` with `fn(args, token)` (None removes it).

        Auth and contract checks run first, as for the built-in methods; `fn` raises
        `ApiError` for an `ok: false` answer.
        """
        with self._lock:
            if fn is None:
                self._extra_methods.pop(name, None)
            else:
                self._extra_methods[name] = fn

    def builtin_method(self, name: str) -> ExtraMethod:
        """The fake's own implementation of `name`, for a test that wraps it (say, to record
        a post and then kill the caller before the answer goes back)."""
        impl = super()._find_method(name)
        if impl is None:
            raise KeyError(f"the fake has no method {name!r}")
        return impl

    # ----------------------------------------------------------------- inspection

    def wait_for_responses(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `count` posts to response_urls were recorded; all of them so far."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                seen = list(self.responses)
            if len(seen) >= count:
                return seen
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} post(s) to a response_url within {timeout}s, got {len(seen)}"
                )
            time.sleep(0.02)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` successful calls of `method` (matching `where`) were answered."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                matching = [
                    c
                    for c in self.calls
                    if c.method == method and c.ok and (where is None or where(c))
                ]
                seen = [
                    f"{c.method} -> {c.status} {c.response.get('error', 'ok')}" for c in self.calls
                ]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                listing = "\n  ".join(seen) or "(no calls)"
                raise AssertionError(
                    f"expected {count} ok call(s) to {method} within {timeout}s, "
                    f"got {len(matching)}; calls seen:\n  {listing}"
                )
            time.sleep(0.01)

    def last_message(self, channel: str) -> dict[str, Any]:
        """Return the newest message in a channel; raise AssertionError when there is none."""
        messages = self.messages_in(channel)
        if not messages:
            raise AssertionError(f"no messages in {channel}")
        return messages[-1]

    def reset(self) -> None:
        """Forget calls, errors, messages, views, responses, faults and delays (not the world)."""
        with self._lock:
            super().reset()
            self._faults.clear()
            self._delays.clear()
            self._lost.clear()
            self._expired_hooks = 0
        self.tiers.reset()

    # ----------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail with `status` (and `error`)."""
        if status == 200 and not error:
            raise ValueError("a status-200 fault needs an error code")
        if status == 429:
            code = error or "ratelimited"
        elif status >= 500:
            code = error or "internal_error"
        else:
            code = error or "request_failed"
        fault = _Fault(status, retry_after if status == 429 else None, code)
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def lose_answer_next(self, method: str, *, status: int = 500, times: int = 1) -> None:
        """Do the next `times` calls of `method`, then answer as if it failed (a lost answer:
        Slack took it, the bot never heard). Only a lookup before resending avoids a double."""
        with self._lock:
            self._lost.setdefault(method, deque()).extend([status] * times)

    def expire_hooks_next(self, times: int = 1) -> None:
        """Answer the next `times` posts to a response_url as Slack does once it expired
        (30 minutes) or was used 5 times: 404 `expired_url`, nothing shown."""
        with self._lock:
            self._expired_hooks += times

    def _serve_hook(self, handler: BaseHTTPRequestHandler, path: str, raw: bytes) -> None:
        """A post to a response_url: refused while an expiry is injected, else recorded."""
        with self._lock:
            expired = self._expired_hooks > 0
            self._expired_hooks -= expired
        if not expired:
            super()._serve_hook(handler, path, raw)
            return
        data = b"expired_url"
        handler.send_response(404)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` by `seconds` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    # ----------------------------------------------------------------- checks

    def _dispatch(
        self,
        method: str,
        args: Args,
        token: str | None,
        parse_problem: str | None,
        is_json: bool,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one API call: delay, rate limit, injected fault, else as the stand-in does."""
        at = time.time()
        with self._lock:
            delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        headers: dict[str, str] = {}
        retry_after = self.tiers.retry_after(token, method, args)
        with self._lock:
            queue = self._faults.get(method)
            fault = queue.popleft() if queue and retry_after is None else None
            if retry_after is not None:
                status, response = 429, {"ok": False, "error": "ratelimited"}
                headers["Retry-After"] = str(retry_after)
            elif fault is not None:
                status, response = fault.status, {"ok": False, "error": fault.error}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
            else:
                status, response = self._answer(method, args, token, parse_problem, is_json)
                lost = self._lost.get(method)
                if lost and status == 200:
                    status, response = lost.popleft(), {"ok": False, "error": "internal_error"}
            self._record(method, args, status, response, at, token)
        return status, response, headers

    def _find_method(self, method: str) -> TokenMethod | None:
        """A method registered by a test wins over the built-in one."""
        if method == "auth.test" and method not in self._extra_methods:
            return self._team_auth_test
        return self._extra_methods.get(method) or super()._find_method(method)

    def _check_args(self, method: str, args: Args, is_json: bool) -> None:
        """Refuse arguments that break the method's contract (when schemas are given)."""
        contract = self.contracts.get(method)
        if contract is not None:
            problems = contract.check(args, has_token=True, is_json=is_json)
            if problems:
                self.errors.extend(problems)
                raise ApiError("invalid_arguments")

    def _message_blocks(self, method: str, args: Args) -> list[dict[str, Any]] | None:
        """Parse the `blocks` of a message and check Block Kit's limits."""
        blocks = super()._message_blocks(method, args)
        if blocks is not None:
            problems = check_blocks(blocks, max_blocks=MAX_MESSAGE_BLOCKS)
            if problems:
                self.errors.extend(f"{method}: {p}" for p in problems)
                raise ApiError("invalid_blocks")
        return blocks

    def _checked_view(self, method: str, args: Args) -> dict[str, Any]:
        """Parse the `view` of a views.* call and check Block Kit's limits."""
        view = super()._checked_view(method, args)
        problems = check_view(view)
        if problems:
            self.errors.extend(f"{method}: {p}" for p in problems)
            raise ApiError("invalid_blocks")
        return view
