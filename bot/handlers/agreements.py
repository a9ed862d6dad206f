"""`/agreements`: the living logbook, and reviewing an agreement from its reminder."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import agreements as views
from bot.blocks import consent as consent_views
from bot.blocks import ids
from bot.blocks.consent import ConsentMeta
from bot.blocks.values import ReviewValue
from bot.delivery import home
from bot.domain import review as rules
from bot.domain.clock import local_today
from bot.domain.consent import default_review_date
from bot.domain.errors import StaleRequest
from bot.i18n import Messages
from bot.runtime import replies
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, dm_message, metadata, response_url, where
from bot.scheduler import kick
from bot.services import agreements, backlog, canvas

if TYPE_CHECKING:
    from bot.deps import Deps


class AddMeta(BaseModel):
    """State carried through the add form."""

    channel_id: str
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


class ReviewMeta(BaseModel):
    """State carried through the keep, drop and snooze forms."""

    agreement_id: int
    expected: date
    channel_id: str | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted
    dm: tuple[str, str] | None = None  # the reminder DM (channel, ts) it was opened from
    home: bool = False  # opened on the Home tab: it is shown again after


REVIEWED = "s3bot_agreement_reviewed"  # context: (reminder DM, what was done, the date chosen)


def _require_member(
    deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str
) -> None:
    if not deps.people.channels.includes_now(client, team_id, channel_id, user_id):
        raise rules.NotAMember(channel_id)


def _today(deps: Deps, client: WebClient, team_id: str, user_id: str) -> date:
    """Today where the person is: the date they see and pick from."""
    return local_today(deps.clock(), deps.people.timezone(client, team_id, user_id))


def _submitted_today(deps: Deps, team_id: str, user_id: str | None) -> date:
    """Today where the person is, without a Slack call before the commit."""
    return deps.people.cached_today(team_id, user_id, deps.clock())


# ---------------------------------------------------------------- /agreements


def answer(args: Args, command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """List the agreements in force, show one in full, open the add form, or keep the logbook
    in the channel's canvas."""
    who = where(command)
    team_id, user_id, channel_id = who.team_id, who.user_id or "", who.channel_id or ""
    m = messages_for(args)
    word = (command.get("text") or "").strip().lstrip("#").lower()
    today = _today(deps, client, team_id, user_id)
    if word in ("add", "toevoegen", "nieuw"):
        _require_member(deps, client, team_id, channel_id, user_id)
        meta = AddMeta(channel_id=channel_id, response_url=response_url(command))
        modal = views.add_modal(m, meta.model_dump_json(), default_review_date(today))
        open_modal(args, command["trigger_id"], modal, m)
    elif word == "canvas":
        _require_member(deps, client, team_id, channel_id, user_id)
        canvas.request(
            deps.sessions, team_id=team_id, channel_id=channel_id, user_id=user_id,
            response_url=response_url(command), now=deps.clock(),
        )  # fmt: skip
        tell(args, views.canvas_started(m))
        deps.executor.submit(kick, deps)
    elif word.isdigit():
        view = agreements.detail(
            deps.sessions, team_id=team_id, channel_id=channel_id, number=int(word)
        )
        zone = deps.people.zone(client, team_id, user_id)
        tell(args, *views.agreement_detail(m, view, today, zone))
    elif word in ("", "list", "lijst"):
        found, total = agreements.in_force(
            deps.sessions, team_id=team_id, channel_id=channel_id, limit=views.LIST_LIMIT
        )
        tell(args, *views.register_list(m, channel_id, found, total, today))
    else:
        tell(args, views.agreements_usage(m))


