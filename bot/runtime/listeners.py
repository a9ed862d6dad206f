"""How listeners are wired: deps in the context, ack and after-ack parts, one error path.

A feature's `register(app)` is a table of `on(app.command(...), ack=..., lazy=[...])`
lines. The `ack` part runs in the request thread and answers Slack; each `lazy` part runs
after it, in the pool (`deps.executor`), with the same arguments. Both are wrapped once here, so a rule that
refuses, a database that does not answer or an unexpected failure always reaches the
person as one clear message (from `bot.blocks.errors`), inside the form for a modal
submission, and never as a traceback or an HTTP 500.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from functools import cache
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import common, errors
from bot.deps import Deps
from bot.domain.errors import AlreadyHandled, DomainError
from bot.i18n import Messages
from bot.runtime.payload import Form, response_url, where
from bot.runtime.replies import reply
from bot.services import workspace

log = logging.getLogger(__name__)

Listener = Callable[..., Any]


@cache
def _arg_names(fn: Listener) -> tuple[str, ...]:
    return tuple(inspect.getfullargspec(fn).args)


def call(fn: Listener, args: Args) -> Any:
    """Call `fn` with the Bolt arguments (and context values such as `deps`) it names."""
    kwargs = {}
    for name in _arg_names(fn):
        if name == "args":
            kwargs[name] = args
        elif name in args.context and not hasattr(args, name):
            kwargs[name] = args.context[name]
        else:
            kwargs[name] = getattr(args, name, None)
    return fn(**kwargs)


def explain(m: Messages, exc: BaseException) -> str:
    """What to tell the person about this failure."""
    if isinstance(exc, DomainError):
        return errors.explain(m, exc)
    if isinstance(exc, SQLAlchemyError):
        return common.db_down(m)
    return common.unexpected(m)


def _log(exc: BaseException, where_: str) -> None:
    if isinstance(exc, DomainError):
        log.info("%s refused: %s", where_, type(exc).__name__)
    elif isinstance(exc, SQLAlchemyError):
        log.error("%s: database unavailable (%s)", where_, type(exc).__name__)
    else:
        log.error("%s failed", where_, exc_info=exc)


def tell(
    args: Args, text: str, blocks: list[dict] | None = None, *, channel: str | None = None
) -> bool:
    """Tell the acting person something, only to them: through the payload's response_url
    (a modal's: the one it carries), else ephemeral in `channel` (default: the payload's).
    How and why: `replies.reply`."""
    deps: Deps | None = args.context.get("deps")
    who = where(args.body)
    if deps is None or not who.user_id:
        return False
    return reply(
        args.client, response_url=response_url(args.body),
        allowed=deps.settings.response_url_prefixes, channel=channel or who.channel_id,
        user=who.user_id, text=text, blocks=blocks,
    )  # fmt: skip


def messages_for(args: Args) -> Messages:
    """Messages in the acting person's language."""
    deps: Deps = args.context["deps"]
    who = where(args.body)
    if not who.user_id:
        return deps.people.workspace_messages(who.team_id)
    return deps.people.user_messages(args.client, who.team_id, who.user_id)


def _refuse(args: Args, exc: BaseException, part: str, *, after_ack: bool = False) -> None:
    """Answer a failure: in the form for a modal submission, else only to the person."""
    _log(exc, part)
    try:
        if isinstance(exc, SQLAlchemyError):  # the database is in trouble: do not ask it again
            deps: Deps = args.context["deps"]
            who = where(args.body)
            m = deps.people.offline_messages(who.team_id, who.user_id)
        else:
            m = messages_for(args)
        text = explain(m, exc)
        body = args.body if isinstance(args.body, dict) else {}
        acked = after_ack or args.ack is None or args.ack.response is not None
        if not acked and body.get("type") == "view_submission":
            blocks = Form(body.get("view")).block_ids()
            field = errors.field_for(exc, blocks) if isinstance(exc, DomainError) else None
            field = field or (blocks[0] if blocks else None)
            if field:
                args.ack(response_action="errors", errors={field: text})
                return
        if not acked:
            args.ack()
        deps: Deps | None = args.context.get("deps")
        if after_ack or deps is None:
            tell(args, text)
        else:  # in the request thread: Slack hears the ack first, the reply follows from the pool
            deps.executor.submit(tell, args, text)
    except Exception:  # noqa: BLE001 - the error path itself must never raise
        log.exception("could not tell the person about a failure")
        if not after_ack and args.ack is not None and args.ack.response is None:
            args.ack()


def acking(fn: Listener, then: tuple[Listener, ...] = ()) -> Listener:
    """The ack part of a listener, with the one error path; then its after-ack parts."""

    def ack_part(args: Args) -> Any:
        try:
            return call(fn, args)
        except AlreadyHandled:
            # A replay or a double submit: the first delivery made the change and told the
            # person; this one only answers Slack.
            log.info("%s: the same request again; acknowledged, nothing changed", fn.__qualname__)
            if args.ack is not None and args.ack.response is None:
                args.ack()
            return None
        except Exception as exc:  # noqa: BLE001 - every failure reaches the person once
            _refuse(args, exc, fn.__qualname__)
            return None
        finally:
            _start(args, then)

    ack_part.__name__ = ack_part.__qualname__ = fn.__name__
    return ack_part


