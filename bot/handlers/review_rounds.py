"""Reviews by the circle: a review round started from a review reminder (answered in the
channel: keep, keep with a change, object to keeping), and, from `/agreements <n>`, an
early review asked or an objection to the agreement in force."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import agreements as agreement_views
from bot.blocks import consent as consent_views
from bot.blocks import ids
from bot.blocks import review_rounds as views
from bot.blocks.consent import ConsentMeta
from bot.blocks.values import AgreementValue, ReviewRoundValue, ReviewValue
from bot.delivery.review_rounds import refresh
from bot.domain import review as rules
from bot.domain.errors import StaleRequest
from bot.domain.review import RoundAnswer
from bot.runtime import replies
from bot.runtime.listeners import messages_for, on, tell
from bot.runtime.payload import Form, metadata, response_url, where
from bot.scheduler import kick
from bot.services import agreements, backlog, review_rounds
from bot.services.views import ReviewRoundView

if TYPE_CHECKING:
    from bot.deps import Deps

TOLD = "s3bot_review_told"  # context: what the ack stored, for the part after it
ROUND = "s3bot_review_round"


def register(app: App) -> None:
    """Wire the review round's buttons and form, and the buttons of an agreement in full."""
    on(app.action(ids.ACT_REVIEW_ROUND_START), lazy=(start,))
    on(app.action(ids.ACT_RR_KEEP), lazy=(keep,))
    on(app.action(ids.ACT_RR_CHANGE), lazy=(keep_with_change,))
    on(app.action(ids.ACT_RR_OBJECT), lazy=(open_object,))
    on(app.view(ids.CB_RR_OBJECT), ack=object_to_keeping, lazy=(after_submit,))
    on(app.action(ids.ACT_AGREEMENT_EARLY_REVIEW), lazy=(ask_early_review,))
    on(app.action(ids.ACT_AGREEMENT_OBJECT), lazy=(open_object_agreement,))
    on(app.view(ids.CB_AGREEMENT_OBJECT), ack=object_to_agreement, lazy=(after_submit,))


def _require_member(
    deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str
) -> None:
    if not deps.people.channels.includes_now(client, team_id, channel_id, user_id):
        raise rules.NotAMember(channel_id)


def _show(args: Args, view: dict[str, Any]) -> None:
    if not replies.open_modal(args.client, args.body["trigger_id"], view):
        tell(args, consent_views.slow_form(messages_for(args)))


# ---------------------------------------------------------------- the review round


def start(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
          deps: Deps) -> None:  # fmt: skip
    """Start the circle's review round from a reminder (the people responsible only)."""
    who = where(body)
    carried = ReviewValue.parse(action.get("value"))
    a = agreements.load(deps.sessions, team_id=who.team_id, agreement_id=carried.agreement_id)
    _require_member(deps, client, who.team_id, a.channel_id, who.user_id or "")
    bot_user = deps.people.bot_user_id(client, who.team_id)
    people = sorted(
        u for u in deps.people.channels.of(client, who.team_id, a.channel_id) if u != bot_user
    )
    rv = review_rounds.start(
        deps.sessions, team_id=who.team_id, agreement_id=a.id, expected=carried.review_date,
        actor=who.user_id or "", participants=people, now=deps.clock(),
    )  # fmt: skip
    tell(args, views.round_started(messages_for(args), rv))
    kick(deps)


def _open_round(args: Args, body: dict[str, Any], action: dict[str, Any],
                client: WebClient, deps: Deps) -> ReviewRoundView:  # fmt: skip
    """The round a button names, still open, and the person a member of its channel now."""
    who = where(body)
    carried = ReviewRoundValue.parse(action.get("value"))
    rv = review_rounds.check_open(
        deps.sessions, team_id=who.team_id, round_id=carried.review_round_id
    )
    _require_member(deps, client, who.team_id, rv.channel_id, who.user_id or "")
    return rv


def _answer(args: Args, deps: Deps, rv: ReviewRoundView, answer: RoundAnswer,
            reason: str | None = None) -> ReviewRoundView:  # fmt: skip
    who = where(args.body)
    return review_rounds.answer(
        deps.sessions, team_id=who.team_id, round_id=rv.id, user_id=who.user_id or "",
        answer=answer, reason=reason, now=deps.clock(),
    )  # fmt: skip


def _after_answer(args: Args, deps: Deps, rv: ReviewRoundView, answer: RoundAnswer) -> None:
    tell(args, views.answered(messages_for(args), rv, answer.value))
    refresh(deps, rv.team_id, rv.id)
    if rv.closes_at <= deps.clock():
        kick(deps)  # everyone answered: it closes now


def keep(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
         deps: Deps) -> None:  # fmt: skip
    """Answer Keep."""
    rv = _answer(args, deps, _open_round(args, body, action, client, deps), RoundAnswer.KEEP)
    _after_answer(args, deps, rv, RoundAnswer.KEEP)