def add(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Record an agreement made elsewhere, from the add form."""
    who = where(body)
    meta = metadata(view, AddMeta)
    if meta is None:
        raise StaleRequest()
    form = Form(view)
    review_date = form.date(ids.IN_REVIEW_DATE)
    if review_date is None:
        raise rules.ReviewDateMissing()
    today = _submitted_today(deps, who.team_id, who.user_id)
    _require_member(deps, client, who.team_id, meta.channel_id, who.user_id)
    agreements.record(
        deps.sessions,
        team_id=who.team_id,
        channel_id=meta.channel_id,
        author_id=who.user_id,
        title=form.text(ids.IN_TITLE) or "",
        text=form.text(ids.IN_PROPOSAL) or "",
        driver=form.text(ids.IN_DRIVER_TEXT),
        responsibilities=form.text(ids.IN_RESPONSIBILITIES),
        evaluation=form.text(ids.IN_EVALUATION),
        responsible_ids=form.users(ids.IN_RESPONSIBLE_PEOPLE),
        review_date=review_date,
        now=deps.clock(),
        today=today,
    )
    ack()
    deps.executor.submit(kick, deps)


# ---------------------------------------------------------------- reviewing from a reminder


def _open_review(
    args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps,
    what: str,
) -> None:  # fmt: skip
    who = where(body)
    team_id, user_id, channel = who.team_id, who.user_id or "", who.channel_id
    m = messages_for(args)
    carried = ReviewValue.parse(action.get("value"))
    agreement_id, expected = carried.agreement_id, carried.review_date
    view = agreements.check_reviewable(
        deps.sessions, team_id=team_id, agreement_id=agreement_id, expected=expected
    )
    _require_member(deps, client, team_id, view.channel_id, user_id)
    meta = ReviewMeta(
        agreement_id=agreement_id, expected=expected, channel_id=channel,
        response_url=response_url(body), dm=dm_message(body, ids.BLOCK_REVIEW_ACTIONS),
        home=home.from_home(body),
    ).model_dump_json()  # fmt: skip
    today = _today(deps, client, team_id, user_id)
    if what == "keep":
        modal = views.keep_modal(m, view, meta, default_review_date(today))
    elif what == "snooze":
        initial = rules.next_weekday(today.fromordinal(today.toordinal() + 7))
        modal = views.snooze_modal(m, view, meta, initial)
    elif what == "drop":
        modal = views.drop_modal(m, view, meta)
    else:
        consent_meta = ConsentMeta(
            channel_id=view.channel_id, evolves_agreement_id=view.id,
            response_url=response_url(body),
        )  # fmt: skip
        items, _ = backlog.backlog_page(
            deps.sessions, team_id=team_id, channel_id=view.channel_id, limit=100
        )
        now_local = deps.clock().astimezone(deps.people.zone(client, team_id, user_id))
        modal = consent_views.proposal_form(
            m, consent_meta, items, now_local, views.evolve_initial(view)
        )
    open_modal(args, body["trigger_id"], modal, m)


def open_keep(
    args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Open the keep form: the next review date."""
    _open_review(args, body, action, client, deps, "keep")


def open_evolve(
    args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Open the consent form, prefilled, to evolve the agreement."""
    _open_review(args, body, action, client, deps, "evolve")


def open_drop(
    args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Open the drop form: why."""
    _open_review(args, body, action, client, deps, "drop")


def open_snooze(
    args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Open the snooze form: when to be reminded again."""
    _open_review(args, body, action, client, deps, "snooze")


def _review_args(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> dict[str, Any]:
    """Who reviews which agreement, checked where the change happens: the ids the form
    carries are hints, so the agreement is looked up in the request's workspace and the
    person must be a member of its channel now."""
    who = where(body)
    meta = metadata(view, ReviewMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    agreement = agreements.load(deps.sessions, team_id=who.team_id, agreement_id=meta.agreement_id)
    _require_member(deps, client, who.team_id, agreement.channel_id, who.user_id)
    return dict(
        team_id=who.team_id,
        agreement_id=agreement.id,
        actor=who.user_id,
        expected=meta.expected,
        now=deps.clock(),
    )


def _chosen(view: dict[str, Any], key: tuple[str, str]) -> date:
    chosen = Form(view).date(key)
    if chosen is None:
        raise rules.DateNotInFuture()
    return chosen


def keep(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext,
    deps: Deps,
) -> None:  # fmt: skip
    """Keep the agreement until the chosen next review."""
    chosen = _chosen(view, ids.IN_NEXT_REVIEW)
    review = _review_args(body, view, client, deps)
    today = _submitted_today(deps, review["team_id"], review["actor"])
    agreements.keep(deps.sessions, next_review=chosen, today=today, **review)
    ack()
    _reviewed(context, view, "keep", chosen)
    deps.executor.submit(kick, deps)


def snooze(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext,
    deps: Deps,
) -> None:  # fmt: skip
    """Put the review off until the chosen day."""
    chosen = _chosen(view, ids.IN_SNOOZE_UNTIL)
    review = _review_args(body, view, client, deps)
    today = _submitted_today(deps, review["team_id"], review["actor"])
    agreements.snooze(deps.sessions, until=chosen, today=today, **review)
    ack()
    _reviewed(context, view, "snooze", chosen)
    deps.executor.submit(kick, deps)


def drop(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext,
    deps: Deps,
) -> None:  # fmt: skip
    """Drop the agreement, with its reason."""
    reason = Form(view).text(ids.IN_DROP_REASON)
    agreements.drop(deps.sessions, reason=reason, **_review_args(body, view, client, deps))
    ack()
    _reviewed(context, view, "drop", None)
    deps.executor.submit(kick, deps)


def _reviewed(context: BoltContext, view: dict[str, Any], kind: str, chosen: date | None) -> None:
    """Remember, for after the ack, which reminder DM to bring up to date (if any)."""
    meta = metadata(view, ReviewMeta)
    if meta is not None and meta.dm and meta.dm[0].startswith("D"):  # only ever a DM
        context[REVIEWED] = (meta.dm, meta.agreement_id, kind, chosen)
    elif meta is not None and meta.home:
        context[REVIEWED] = (None, meta.agreement_id, kind, chosen)


def show_reviewed(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """The reminder DM shows what was done (kept, snoozed, dropped), its buttons gone."""
    done = context.get(REVIEWED)
    who = where(body)
    if done is None or not who.user_id:
        return
    dm, agreement_id, kind, chosen = done
    a = agreements.load(deps.sessions, team_id=who.team_id, agreement_id=agreement_id)
    m = deps.people.user_messages(client, who.team_id, who.user_id)
    text, blocks = views.reviewed(m, a, kind, chosen)
    if dm is None:  # done on the Home tab: shown again, with what was done on top
        home.publish(deps, client, who.team_id, who.user_id, text)
        return
    replies.update_message(client, *dm, text, blocks)


def register(app: App) -> None:
    """Wire /agreements and the review buttons and forms."""
    on(app.command(ids.CMD_AGREEMENTS), lazy=(answer,))
    on(app.view(ids.CB_AGREEMENT_ADD), ack=add)
    on(app.action(ids.ACT_AGREEMENT_KEEP), lazy=(open_keep,))
    on(app.action(ids.ACT_AGREEMENT_EVOLVE), lazy=(open_evolve,))
    on(app.action(ids.ACT_AGREEMENT_DROP), lazy=(open_drop,))
    on(app.action(ids.ACT_AGREEMENT_SNOOZE), lazy=(open_snooze,))
    on(app.view(ids.CB_AGREEMENT_KEEP), ack=keep, lazy=(show_reviewed,))
    on(app.view(ids.CB_AGREEMENT_SNOOZE), ack=snooze, lazy=(show_reviewed,))
    on(app.view(ids.CB_AGREEMENT_DROP), ack=drop, lazy=(show_reviewed,))


def open_modal(args: Args, trigger_id: str, view: dict, m: Messages) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    if not replies.open_modal(args.client, trigger_id, view):
        tell(args, consent_views.slow_form(m))