def _start(args: Args, parts: tuple[Listener, ...]) -> None:
    """Hand the after-ack parts to the pool, with the request's own arguments.

    Not Bolt's lazy listeners: those deep-copy the whole request for each part (a third of
    a /tension's time under a burst). A part reads what the ack part left in the context
    and the payload, which nothing changes once the ack part returned.
    """
    if not parts:
        return
    deps: Deps | None = args.context.get("deps")
    for part in parts:
        if deps is None:
            part(args)
        else:
            deps.executor.submit(part, args)


def after_ack(fn: Listener) -> Listener:
    """Work that runs after the ack, in the pool, with the one error path."""

    def lazy_part(args: Args) -> None:
        try:
            call(fn, args)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the person once
            _refuse(args, exc, fn.__qualname__, after_ack=True)

    lazy_part.__name__ = lazy_part.__qualname__ = fn.__name__
    return lazy_part


def just_ack(ack: Any) -> None:
    """Acknowledge and do the rest after the ack."""
    ack()


def on(
    listener: Callable[..., Any], *, ack: Listener = just_ack, lazy: tuple[Listener, ...] = ()
) -> None:
    """Register a listener on Bolt's decorator (`app.command(...)`, `app.view(...)`, ...): its
    ack part answers Slack, then each `lazy` part runs in the pool."""
    listener(acking(ack, tuple(after_ack(f) for f in lazy)))


# ---------------------------------------------------------------- global middlewares


def deps_middleware(deps: Deps) -> Listener:
    """A middleware that puts `deps` into every request's context."""

    def put_deps(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002
        context["deps"] = deps
        return next()

    return put_deps


def authorized_workspace_only(
    body: dict[str, Any],
    context: BoltContext,
    next: Callable[[], Any],  # noqa: A002
) -> Any:
    """Act only in the workspace the request's token was authorized for: a payload naming
    another workspace (`where(body)`) than the one Bolt found the token of reaches no rows.

    They agree for every shape Slack sends, Slack Connect guests included (`where` reads
    the workspace as Bolt's authorization does). An org-wide installation serves every
    workspace of its org: any of them goes with it, no other org.
    """
    result = context.authorize_result
    if result is None:
        return next()
    who = where(body)
    if context.is_enterprise_install:  # the org-wide token was found for it
        # Bolt found the org's installation by the payload's org (`context.enterprise_id`).
        ok = who.enterprise_id in (None, result.enterprise_id or context.enterprise_id)
    else:
        ok = not result.team_id or not who.team_id or who.team_id == result.team_id
    if not ok:
        log.warning("request naming workspace %s (org %s) refused: authorized for %s (org %s)",
                    who.team_id, who.enterprise_id, result.team_id, result.enterprise_id)  # fmt: skip
        return BoltResponse(status=200, body="")
    return next()


def first_delivery_only(
    body: dict[str, Any],
    context: BoltContext,
    next: Callable[[], Any],  # noqa: A002
) -> Any:
    """Handle each event once: Slack retries deliveries it did not hear "ok" for in time."""
    deps: Deps = context["deps"]
    event_id = body.get("event_id") if isinstance(body, dict) else None
    if _not_a_thread_reply(body):
        return next()  # every message in every channel the bot is in: nothing to record
    if _function_executed(body):
        # A workflow step is made once by its function_execution_id (in the transaction of
        # the round it opens): a retry after a first delivery that stopped midway must still
        # reach the listener, which completes the step then.
        return next()
    if body.get("type") == "event_callback" and isinstance(event_id, str) and event_id:
        team_id = where(body).team_id
        if not workspace.first_delivery(
            deps.sessions, team_id=team_id, event_id=event_id, now=deps.clock()
        ):
            log.info("duplicate delivery of %s ignored", event_id)
            return BoltResponse(status=200, body="")
    return next()


def _function_executed(body: Any) -> bool:
    """A Workflow Builder step of ours being run (`function_executed`)."""
    event = body.get("event") if isinstance(body, dict) else None
    return isinstance(event, dict) and event.get("type") == "function_executed"


def _not_a_thread_reply(body: Any) -> bool:
    """A message event that is no reply in a thread (the only messages the bot reads)."""
    event = body.get("event") if isinstance(body, dict) else None
    return isinstance(event, dict) and event.get("type") == "message" and not event.get("thread_ts")


def on_error(
    error: Exception, body: dict[str, Any], context: BoltContext, client: WebClient
) -> BoltResponse | None:
    """The last resort (middleware failures, payloads Bolt cannot route): log, tell the
    person, answer Slack cleanly (never a 500), and never raise."""
    if _unreadable(error):
        log.warning("malformed request refused (%s)", type(error).__name__)
        return BoltResponse(status=400, body="")
    try:
        _log(error, "request")
        deps: Deps | None = context.get("deps")
        who = where(body)
        if deps is not None and who.user_id:
            m = deps.people.user_messages(client, who.team_id, who.user_id)
            reply(
                client, response_url=response_url(body),
                allowed=deps.settings.response_url_prefixes, channel=who.channel_id,
                user=who.user_id, text=explain(m, error),
            )  # fmt: skip
    except Exception:  # noqa: BLE001 - the error handler must never raise
        log.exception("the error handler failed")
    return BoltResponse(status=200, body="")


def _unreadable(error: BaseException) -> bool:
    """A payload of the wrong shape that Bolt itself tripped over (before any listener)."""
    if not isinstance(error, KeyError | TypeError | AttributeError | IndexError | ValueError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and "slack_bolt" in frames[-1].filename