def keep_with_change(args: Args, body: dict[str, Any], action: dict[str, Any],
                     client: WebClient, deps: Deps) -> None:  # fmt: skip
    """Answer Keep with a change, and open the evolve proposal, prefilled."""
    rv = _open_round(args, body, action, client, deps)
    who = where(body)
    m = messages_for(args)
    a = rv.agreement
    meta = ConsentMeta(channel_id=a.channel_id, evolves_agreement_id=a.id,
                       response_url=response_url(body))  # fmt: skip
    items, _ = backlog.backlog_page(
        deps.sessions, team_id=who.team_id, channel_id=a.channel_id, limit=100
    )
    now_local = deps.clock().astimezone(deps.people.zone(client, who.team_id, who.user_id or ""))
    rv = _answer(args, deps, rv, RoundAnswer.CHANGE)
    _show(args, consent_views.proposal_form(
        m, meta, items, now_local, agreement_views.evolve_initial(a)
    ))  # fmt: skip
    _after_answer(args, deps, rv, RoundAnswer.CHANGE)


def open_object(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                deps: Deps) -> None:  # fmt: skip
    """Open the form that asks why not keep it."""
    rv = _open_round(args, body, action, client, deps)
    meta = views.RoundObjectMeta(review_round_id=rv.id, response_url=response_url(body))
    _show(args, views.round_object_modal(messages_for(args), rv, meta.model_dump_json()))


def object_to_keeping(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                      context: BoltContext, deps: Deps, args: Args) -> None:  # fmt: skip
    """Store the objection to keeping (its reason required), then close the form."""
    who = where(body)
    meta = metadata(view, views.RoundObjectMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    reason = Form(view).text(ids.IN_RR_REASON)
    if not (reason or "").strip():
        raise rules.ObjectionToKeepingNeedsReason()
    rv = review_rounds.load(deps.sessions, team_id=who.team_id, round_id=meta.review_round_id)
    _require_member(deps, args.client, who.team_id, rv.channel_id, who.user_id)
    rv = _answer(args, deps, rv, RoundAnswer.OBJECT, reason)
    ack()
    m = deps.people.cached_messages(who.team_id, who.user_id)
    context[TOLD] = views.answered(m, rv, RoundAnswer.OBJECT.value)
    context[ROUND] = rv


def after_submit(args: Args, context: BoltContext, deps: Deps) -> None:
    """Tell the person what was stored, bring the round's message up to date, send the rest."""
    text = context.get(TOLD)
    if text is None:
        return
    tell(args, text)
    rv: ReviewRoundView | None = context.get(ROUND)
    if rv is not None:
        refresh(deps, rv.team_id, rv.id)
    kick(deps)


# ---------------------------------------------------------------- from /agreements <n>


def _agreement(args: Args, body: dict[str, Any], action: dict[str, Any], client: WebClient,
               deps: Deps) -> agreements.AgreementView:  # fmt: skip
    who = where(body)
    carried = AgreementValue.parse(action.get("value"))
    a = agreements.load(deps.sessions, team_id=who.team_id, agreement_id=carried.agreement_id)
    _require_member(deps, client, who.team_id, a.channel_id, who.user_id or "")
    if a.status != rules.AgreementStatus.ACTIVE:
        raise rules.AgreementNotInForce()
    return a


def ask_early_review(args: Args, body: dict[str, Any], action: dict[str, Any],
                     client: WebClient, deps: Deps) -> None:  # fmt: skip
    """Ask for an early review: a backlog item, and the people responsible told."""
    a = _agreement(args, body, action, client, deps)
    who = where(body)
    text = views.early_review_item(deps.people.workspace_messages(who.team_id), a.number, a.title)
    a, number = review_rounds.ask_early_review(
        deps.sessions, team_id=who.team_id, agreement_id=a.id, actor=who.user_id or "",
        text=text, now=deps.clock(),
    )  # fmt: skip
    tell(args, views.early_review_asked(messages_for(args), a, number))
    kick(deps)


def open_object_agreement(args: Args, body: dict[str, Any], action: dict[str, Any],
                          client: WebClient, deps: Deps) -> None:  # fmt: skip
    """Open the form for an objection to the agreement in force."""
    a = _agreement(args, body, action, client, deps)
    meta = views.AgreementObjectMeta(
        agreement_id=a.id, channel_id=where(body).channel_id, response_url=response_url(body)
    )
    _show(args, views.agreement_object_modal(messages_for(args), a, meta.model_dump_json()))


def object_to_agreement(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                        context: BoltContext, deps: Deps, args: Args) -> None:  # fmt: skip
    """Store the objection (its reason required) as a driver on the backlog; close the form."""
    who = where(body)
    meta = metadata(view, views.AgreementObjectMeta)
    if meta is None or not who.user_id:
        raise StaleRequest()
    reason = Form(view).text(ids.IN_AGREEMENT_OBJECTION)
    if not (reason or "").strip():
        raise rules.AgreementObjectionNeedsReason()
    a = agreements.load(deps.sessions, team_id=who.team_id, agreement_id=meta.agreement_id)
    _require_member(deps, args.client, who.team_id, a.channel_id, who.user_id)
    head = views.agreement_objection_item(
        deps.people.workspace_messages(who.team_id), a.number, a.title
    )
    a, number = review_rounds.object_to(
        deps.sessions, team_id=who.team_id, agreement_id=a.id, actor=who.user_id,
        reason=reason, head=head, now=deps.clock(),
    )  # fmt: skip
    ack()
    context[TOLD] = views.objected(deps.people.cached_messages(who.team_id, who.user_id), a, number)
