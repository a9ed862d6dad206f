"""People and channels as Slack knows them: language, timezone, channel members; cached."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.clock import zone_or_utc
from bot.i18n import Messages, messages, normalise_locale
from bot.runtime.pacing import Pacer, is_patient

log = logging.getLogger(__name__)

USERS_CACHED = 20_000  # people remembered per process (about 2 KB each)
CHANNELS_CACHED = 5_000  # channel languages remembered per process
CHANNEL_LOCALE_TTL = 3600.0  # a channel's language changes rarely
MEMBER_CHECK_LIMIT = 200  # beyond this, only the bot itself is left out of a round


class People:
    """Who a person is to Slack (language, timezone) and who is in a channel, cached."""

    def __init__(
        self,
        workspace_default: Any,
        fallback: str = "en",
        ttl: float = 900.0,
        pacer: Pacer | None = None,
    ) -> None:
        self._workspace_default = workspace_default  # callable(team_id) -> str | None
        self._pacer = pacer  # the client's: a listener asks users.info only within budget
        self._fallback = fallback
        self._ttl = ttl
        self._lock = threading.Lock()
        self._users: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._teams: dict[str, tuple[float, str]] = {}
        self._bots: dict[str, str] = {}
        self.channels = ChannelMembers()
        self.reach = ChannelReach()
        # A channel's own language (conversations.info with include_locale), cached long:
        # sweeps post many messages to the same channels.
        self._channel_locales: OrderedDict[tuple[str, str], tuple[float, str | None]] = (
            OrderedDict()
        )

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
        if self._beyond_budget(client):
            # A burst of new people (a thousand answering one round): beyond the tier a
            # listener does not wait or meet 429s; the workspace's language answers.
            log.info("users.info for %s skipped: beyond its tier for now", user_id)
            return None
        try:
            info = client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, KeyError, OSError):
            log.info("no users.info for %s", user_id)
            return None
        with self._lock:
            self._users[key] = (now + self._ttl, info)
            self._users.move_to_end(key)
            while len(self._users) > USERS_CACHED:
                self._users.popitem(last=False)  # the least recently fetched goes first
        return info

    def _beyond_budget(self, client: WebClient) -> bool:
        """A listener (not a patient sweep) would have to wait for a users.info turn; when
        not, the turn is taken for it at once (concurrent listeners cannot share one)."""
        return (
            self._pacer is not None
            and not is_patient()
            and not self._pacer.take_if_ready(client.token or "", "users.info")
        )

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

    def offline_messages(self, team_id: str, user_id: str | None) -> Messages:
        """The person's language from what is cached, asking neither Slack nor the database
        (for telling someone the database is in trouble)."""
        with self._lock:
            hit = self._teams.get(team_id)
        default = hit[1] if hit else self._fallback
        info = self.cached(team_id, user_id) if user_id else None
        return messages(normalise_locale((info or {}).get("locale"), default))

    def cached_zone(self, team_id: str, user_id: str) -> ZoneInfo | None:
        """The person's timezone when known without a Slack call."""
        info = self.cached(team_id, user_id)
        return zone_or_utc(info.get("tz")) if info else None

    def cached_today(self, team_id: str, user_id: str | None, now: datetime) -> date:
        """Today where the person is, known without a Slack call (the form they submit was
        opened moments ago, so it is cached); unknown: the earliest date anywhere now, so
        no date that is in the future for them is refused."""
        zone = self.cached_zone(team_id, user_id) if user_id else None
        return now.astimezone(zone).date() if zone else (now - timedelta(hours=12)).date()

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

    def channel_locale(self, client: WebClient, team_id: str, channel_id: str) -> str | None:
        """The language Slack gives for a channel (conversations.info include_locale), cached
        for CHANNEL_LOCALE_TTL; None when it has none, or is no channel (a DM)."""
        if not channel_id.startswith(("C", "G")):
            return None
        key, now = (team_id, channel_id), time.monotonic()
        with self._lock:
            hit = self._channel_locales.get(key)
        if hit and hit[0] > now:
            return hit[1]
        ttl = CHANNEL_LOCALE_TTL
        try:
            found = client.conversations_info(channel=channel_id, include_locale=True)["channel"]
            locale = found.get("locale") or None
        except (SlackApiError, KeyError, OSError):
            log.info("no locale for %s", channel_id)
            locale, ttl = None, 300.0  # asked again in a while, not at every post
        with self._lock:
            self._channel_locales[key] = (now + ttl, locale)
            self._channel_locales.move_to_end(key)
            while len(self._channel_locales) > CHANNELS_CACHED:
                self._channel_locales.popitem(last=False)
        return locale

    def channel_messages(self, client: WebClient, team_id: str, channel_id: str) -> Messages:
        """Messages for a post in a channel: its own language when Slack gives one, else the
        workspace's."""
        default = self.for_workspace(team_id)
        return messages(normalise_locale(self.channel_locale(client, team_id, channel_id), default))


