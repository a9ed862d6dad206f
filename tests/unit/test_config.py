"""Configuration: every setting from the environment; bad ones are named, with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import SettingError, load_settings


def test_defaults_use_sqlite_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "SLACK_API_URL", "LOG_LEVEL"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.database_url == f"sqlite:///{tmp_path / 's3bot.db'}"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.log_level == "INFO"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=from-dotenv\nLOG_LEVEL=debug\n")
    s = load_settings()
    assert s.slack_signing_secret is not None
    assert s.slack_signing_secret.get_secret_value() == "from-dotenv"
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN is invalid"),
        ("SLACK_APP_TOKEN", "nope", "SLACK_APP_TOKEN is invalid"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL is invalid"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL is invalid"),
        ("SLACK_API_URL", "ftp://x", "SLACK_API_URL is invalid"),
    ],
)
def test_invalid_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingError, match=expected):
        load_settings()


def test_secrets_are_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    assert "very-secret" not in repr(load_settings())


def _run(args: list[str], env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_ends_serve_with_one_line_and_status_2(tmp_path) -> None:
    result = _run(["serve", "--port", "0"], {}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "s3bot: SLACK_BOT_TOKEN is not set: the app's Bot User OAuth Token (xoxb-...), "
        "from OAuth & Permissions; or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to let any "
        "workspace install the app"
    ]
    assert "Traceback" not in result.stderr


def test_invalid_setting_ends_any_command_with_status_2(tmp_path) -> None:
    result = _run(["migrate"], {"DATABASE_URL": "oracle://db"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "s3bot: DATABASE_URL is invalid: must be an sqlite:/// or postgresql:// URL"
    )


def test_socket_needs_the_app_token(tmp_path) -> None:
    result = _run(["socket"], {"SLACK_BOT_TOKEN": "xoxb-1"}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr


@pytest.mark.parametrize("command", ["serve", "socket", "migrate", "tick", "demo", "language"])
def test_every_subcommand_has_help(command: str, tmp_path) -> None:
    result = _run([command, "--help"], {}, tmp_path)
    assert result.returncode == 0
    assert "usage: s3bot " + command in result.stdout


def test_migrate_creates_the_schema(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = _run(["migrate"], {"DATABASE_URL": url}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied ")
    again = _run(["migrate"], {"DATABASE_URL": url}, tmp_path)
    assert again.stdout.strip() == "database is up to date"


def test_response_urls_go_to_slacks_hooks_and_a_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SLACK_API_URL", "SLACK_RESPONSE_URL_PREFIXES"):
        monkeypatch.delenv(var, raising=False)
    assert load_settings().response_url_prefixes == ("https://hooks.slack.com/",)
    stand_in = load_settings(slack_api_url="http://127.0.0.1:8123/api/")
    assert stand_in.response_url_prefixes == (
        "https://hooks.slack.com/",
        "http://127.0.0.1:8123/hooks/",
    )
    monkeypatch.setenv("SLACK_RESPONSE_URL_PREFIXES", '["https://hooks.example.test"]')
    assert load_settings().response_url_prefixes == ("https://hooks.example.test/",)
    monkeypatch.setenv("SLACK_RESPONSE_URL_PREFIXES", '["ftp://x/"]')
    with pytest.raises(SettingError, match="SLACK_RESPONSE_URL_PREFIXES is invalid"):
        load_settings()


def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for var in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SCOPES"):
        monkeypatch.delenv(var, raising=False)


def test_one_token_is_one_workspace_and_client_credentials_are_any(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    _clean_env(monkeypatch, tmp_path)
    assert load_settings(slack_bot_token="xoxb-1").multi_workspace is False
    s = load_settings(slack_client_id="1.2", slack_client_secret="shh")
    assert s.multi_workspace is True
    assert "shh" not in repr(s)


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ({"slack_bot_token": "xoxb-1", "slack_client_id": "1.2", "slack_client_secret": "s"},
         ["SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "are both set"]),
        ({}, ["SLACK_BOT_TOKEN is not set", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"]),
        ({"slack_client_id": "1.2"}, ["SLACK_CLIENT_SECRET is not set"]),
        ({"slack_client_secret": "s"}, ["SLACK_CLIENT_ID is not set"]),
    ],
)  # fmt: skip
def test_both_ways_or_neither_is_one_line_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path, given: dict, names: list[str]
) -> None:
    _clean_env(monkeypatch, tmp_path)
    with pytest.raises(SettingError) as err:
        _ = load_settings(**given).multi_workspace
    message = str(err.value)
    assert "\n" not in message
    assert all(n in message for n in names), message


def test_scopes_and_the_redirect_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    _clean_env(monkeypatch, tmp_path)
    monkeypatch.setenv("SLACK_SCOPES", "commands, chat:write")
    monkeypatch.setenv("SLACK_INSTALL_REDIRECT_URL", "https://bot.example.org/slack/oauth_redirect")
    s = load_settings()
    assert s.slack_scopes == ["commands", "chat:write"]
    assert s.slack_install_redirect_url == "https://bot.example.org/slack/oauth_redirect"
    monkeypatch.setenv("SLACK_SCOPES", " , ")
    with pytest.raises(SettingError, match="SLACK_SCOPES is invalid"):
        load_settings()
    monkeypatch.setenv("SLACK_SCOPES", "commands")
    monkeypatch.setenv("SLACK_INSTALL_REDIRECT_URL", "bot.example.org")
    with pytest.raises(SettingError, match="SLACK_INSTALL_REDIRECT_URL is invalid"):
        load_settings()


def test_serve_with_both_ways_set_ends_with_one_line_and_status_2(tmp_path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
    result = _run(["serve", "--port", "0"], env, tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("s3bot: SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET")
