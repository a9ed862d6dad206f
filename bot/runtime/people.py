"""People and channels as Slack knows them: language, timezone, channel members; cached."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.clock import zone_or_utc
from bot.i18n import Messages, messages, normalise_locale

log = logging.getLogger(__name__)

MEMBER_CHECK_LIMIT = 200  # beyond this, only the bot itself is left out of a round


class People:
    """Who a person is to Slack (language, timezone) and who is in a channel, cached."""

    def __init__(self, workspace_default: Any, fallback: str = "en", ttl: float = 900.0) -> None:
        self._workspace_default = workspace_default  # callable(team_id) -> str | None
        self._fallback = fallback
        self._ttl = ttl
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._teams: dict[str, tuple[float, str]] = {}
        self._bots: dict[str, str] = {}
        self.channels = ChannelMembers()

    def for_workspace(self, team_id: str) -> str:
        """The workspace's default language (cached for a minute)."""
        now = time.monotonic()
        with self._lock:
            hit = self._teams.get(team_id)
        if hit and hit[0] > now:
            return hit[1]
        try:
            chosen = self._workspace_default(team_id)
        except Exception:  # noqa: BLE001 - a language lookup never blocks a reply
            log.warning("workspace language lookup failed", exc_info=True)
            chosen = None
        lang = normalise_locale(chosen, self._fallback)
        with self._lock:
            self._teams[team_id] = (now + 60.0, lang)
        return lang

    def forget_workspace(self, team_id: str) -> None:
        """Drop the cached default after it was changed."""
        with self._lock:
            self._teams.pop(team_id, None)

    def user_info(self, client: WebClient, team_id: str, user_id: str) -> dict[str, Any] | None:
        """The person's users.info record with locale (cached); None when Slack cannot say."""
        now = time.monotonic()
        key = (team_id, user_id)
        with self._lock:
            hit = self._users.get(key)
        if hit and hit[0] > now:
            return hit[1]
        try:
            info = client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, KeyError, OSError):
            log.info("no users.info for %s", user_id)
            return None
        with self._lock:
            self._users[key] = (now + self._ttl, info)
        return info

    def for_user(self, client: WebClient, team_id: str, user_id: str) -> str:
        """The person's Slack language (users.info with include_locale), else the workspace's."""
        default = self.for_workspace(team_id)
        info = self.user_info(client, team_id, user_id)
        return normalise_locale(info.get("locale"), default) if info else default

    def timezone(self, client: WebClient, team_id: str, user_id: str) -> str:
        """The person's IANA timezone from Slack, UTC when unknown."""
        info = self.user_info(client, team_id, user_id)
        return (info or {}).get("tz") or "UTC"

    def zone(self, client: WebClient, team_id: str, user_id: str) -> ZoneInfo:
        """The person's timezone, else UTC: the one place a reader's zone is found."""
        return zone_or_utc(self.timezone(client, team_id, user_id))

    def cached(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        """The person's users.info record if it is cached, without asking Slack (ack paths)."""
        with self._lock:
            hit = self._users.get((team_id, user_id))
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def cached_messages(self, team_id: str, user_id: str | None) -> Messages:
        """The person's language when known without a Slack call, else the workspace's."""
        default = self.for_workspace(team_id)
        info = self.cached(team_id, user_id) if user_id else None
        return messages(normalise_locale((info or {}).get("locale"), default))

    def cached_zone(self, team_id: str, user_id: str) -> ZoneInfo | None:
        """The person's timezone when known without a Slack call."""
        info = self.cached(team_id, user_id)
        return zone_or_utc(info.get("tz")) if info else None

    def bot_user_id(self, client: WebClient, team_id: str) -> str | None:
        """The bot's own user id in this workspace (auth.test, once)."""
        with self._lock:
            known = self._bots.get(team_id)
        if known:
            return known
        try:
            found = client.auth_test().get("user_id")
        except (SlackApiError, OSError):
            return None
        with self._lock:
            self._bots[team_id] = found
        return found

    def round_participants(self, client: WebClient, team_id: str, channel_id: str) -> list[str]:
        """Who in a channel answers a round: its people, without bots and deactivated accounts.

        Beyond MEMBER_CHECK_LIMIT members only the bot itself is left out (users.info is rate
        limited); a channel Slack will not list raises, so the round's message is retried.
        """
        members: list[str] = []
        cursor = None
        while True:
            page = client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
            members += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        bot_user = self.bot_user_id(client, team_id)
        people = [u for u in members if u != bot_user]
        if len(people) > MEMBER_CHECK_LIMIT:
            return people
        infos = {user: self.user_info(client, team_id, user) or {} for user in people}
        return [u for u in people if not infos[u].get("is_bot") and not infos[u].get("deleted")]

    def is_member(self, client: WebClient, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether the person is a member of the channel (cached conversations.members)."""
        return self.channels.includes(client, team_id, channel_id, user_id)

    def user_messages(self, client: WebClient, team_id: str, user_id: str) -> Messages:
        """Messages in the person's language."""
        return messages(self.for_user(client, team_id, user_id))

    def workspace_messages(self, team_id: str) -> Messages:
        """Messages in the workspace's language, for public posts."""
        return messages(self.for_workspace(team_id))


class ChannelMembers:
    """Who is in a channel (conversations.members, paged), cached briefly."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    def of(self, client: WebClient, team_id: str, channel_id: str) -> frozenset[str]:
        """The channel's members; empty when Slack will not say (the bot is not in it)."""
        now = time.monotonic()
        key = (team_id, channel_id)
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        members: list[str] = []
        cursor = None
        try:
            while True:
                page = client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
                members += page.get("members", [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as exc:
            log.info("members of %s unknown: %s", channel_id, exc.response.get("error"))
            return frozenset()
        result = frozenset(members)
        with self._lock:
            self._cache[key] = (now + self._ttl, result)
        return result

    def includes(self, client: WebClient, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether the person is a member of the channel."""
        return user_id in self.of(client, team_id, channel_id)
