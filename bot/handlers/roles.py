"""`/role`: the circle's roles, one role in full, and proposing, evolving or dropping one.

A role's description is decided by consent: the form's submission stores the role and
its round in one commit (then the form closes), and the round is posted after the ack.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import consent as consent_views
from bot.blocks import errors as error_views
from bot.blocks import ids
from bot.blocks import roles as views
from bot.blocks.consent import default_deadline_for_modal
from bot.delivery import opened
from bot.deps import Deps
from bot.domain import consent as consent_rules
from bot.domain import roles as rules
from bot.domain.clock import local_today
from bot.domain.consent import default_review_date
from bot.domain.domains import DomainFields
from bot.domain.errors import DomainError, StaleRequest
from bot.domain.roles import RoleSummary
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, request_key, response_url, where
from bot.runtime.replies import open_modal
from bot.scheduler import kick
from bot.services import roles

LIST_WORDS = {"", "list", "lijst"}
MAX_CHECKED = 20  # delegates checked against Slack per answer (conversations.info: tier 3)
NEW_WORDS = {"new", "nieuw"}
USAGE_WORDS = {"usage", "gebruik"}


def register(app: App) -> None:
    """Wire /role, the role form, and Evolve and Drop on a role shown in full."""
    on(app.command(ids.CMD_ROLE), lazy=(answer,))
    on(app.view(ids.CB_ROLE_MODAL), ack=submit, lazy=(post_round,))
    on(app.action(ids.ACT_ROLE_EVOLVE), lazy=(open_evolve,))
    on(app.action(ids.ACT_ROLE_DROP), ack=drop, lazy=(dropped,))


def _require_member(deps: Deps, client: WebClient, team_id: str, channel_id: str,
                    user_id: str) -> None:  # fmt: skip
    if not deps.people.channels.includes_now(client, team_id, channel_id, user_id):
        raise rules.NotAMember(channel_id)


def _form_defaults(deps: Deps, client: WebClient, team_id: str, user_id: str) -> tuple[date, datetime]:  # fmt: skip
    """The form's review date and deadline, where the person is."""
    zone = deps.people.zone(client, team_id, user_id)
    now_local = deps.clock().astimezone(zone)
    return default_review_date(local_today(deps.clock(), str(zone))), default_deadline_for_modal(
        now_local
    )


