"""`/domain`: the circle's domain description, drafting or evolving it by consent, and
naming the circle that delegated the domain (its parent)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import circle_domain as views
from bot.blocks import consent as consent_views
from bot.blocks import errors as error_views
from bot.blocks import ids
from bot.blocks.consent import default_deadline_for_modal
from bot.delivery import opened
from bot.deps import Deps
from bot.domain import consent as consent_rules
from bot.domain import domains as rules
from bot.domain.clock import local_today
from bot.domain.consent import default_review_date
from bot.domain.domains import DomainFields
from bot.domain.errors import DomainError, StaleRequest
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.services import circle_domain

SHOW_WORDS = {"", "show", "toon"}
EDIT_WORDS = {"edit", "draft", "bewerken", "evolve"}
PARENT_WORDS = {"parent", "ouder"}
NONE_WORDS = {"none", "geen", "-"}
CHANNEL_REF = re.compile(r"^<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|[^>]*)?>$")


def register(app: App) -> None:
    """Wire /domain, its form and its Edit button."""
    on(app.command(ids.CMD_DOMAIN), lazy=(answer,))
    on(app.action(ids.ACT_DOMAIN_EDIT), lazy=(open_edit,))
    on(app.view(ids.CB_DOMAIN_MODAL), ack=submit, lazy=(post_round,))


def _require_member(deps: Deps, client: WebClient, team_id: str, channel_id: str,
                    user_id: str) -> None:  # fmt: skip
    if not deps.people.channels.includes_now(client, team_id, channel_id, user_id):
        raise rules.NotACircleMember(channel_id)


def parent_of(text: str) -> str | None:
    """The channel `/domain parent …` names (None for `none`); ParentMissing otherwise."""
    word = text.strip()
    if word.lower() in NONE_WORDS:
        return None
    found = CHANNEL_REF.match(word)
    if found is None:
        raise rules.ParentMissing()
    return found.group(1)


def answer(args: Args, command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """Show the domain, open its form, or set its parent circle."""
    who = where(command)
    team_id, user_id, channel_id = who.team_id, who.user_id or "", who.channel_id or ""
    m = messages_for(args)
    first, _, rest = " ".join((command.get("text") or "").split()).partition(" ")
    word = first.lower()
    if word in SHOW_WORDS and not rest:
        view = circle_domain.show(deps.sessions, team_id=team_id, channel_id=channel_id)
        tell(args, *views.domain_view(m, view))
    elif word in EDIT_WORDS:
        _open_form(args, deps, client, team_id, user_id, channel_id, response_url(command))
    elif word in PARENT_WORDS:
        parent = parent_of(rest)
        _require_member(deps, client, team_id, channel_id, user_id)
        now_parent = circle_domain.set_parent(
            deps.sessions, team_id=team_id, channel_id=channel_id, parent_id=parent,
            now=deps.clock(),
        )  # fmt: skip
        tell(args, views.parent_set(m, channel_id, now_parent))
    else:
        tell(args, views.domain_usage(m))


def open_edit(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
              deps: Deps) -> None:  # fmt: skip
    """The Draft / Evolve button under the description."""
    who = where(body)
    channel_id = action.get("value") or ""
    if not channel_id:
        raise StaleRequest()
    _open_form(args, deps, client, who.team_id, who.user_id or "", channel_id, response_url(body))


def _open_form(args: Args, deps: Deps, client: WebClient, team_id: str, user_id: str,
               channel_id: str, reply_url: str | None) -> None:  # fmt: skip
    _require_member(deps, client, team_id, channel_id, user_id)
    view = circle_domain.show(deps.sessions, team_id=team_id, channel_id=channel_id)
    if view.pending:
        raise rules.DomainChangePending()
    zone = deps.people.zone(client, team_id, user_id)
    today = local_today(deps.clock(), str(zone))
    review = view.review_date if view.review_date and view.review_date > today else None
    meta = views.DomainMeta(channel_id=channel_id, response_url=reply_url)
    modal = views.domain_modal(
        messages_for(args), meta, initial=view.fields,
        review_date=review or default_review_date(today),
        deadline=default_deadline_for_modal(deps.clock().astimezone(zone)),
    )  # fmt: skip
    _show_form(args, modal)


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
           deps: Deps, args: Args) -> None:  # fmt: skip
    """Check every field, store the description and its round, then let the form close.

    The channel the form carries is a hint: the person must be a member of it now.
    """
    who = where(body)
    meta = metadata(view, views.DomainMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    _require_member(deps, args.client, who.team_id, meta.channel_id, who.user_id)
    form = Form(view)
    texts = form.texts(ids.IN_DOMAIN_FIELDS)
    fields = DomainFields(**{n: texts.get(n) for n in DomainFields.names()})
    review_date = form.date(ids.IN_DOMAIN_REVIEW_DATE)
    deadline = form.moment(ids.IN_DEADLINE)
    today = deps.people.cached_today(who.team_id, who.user_id, deps.clock())
    found = circle_domain.problems(fields, review_date, today=today)
    try:
        if deadline is None:
            raise consent_rules.DeadlineMissing()
        consent_rules.check_deadline(deadline, deps.clock())
    except DomainError as exc:
        found.append(exc)
    m = deps.people.cached_messages(who.team_id, who.user_id)
    if found:
        ack(response_action="errors",
            errors=error_views.field_errors(m, found, form.block_ids()))  # fmt: skip
        return
    assert review_date is not None and deadline is not None
    title, text = views.round_text(m, fields.cleaned())
    round_ = circle_domain.propose(
        deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, author_id=who.user_id,
        fields=fields, review_date=review_date, title=title, text=text, deadline=deadline,
        now=deps.clock(), today=today, request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[opened.OPENED] = round_


def post_round(args: Args, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Post the round the form stored, now that the form has closed."""
    opened.post_opened(args, deps, client, context.get(opened.OPENED))


def _show_form(args: Args, view: dict[str, Any]) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    if not open_modal(args.client, args.body["trigger_id"], view):
        tell(args, consent_views.slow_form(messages_for(args)))