class ChannelMembers:
    """Who is in a channel (conversations.members, paged), cached with a bound on size and age.

    `of` answers from a fresh entry (under `ttl`), else asks Slack. `known` (for ack paths)
    answers without waiting: a fresh entry, or one up to `max_age` old while a refresh runs
    in the background; None when nothing is known yet.
    """

    def __init__(self, ttl: float = 60.0, max_age: float = 3600.0, size: int = 5000) -> None:
        self._ttl = ttl
        self._max_age = max_age
        self._size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[float, frozenset[str]]] = OrderedDict()
        self._refreshing: set[tuple[str, str]] = set()

    def _get(self, key: tuple[str, str]) -> tuple[float, frozenset[str]] | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _put(self, key: tuple[str, str], members: frozenset[str]) -> None:
        with self._lock:
            self._cache[key] = (time.monotonic(), members)
            self._cache.move_to_end(key)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def of(self, client: WebClient, team_id: str, channel_id: str) -> frozenset[str]:
        """The channel's members; empty when Slack will not say (the bot is not in it)."""
        key = (team_id, channel_id)
        hit = self._get(key)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        return self._fetch(client, key)

    def known(self, client: WebClient, team_id: str, channel_id: str) -> frozenset[str] | None:
        """The members as far as known without waiting for Slack (see the class)."""
        key = (team_id, channel_id)
        hit = self._get(key)
        if hit is None:
            return None
        age = time.monotonic() - hit[0]
        if age >= self._ttl:
            self._refresh_soon(client, key)
        return hit[1] if age < self._max_age else None

    def _refresh_soon(self, client: WebClient, key: tuple[str, str]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def refresh() -> None:
            try:
                self._fetch(client, key)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=refresh, name="s3bot-members", daemon=True).start()

    def _fetch(self, client: WebClient, key: tuple[str, str]) -> frozenset[str]:
        members: list[str] = []
        cursor = None
        try:
            while True:
                page = client.conversations_members(channel=key[1], limit=200, cursor=cursor)
                members += page.get("members", [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as exc:
            log.info("members of %s unknown: %s", key[1], exc.response.get("error"))
            return frozenset()
        result = frozenset(members)
        self._put(key, result)
        return result

    def includes(self, client: WebClient, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether the person is a member of the channel."""
        return user_id in self.of(client, team_id, channel_id)

    def includes_now(self, client: WebClient, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether the person is a member, from what is known (asking Slack only when that
        does not show them, say they just joined): for checks that stand before a commit."""
        known = self.known(client, team_id, channel_id)
        if known is not None and user_id in known:
            return True
        return user_id in self.of(client, team_id, channel_id)


@dataclass(frozen=True)
class Reach:
    """Whether the bot can post in a conversation, and what kind of conversation it is."""

    postable: bool
    public: bool = False  # a public channel: the bot may join it by itself
    direct: bool = False  # a DM or group DM: no circle lives there


class ChannelReach:
    """Whether the bot is in a channel it is asked to post in (conversations.info), cached.

    A channel Slack will not describe to the bot (a private channel it is not in, someone
    else's DM) cannot be posted in; a Slack outage does not stop anyone (it says postable).
    """

    def __init__(self, ttl: float = 60.0, size: int = 5000) -> None:
        self._ttl = ttl
        self._size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[float, Reach]] = OrderedDict()

    def of(self, client: WebClient, team_id: str, channel_id: str, *, fresh: bool = False) -> Reach:
        """Where the bot stands in the channel (`fresh`: asked again, as at a form's submit)."""
        key = (team_id, channel_id)
        with self._lock:
            hit = self._cache.get(key)
        if hit and not fresh and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        try:
            info = client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            log.info("%s not reachable: %s", channel_id, exc.response.get("error"))
            found = Reach(postable=False, direct=channel_id.startswith("D"))
        except (KeyError, OSError):
            return Reach(postable=True)  # not known now; the post itself will tell
        else:
            direct = bool(info.get("is_im") or info.get("is_mpim"))
            found = Reach(
                postable=not direct and bool(info.get("is_member")),
                public=not direct and not info.get("is_private"),
                direct=direct,
            )
        with self._lock:
            self._cache[key] = (time.monotonic(), found)
            self._cache.move_to_end(key)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return found

    def join(self, client: WebClient, team_id: str, channel_id: str) -> bool:
        """Join a public channel (conversations.join); False when Slack refuses."""
        try:
            client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel_id, exc.response.get("error"))
            return False
        with self._lock:
            self._cache[(team_id, channel_id)] = (time.monotonic(), Reach(True, public=True))
        return True
