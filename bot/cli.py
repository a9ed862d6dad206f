"""The `s3bot` command: serve | socket | migrate | tick | demo | language."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr
from sqlalchemy.exc import OperationalError

from bot.config import SUPPORTED_LOCALES, SettingError, Settings, load_settings

log = logging.getLogger("bot")


def _setup_logging(settings: Settings, quiet: bool = False) -> None:
    logging.basicConfig(
        level="ERROR" if quiet else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _migrate(settings: Settings) -> list[str]:
    from bot.store.db import make_engine
    from bot.store.migrate import pending, upgrade

    engine = make_engine(settings.database_url)
    try:
        todo = pending(engine)
        if todo:
            upgrade(engine)
        return todo
    finally:
        engine.dispose()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending Alembic migrations."""
    applied = _migrate(settings)
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve Slack's HTTP requests behind gunicorn."""
    _ = settings.multi_workspace  # exactly one of SLACK_BOT_TOKEN, SLACK_CLIENT_ID/SECRET
    settings.require("slack_signing_secret")
    _migrate(settings)
    from bot.runtime.server import run_gunicorn

    run_gunicorn(
        settings,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        scheduler=not args.no_scheduler,
    )
    return 0


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    """Connect to Slack over Socket Mode (no public URL needed)."""
    _ = settings.multi_workspace
    settings.require("slack_app_token")
    if settings.slack_signing_secret is None:
        # Socket Mode requests are not signed; Bolt still wants a value.
        settings = settings.model_copy(update={"slack_signing_secret": SecretStr("socket-mode")})
    _migrate(settings)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from bot.deps import build_deps
    from bot.scheduler import start_scheduler

    deps = build_deps(settings)
    app = build_app(deps)
    scheduler = start_scheduler(deps) if not args.no_scheduler else None
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        handler.start()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
    return 0


def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    """Run every scheduled sweep once and exit."""
    _ = settings.multi_workspace
    _migrate(settings)
    from bot.deps import build_deps
    from bot.scheduler import run_all_once

    deps = build_deps(settings)
    results = run_all_once(deps)
    for name, count in results.items():
        print(f"{name}: {'failed' if count < 0 else count}")
    return 1 if any(c < 0 for c in results.values()) else 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run a scripted session against the built-in Slack fake and print the transcript."""
    from bot.demo import run_demo

    return run_demo(out=sys.stdout, lang=args.lang)


def cmd_language(args: argparse.Namespace, settings: Settings) -> int:
    """Set a workspace's default language."""
    _migrate(settings)
    from bot.domain.clock import utcnow
    from bot.services.workspace import set_workspace_locale
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    set_workspace_locale(
        make_session_factory(engine), team_id=args.team, locale=args.language, now=utcnow()
    )
    print(f"{args.team}: default language is now {args.language}")
    return 0


def cmd_reviews(args: argparse.Namespace, settings: Settings) -> int:
    """Set when a workspace's review reminders go out."""
    _migrate(settings)
    from bot.domain.clock import utcnow
    from bot.domain.review import OffsetOutOfRange
    from bot.services.agreements import set_offsets
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        set_offsets(
            make_session_factory(engine),
            team_id=args.team,
            before_days=args.before,
            overdue_days=args.overdue_every,
            now=utcnow(),
        )
    except OffsetOutOfRange:
        print("s3bot: --before is 0 to 60 days, --overdue-every 1 to 60 days", file=sys.stderr)
        return 2
    print(
        f"{args.team}: reminders {args.before} days before the review date and on the day, "
        f"then every {args.overdue_every} days while overdue"
    )
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Delete everything stored for one workspace at once: backlog, rounds, agreements, meetings,
    pending messages and its Slack installation. Asks for the team id again unless --yes.
    Export first (`s3bot export`) if the logbook should be kept."""
    _migrate(settings)
    from bot.services.workspace import purge_team, team_records
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        found = team_records(sessions, team_id=args.team)
        if not found:
            print(f"s3bot: nothing is stored for workspace {args.team}", file=sys.stderr)
            return 1
        summary = ", ".join(f"{n} {table}" for table, n in sorted(found.items()))
        print(f"{args.team}: {sum(found.values())} rows ({summary})")
        if not args.yes:
            answer = input(f"Type {args.team} to delete them for good: ").strip()
            if answer != args.team:
                print("s3bot: not deleted", file=sys.stderr)
                return 1
        deleted = purge_team(sessions, team_id=args.team)
    finally:
        engine.dispose()
    print(f"{args.team}: deleted {sum(deleted.values())} rows")
    return 0


# --- export (the logbook out of Slack) ---------------------------------------------------------
def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write a workspace's logbook: Markdown (domain descriptions, roles, circles and
    delegates, agreements with their history and the open backlog), a CSV of agreements or of
    roles, or an iCalendar feed of upcoming review dates and term ends. Needs only
    DATABASE_URL; no Slack token, no Slack API call."""
    _migrate(settings)
    from bot.domain.clock import utcnow
    from bot.export import ExportError, export
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        text = export(
            make_session_factory(engine),
            team_id=args.team,
            channel_id=args.channel,
            fmt=args.format,
            now=utcnow(),
            raw=args.raw,
        )
    except ExportError as exc:
        print(f"s3bot: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    data = text.encode("utf-8")  # CRLF in CSV and iCalendar is kept as written
    if args.output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            with open(args.output, "wb") as out:
                out.write(data)
        except OSError as exc:
            print(f"s3bot: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    return 0


# --- end export -----------------------------------------------------------------------------


# The `add_subparsers()` action: argparse has no public name for its type.
Subparsers = Any


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="s3bot",
        description="The Slack bot Sociocracy 3.0 teams run their governance from.",
        epilog="Configuration comes from environment variables or a .env file; see README.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serving(sub)
    _add_operations(sub)
    _add_workspace_settings(sub)
    _add_purge(sub)
    _add_export(sub)
    return parser


def _add_serving(sub: Subparsers) -> None:
    """`serve` (HTTP) and `socket` (Socket Mode)."""
    p = sub.add_parser(
        "serve",
        help="serve Slack over HTTP (POST /slack/events, GET /healthz)",
        description=cmd_serve.__doc__,
    )
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")  # noqa: S104
    p.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    p.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1)")
    p.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
    p.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run sweeps in this process (run `s3bot tick` from cron instead)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "socket",
        help="connect over Socket Mode (needs SLACK_APP_TOKEN)",
        description=cmd_socket.__doc__,
    )
    p.add_argument("--no-scheduler", action="store_true", help="do not run sweeps in this process")
    p.set_defaults(func=cmd_socket)