def answer(args: Args, command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """List the circle's roles, show one in full, or open the form for a new one."""
    who = where(command)
    team_id, user_id, channel_id = who.team_id, who.user_id or "", who.channel_id or ""
    m = messages_for(args)
    text = " ".join((command.get("text") or "").split())
    word = text.lower()
    if word in LIST_WORDS:
        found = roles.list_roles(deps.sessions, team_id=team_id, channel_id=channel_id)
        tell(
            args,
            *views.role_list(m, channel_id, found, delegate_problems(deps, client, team_id, found)),
        )
    elif word in NEW_WORDS:
        _require_member(deps, client, team_id, channel_id, user_id)
        review, deadline = _form_defaults(deps, client, team_id, user_id)
        meta = views.RoleMeta(channel_id=channel_id, response_url=response_url(command))
        _show_form(args, views.role_modal(m, meta, review_date=review, deadline=deadline))
    elif word in USAGE_WORDS:
        tell(args, views.role_usage(m))
    else:
        detail = roles.detail(deps.sessions, team_id=team_id, channel_id=channel_id, name=text)
        changeable = detail.status == rules.RoleStatus.ACTIVE.value and not detail.summary.proposed
        problem = delegate_problems(deps, client, team_id, [detail.summary]).get(detail.summary.id)
        tell(args, *views.role_detail(m, detail, changeable=changeable, problem=problem))


def delegate_problems(
    deps: Deps, client: WebClient, team_id: str, found: list[RoleSummary]
) -> dict[int, str]:
    """Delegates whose link is broken: the channel they represent the circle in is archived
    (or gone), or their holder left it. Asked of Slack after the ack (cached members)."""
    problems: dict[int, str] = {}
    for r in found[:MAX_CHECKED]:
        if not r.represents_channel_id:
            continue
        try:
            info = client.conversations_info(channel=r.represents_channel_id)["channel"]
        except SlackApiError:
            problems[r.id] = "archived"
            continue
        if info.get("is_archived"):
            problems[r.id] = "archived"
        elif r.holder_id and r.holder_id not in deps.people.channels.of(
            client, team_id, r.represents_channel_id
        ):
            problems[r.id] = "left"
    return problems


def open_evolve(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                deps: Deps) -> None:  # fmt: skip
    """The role form, prefilled with the description in force, to evolve it."""
    who = where(body)
    role_id = _role_id(action)
    found = roles.detail_by_id(deps.sessions, team_id=who.team_id, role_id=role_id)
    channel_id = found.summary.channel_id
    _require_member(deps, client, who.team_id, channel_id, who.user_id or "")
    detail = roles.check_changeable(
        deps.sessions, team_id=who.team_id, channel_id=channel_id, role_id=role_id
    )
    m = messages_for(args)
    _, deadline = _form_defaults(deps, client, who.team_id, who.user_id or "")
    meta = views.RoleMeta(channel_id=channel_id, role_id=role_id, response_url=response_url(body))
    review = (
        detail.review_date
        if detail.review_date and detail.review_date > deps.clock().date()
        else None
    )
    review = review or default_review_date(deps.clock().date())
    modal = views.role_modal(m, meta, review_date=review, deadline=deadline, initial=detail)
    _show_form(args, modal)


def _role_id(action: dict[str, Any]) -> int:
    value = action.get("value") or ""
    if not value.isdigit():
        raise StaleRequest()
    return int(value)


def _draft(form: Form, name: str, evolving: bool) -> roles.RoleDraft:
    texts = form.texts(ids.IN_DOMAIN_FIELDS)
    months = form.selected(ids.IN_ROLE_TERM)
    return roles.RoleDraft(
        name=name,
        fields=DomainFields(**{n: texts.get(n) for n in DomainFields.names()}),
        review_date=form.date(ids.IN_DOMAIN_REVIEW_DATE),
        term_months=None if evolving else (int(months) if months and months.isdigit() else None),
        term_until=None if evolving else form.date(ids.IN_ROLE_TERM_UNTIL),
        represents_channel_id=None if evolving else form.conversation(ids.IN_ROLE_REPRESENTS),
    )


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
           deps: Deps, args: Args) -> None:  # fmt: skip
    """Check every field, store the role and its round (its message queued), then close.

    The channel and role the form carries are hints: the person must be a member of the
    channel now, and an evolved role must be that channel's, active, in this workspace.
    No Slack call stands before the commit when the form was opened moments ago.
    """
    who = where(body)
    meta = metadata(view, views.RoleMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    _require_member(deps, args.client, who.team_id, meta.channel_id, who.user_id)
    form = Form(view)
    m = deps.people.cached_messages(who.team_id, who.user_id)
    if meta.role_id is not None:
        current = roles.check_changeable(
            deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, role_id=meta.role_id
        )
        name = current.summary.name
    else:
        name = form.text(ids.IN_ROLE_NAME) or ""
    draft = _draft(form, name, meta.role_id is not None)
    today = deps.people.cached_today(who.team_id, who.user_id, deps.clock())
    deadline = form.moment(ids.IN_DEADLINE)
    found = roles.problems(
        deps.sessions, draft, team_id=who.team_id, channel_id=meta.channel_id, today=today,
        role_id=meta.role_id,
    )  # fmt: skip
    try:
        if deadline is None:
            raise consent_rules.DeadlineMissing()
        consent_rules.check_deadline(deadline, deps.clock())
    except DomainError as exc:
        found.append(exc)
    if found:
        ack(response_action="errors",
            errors=error_views.field_errors(m, found, form.block_ids()))  # fmt: skip
        return
    assert deadline is not None
    fields_ = draft.fields.cleaned()
    term = (
        None
        if meta.role_id is not None
        else views.term_label(m, *rules.check_term(draft.term_months, draft.term_until, today))
    )
    title, text = views.round_text(m, rules.clean_name(name), fields_, term)
    round_ = roles.propose(
        deps.sessions, team_id=who.team_id, channel_id=meta.channel_id, author_id=who.user_id,
        draft=draft, text=roles.RoundText(title=title, text=text), deadline=deadline,
        now=deps.clock(), today=today, role_id=meta.role_id, request_key=request_key(body),
    )  # fmt: skip
    ack()
    context[opened.OPENED] = round_


def drop(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
         client: WebClient, deps: Deps) -> None:  # fmt: skip
    """Drop the role (after Slack's confirm dialog): stored, then acknowledged."""
    who = where(body)
    role_id = _role_id(action)
    found = roles.detail_by_id(deps.sessions, team_id=who.team_id, role_id=role_id)
    channel_id = found.summary.channel_id
    _require_member(deps, client, who.team_id, channel_id, who.user_id or "")
    notice = roles.drop(
        deps.sessions, team_id=who.team_id, channel_id=channel_id, role_id=role_id,
        actor=who.user_id or "", now=deps.clock(),
    )  # fmt: skip
    ack()
    context[DROPPED] = notice


DROPPED = "s3bot_role_dropped"


def dropped(args: Args, context: BoltContext, deps: Deps) -> None:
    """Tell the person, and send the channel's notice now."""
    notice = context.get(DROPPED)
    if notice is None:
        return
    tell(args, views.role_dropped(messages_for(args), notice.name))
    kick(deps)


def post_round(args: Args, client: WebClient, context: BoltContext, deps: Deps) -> None:
    """Post the round the form stored, now that the form has closed."""
    opened.post_opened(args, deps, client, context.get(opened.OPENED))


def _show_form(args: Args, view: dict[str, Any]) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    if not open_modal(args.client, args.body["trigger_id"], view):
        tell(args, consent_views.slow_form(messages_for(args)))
