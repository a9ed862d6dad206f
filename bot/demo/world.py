"""Users and conversations of the fake Slack workspace, rendered like the Web API does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Slack labels time zones with long names; these are the common abbreviations.
_TZ_LABELS = {
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
}


def _zone_now(tz: str) -> tuple[int, str]:
    """Return the current UTC offset in seconds and the abbreviation of a time zone."""
    try:
        now = datetime.now(UTC).astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return 0, "UTC"
    offset = now.utcoffset()
    return int(offset.total_seconds()) if offset else 0, now.tzname() or "UTC"


@dataclass
class FakeUser:
    """A workspace member as the fake knows it."""

    id: str
    name: str
    team_id: str
    real_name: str = ""
    locale: str = "en-US"
    tz: str = "Europe/Amsterdam"
    tz_offset: int | None = None
    deleted: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    is_admin: bool = False
    updated: int = field(default_factory=lambda: int(time.time()))

    def to_api(self, *, include_locale: bool = False) -> dict[str, Any]:
        """Render the user the way `users.info` returns it."""
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": self.team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        obj: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "profile": profile,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": self.updated,
        }
        if not self.deleted:
            # Slack omits these for deactivated accounts; code must cope with that.
            offset, abbrev = _zone_now(self.tz)
            obj.update(
                {
                    "color": "9f69e7",
                    "tz": self.tz,
                    "tz_label": _TZ_LABELS.get(abbrev, abbrev),
                    "tz_offset": offset if self.tz_offset is None else self.tz_offset,
                    "is_admin": self.is_admin,
                    "is_owner": False,
                    "is_primary_owner": False,
                    "is_restricted": False,
                    "is_ultra_restricted": False,
                }
            )
        if include_locale:
            obj["locale"] = self.locale
        return obj


@dataclass
class FakeChannel:
    """A conversation: public or private channel, DM (`is_im`) or group DM (`is_mpim`)."""

    id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_member: bool = True
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    is_archived: bool = False
    locale: str | None = None  # set for a channel whose language differs (Slack gives it then)

    def to_api(self, *, include_num_members: bool = False, locale: str | None = None) -> dict:
        """Render the conversation the way `conversations.info` returns it."""
        if self.is_im:
            obj: dict[str, Any] = {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        else:
            obj = {
                "id": self.id,
                "name": self.name,
                "name_normalized": self.name,
                "is_channel": not self.is_private and not self.is_mpim,
                "is_group": self.is_private and not self.is_mpim,
                "is_im": False,
                "is_mpim": self.is_mpim,
                "is_private": self.is_private,
                "created": self.created,
                "is_archived": self.is_archived,
                "is_general": self.name == "general",
                "is_shared": False,
                "is_ext_shared": False,
                "is_org_shared": False,
                "is_member": self.is_member,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
            if include_num_members:
                obj["num_members"] = len(self.members)
        if locale is not None:
            obj["locale"] = locale
        return obj