def _add_operations(sub: Subparsers) -> None:
    """`migrate`, `tick` and `demo`."""
    p = sub.add_parser("migrate", help="apply database migrations", description=cmd_migrate.__doc__)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "tick", help="run every scheduled sweep once and exit", description=cmd_tick.__doc__
    )
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser(
        "demo", help="try the bot without a Slack account", description=cmd_demo.__doc__
    )
    p.add_argument(
        "--lang", choices=SUPPORTED_LOCALES, default="en", help="language of the demo team"
    )
    p.set_defaults(func=cmd_demo)


def _add_purge(sub: Subparsers) -> None:
    """`purge`: delete one workspace's records."""
    p = sub.add_parser(
        "purge", help="delete everything stored for a workspace", description=cmd_purge.__doc__
    )
    p.add_argument("--team", required=True, help="the workspace's team id (T...)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_purge)


def _add_workspace_settings(sub: Subparsers) -> None:
    """`language` and `reviews`: one workspace's settings."""
    p = sub.add_parser(
        "language", help="set a workspace's default language", description=cmd_language.__doc__
    )
    p.add_argument("--team", required=True, help="the workspace's team id (T...)")
    p.add_argument("language", choices=SUPPORTED_LOCALES)
    p.set_defaults(func=cmd_language)

    p = sub.add_parser(
        "reviews",
        help="set when review reminders go out for a workspace",
        description=cmd_reviews.__doc__,
    )
    p.add_argument("--team", required=True, help="the workspace's team id (T...)")
    p.add_argument(
        "--before", type=int, default=7, help="days before the review date (default 7; 0: none)"
    )
    p.add_argument(
        "--overdue-every",
        type=int,
        default=7,
        help="days between reminders while overdue (default 7)",
    )
    p.set_defaults(func=cmd_reviews)


# --- export ---
def _add_export(sub: Subparsers) -> None:
    """`export`: the logbook out of Slack."""
    p = sub.add_parser(
        "export",
        help="write a workspace's logbook as Markdown, CSV or iCalendar",
        description=cmd_export.__doc__,
    )
    p.add_argument("--team", required=True, help="the workspace's team id (T...)")
    p.add_argument("--channel", help="only this channel (C...); default: every channel")
    p.add_argument(
        "--format",
        required=True,
        choices=("md", "csv", "roles-csv", "ics"),
        help=(
            "md: the logbook (domains, roles, a diagram of circles and delegates, agreements, "
            "backlog); csv: one row per agreement; roles-csv: one row per role; ics: upcoming "
            "review dates and term ends"
        ),
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE instead of standard output"
    )
    p.add_argument(
        "--raw",
        action="store_true",
        help="CSV: keep cells exactly as stored (by default a cell starting with = + - @, "
        "tab or CR gets a leading ' so a spreadsheet does not run it as a formula)",
    )
    p.set_defaults(func=cmd_export)


# --- end export ---


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        _setup_logging(settings, quiet=args.command == "demo")
        return int(args.func(args, settings) or 0)
    except SettingError as exc:
        print(f"s3bot: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"s3bot: cannot reach the database (DATABASE_URL): {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
