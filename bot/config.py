"""Configuration: one pydantic-settings class, from the environment and an optional .env."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LOCALES = ("en", "nl")

# The bot scopes manifest.yml declares (a test keeps the two the same): what an install asks for.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "reactions:read",
    "channels:read",
    "channels:join",
    "groups:read",
    "im:write",
    "channels:history",
    "groups:history",
    "im:history",
    "usergroups:read",  # a user group per role (an admin's choice): finding the bot's own
    "usergroups:write",  # ... and keeping its holder in it
    "canvases:write",  # the channel's logbook as its canvas (`/agreements canvas`)
    "canvases:read",  # ... found again (its heading) after a try whose answer was lost
)


class SettingError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Multi-workspace mode (OAuth install, any workspace): the app's credentials instead of
    # one SLACK_BOT_TOKEN; tokens then live in the bot's database, one per workspace.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: Annotated[list[str], NoDecode] = list(BOT_SCOPES)
    slack_install_redirect_url: str | None = None
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 's3bot.db'}")
    slack_api_url: str = "https://slack.com/api/"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    default_locale: Literal["en", "nl"] = "en"
    sweep_interval_seconds: int = Field(default=60, ge=1, le=3600)
    # How long a workspace's governance data is kept after it uninstalled the app, so that
    # installing again finds its backlog and agreements; then a sweep deletes it (0: at the
    # next sweep). `s3bot purge` deletes it at once.
    data_retention_days: int = Field(default=30, ge=0, le=3650)
    # Pace Slack calls within the method tiers (bot.runtime.pacing); the demo's stand-in
    # Slack has no limits, so `s3bot demo` turns it off to play its story at once.
    slack_pacing: bool = True
    # How many processes call Slack with the bot's token (replicas; `s3bot serve --workers`
    # multiplies it by its workers): each paces itself at 1/N of Slack's limits.
    slack_rate_share: int = Field(default=1, ge=1, le=64)
    # How long a request's statement may wait for the database (a lock, a connection) before
    # the person is told "could not save, try again": the ack is due within 3 s.
    db_wait_seconds: float = Field(default=2.0, gt=0, le=30)
    # Where a response_url may point (bot.runtime.replies.reply posts only there): Slack's
    # hooks. When SLACK_API_URL is a stand-in (the demo's, the tests' fake), its /hooks/ too.
    slack_response_url_prefixes: list[str] = ["https://hooks.slack.com/"]

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_locale", mode="before")
    @classmethod
    def _lang(cls, value: object) -> object:
        return value.lower()[:2] if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be an sqlite:/// or postgresql:// URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_response_url_prefixes")
    @classmethod
    def _hook_prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            parts = urlsplit(prefix)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.username:
                raise ValueError("each must be an http(s) URL")
        return [p if p.endswith("/") else p + "/" for p in value]

    @property
    def response_url_prefixes(self) -> tuple[str, ...]:
        """The URL prefixes a response_url must start with to be posted to."""
        prefixes = list(self.slack_response_url_prefixes)
        api = urlsplit(self.slack_api_url)
        if api.netloc != "slack.com":
            prefixes.append(f"{api.scheme}://{api.netloc}/hooks/")
        return tuple(prefixes)

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple) and not [v for v in value if v]:
            raise ValueError("must name at least one scope (comma-separated)")
        return [v for v in value if v] if isinstance(value, list | tuple) else value

    @field_validator("slack_install_redirect_url")
    @classmethod
    def _redirect_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @property
    def multi_workspace(self) -> bool:
        """Whether any workspace can install the bot (OAuth), rather than the one token's.

        Raises SettingError (one line naming the variables) unless exactly one of the two
        ways is configured: SLACK_BOT_TOKEN, or SLACK_CLIENT_ID with SLACK_CLIENT_SECRET.
        """
        token = _given(self.slack_bot_token)
        oauth = (_given(self.slack_client_id), _given(self.slack_client_secret))
        if token and any(oauth):
            raise SettingError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: set "
                "SLACK_BOT_TOKEN for one workspace, or the client id and secret for any workspace"
            )
        if any(oauth) and not all(oauth):
            missing = "SLACK_CLIENT_SECRET" if oauth[0] else "SLACK_CLIENT_ID"
            raise SettingError(f"{missing} is not set: {_HINTS[missing.lower()]}")
        if not token and not any(oauth):
            raise SettingError(
                f"SLACK_BOT_TOKEN is not set: {_HINTS['slack_bot_token']}; or set "
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to let any workspace install the app"
            )
        return not token

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    def require(self, *names: str) -> None:
        """Raise SettingError naming the first of `names` that is not set."""
        for name in names:
            value = getattr(self, name)
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise SettingError(f"{name.upper()} is not set: {_HINTS.get(name, 'required')}")


def _given(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value)


_HINTS = {
    "slack_bot_token": "the app's Bot User OAuth Token (xoxb-...), from OAuth & Permissions",
    "slack_signing_secret": "the app's Signing Secret, from Basic Information",
    "slack_app_token": "an app-level token (xapp-...) with connections:write, for Socket Mode",
    "slack_client_id": "the app's Client ID, from Basic Information (multi-workspace install)",
    "slack_client_secret": "the app's Client Secret, from Basic Information (multi-workspace)",
}


def load_settings(**overrides: object) -> Settings:
    """Load settings, turning validation errors into one SettingError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "setting"
        msg = err["msg"].removeprefix("Value error, ")
        raise SettingError(f"{name} is invalid: {msg}") from None
