"""`/consent`: async consent rounds, answered with buttons or reactions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import common, ids
from bot.blocks import consent as views
from bot.blocks.text import slack_date
from bot.domain import consent as rules
from bot.domain.consent import Position
from bot.domain.errors import DomainError
from bot.i18n import Messages
from bot.runtime.replies import ephemeral, later
from bot.scheduler import kick, kick_soon
from bot.services import backlog, consent

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

ANSWER_ACTIONS = {
    ids.ACT_ANSWER_CONSENT: Position.CONSENT,
    ids.ACT_ANSWER_CONCERN: Position.CONCERN,
    ids.ACT_ANSWER_OBJECTION: Position.OBJECTION,
}
MEMBER_CHECK_LIMIT = (
    200  # beyond this, only the bot itself is left out (users.info is rate limited)
)


class ConsentMeta(BaseModel):
    """State carried through the /consent modal."""

    channel_id: str
    proposal_id: int | None = None
    version: int = 1
    evolves_agreement_id: int | None = None


class ReasonMeta(BaseModel):
    """State carried through the reason modal."""

    round_id: int
    position: Position
    channel_id: str | None = None


class ExtendMeta(BaseModel):
    """State carried through the extend modal."""

    round_id: int
    channel_id: str | None = None


def refusal(m: Messages, exc: DomainError) -> str:
    """What to tell a person whose action a rule refused."""
    if isinstance(exc, rules.RoundClosed):
        when = slack_date(exc.closed_at) if exc.closed_at else "?"
        return m._("This round closed at {when}; answers are no longer taken.", when=when)
    if isinstance(exc, rules.NotAParticipant):
        return m._(
            "Only the participants of this round can answer it. Ask its author if you should take part."
        )
    if isinstance(exc, rules.NotTheAuthor):
        return m._("Only the author of this proposal can do that.")
    if isinstance(exc, rules.RoundStillOpen):
        return m._("The current round is still open; close or withdraw it first.")
    if isinstance(exc, rules.RoundNotFound):
        return m._("I cannot find that consent round any more.")
    return common.unexpected(m)


def field_error(m: Messages, exc: DomainError) -> tuple[str, str]:
    """The modal block and message for a refused field."""
    if isinstance(exc, rules.ProposalEmpty):
        return ids.IN_PROPOSAL[0], m._("Write the proposal; it cannot be blank.")
    if isinstance(exc, rules.ProposalTooLong):
        return ids.IN_PROPOSAL[0], m._(
            "The proposal is {length} characters; the limit is {limit}.",
            length=exc.length,
            limit=exc.limit,
        )
    if isinstance(exc, rules.DeadlineInPast):
        return ids.IN_DEADLINE[0], m._("This moment has passed; pick a deadline in the future.")
    if isinstance(exc, rules.DeadlineTooSoon):
        return ids.IN_DEADLINE[0], m._("Give people at least an hour to answer.")
    if isinstance(exc, rules.DeadlineTooFar):
        return ids.IN_DEADLINE[0], m._("A round can run for at most 60 days.")
    if isinstance(exc, rules.ReviewDateInPast):
        return ids.IN_REVIEW_DATE[0], m._("Pick a review date after today.")
    if isinstance(exc, rules.QuorumOutOfRange):
        return ids.IN_QUORUM[0], m._("The quorum is a percentage from 1 to 100.")
    if isinstance(exc, rules.NoParticipants):
        return ids.IN_PEOPLE[0], m._(
            "Choose at least one person, or let everyone in the channel answer."
        )
    if isinstance(exc, rules.ObjectionNeedsReason):
        return ids.IN_REASON[0], m._(
            "An objection needs its reason: what would go wrong, or what could be better?"
        )
    if isinstance(exc, rules.ReasonTooLong):
        return ids.IN_REASON[0], m._("Keep the reason under 3,000 characters.")
    if isinstance(
        exc, rules.RoundClosed | rules.NotAParticipant | rules.NotTheAuthor | rules.RoundNotFound
    ):
        return ids.IN_REASON[0], refusal(m, exc)
    raise exc


def _value(values: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
    return values.get(key[0], {}).get(key[1], {}) or {}


def _text(values: dict[str, Any], key: tuple[str, str]) -> str | None:
    return _value(values, key).get("value")


def local_now(
    deps: Deps, client: WebClient, team_id: str, user_id: str
) -> tuple[datetime, ZoneInfo]:
    """The current time in the person's Slack timezone."""
    tz = deps.people.timezone(client, team_id, user_id)
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return deps.clock().astimezone(zone), zone


def open_modal(
    client: WebClient, trigger_id: str, view: dict, m: Messages, channel: str | None, user_id: str
) -> None:
    """Open a modal; an expired trigger becomes a polite "try again"."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        if exc.response.get("error") in ("expired_trigger_id", "invalid_trigger_id"):
            ephemeral(
                client,
                channel=channel,
                user=user_id,
                text=m._("That took Slack too long to open the form. Please try again."),
            )
            return
        raise


def proposal_modal(
    deps: Deps,
    client: WebClient,
    team_id: str,
    user_id: str,
    meta: ConsentMeta,
    initial: dict[str, Any],
    objections: list[tuple[str, str]] | None = None,
) -> dict:
    """The /consent form for this person and channel, with the given initial values."""
    m = deps.people.user_messages(client, team_id, user_id)
    now_local, zone = local_now(deps, client, team_id, user_id)
    items, _ = backlog.backlog_page(
        deps.sessions, team_id=team_id, channel_id=meta.channel_id, limit=100
    )
    initial.setdefault("review_date", rules.default_review_date(now_local.date()))
    return views.consent_modal(
        m,
        metadata=meta.model_dump_json(),
        backlog=items,
        today=now_local.date(),
        deadline=rules.default_deadline(deps.clock(), str(zone)),
        initial=initial,
        objections=objections,
        version=meta.version,
    )


def register(app: App, deps: Deps) -> None:
    """Wire /consent, its modals, the answer buttons and the author's actions."""

    def user_m(client: WebClient, team_id: str, user_id: str) -> Messages:
        return deps.people.user_messages(client, team_id, user_id)

    def today_for(client: WebClient, team_id: str, user_id: str) -> tuple[datetime, ZoneInfo]:
        return local_now(deps, client, team_id, user_id)

    # ------------------------------------------------------------ /consent

    @app.command(ids.CMD_CONSENT)
    def on_consent(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack()
        later(deps, client, command, show_consent_modal, command, client)

    def show_consent_modal(command: dict[str, Any], client: WebClient) -> None:
        team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
        m = user_m(client, team_id, user_id)
        try:
            view = proposal_modal(
                deps,
                client,
                team_id,
                user_id,
                ConsentMeta(channel_id=channel_id),
                {"text": (command.get("text") or "").strip()[: rules.MAX_PROPOSAL_LENGTH]},
            )
        except SQLAlchemyError:
            log.exception("consent modal: database unavailable")
            ephemeral(client, channel=channel_id, user=user_id, text=common.db_down(m))
            return
        open_modal(client, command["trigger_id"], view, m, channel_id, user_id)

    @app.view(ids.CB_CONSENT_MODAL)
    def on_consent_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
        user_id = body["user"]["id"]
        meta = ConsentMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        values = view["state"]["values"]
        local_now, _ = today_for(client, team_id, user_id)
        who = (_value(values, ids.IN_WHO).get("selected_option") or {}).get("value", "channel")
        people = _value(values, ids.IN_PEOPLE).get("selected_users") or []
        options = [o["value"] for o in _value(values, ids.IN_OPTIONS).get("selected_options") or []]
        quorum_raw = _text(values, ids.IN_QUORUM)
        item_raw = (_value(values, ids.IN_DRIVER_ITEM).get("selected_option") or {}).get("value")
        deadline_ts = _value(values, ids.IN_DEADLINE).get("selected_date_time")
        review_raw = _value(values, ids.IN_REVIEW_DATE).get("selected_date")
        errors: dict[str, str] = {}
        if not deadline_ts:
            errors[ids.IN_DEADLINE[0]] = m._("Pick a deadline.")
        if not review_raw:
            errors[ids.IN_REVIEW_DATE[0]] = m._("Pick a review date.")
        try:
            quorum = int(quorum_raw) if quorum_raw not in (None, "") else None
        except ValueError:
            quorum = None
            errors[ids.IN_QUORUM[0]] = m._("The quorum is a percentage from 1 to 100.")
        if errors:
            ack(response_action="errors", errors=errors)
            return
        draft = consent.Draft(
            title=_text(values, ids.IN_TITLE) or "",
            text=_text(values, ids.IN_PROPOSAL) or "",
            driver=_text(values, ids.IN_DRIVER_TEXT),
            item_id=int(item_raw) if item_raw else None,
            responsibilities=_text(values, ids.IN_RESPONSIBILITIES),
            evaluation=_text(values, ids.IN_EVALUATION),
            review_date=datetime.fromisoformat(review_raw).date(),
            deadline=datetime.fromtimestamp(int(deadline_ts), UTC),
            hidden="hidden" in options,
            quorum=quorum,
            participants=people if who == "chosen" else ["(channel)"],
            proposal_id=meta.proposal_id,
            responsible_ids=_value(values, ids.IN_RESPONSIBLE_PEOPLE).get("selected_users") or [],
            evolves_agreement_id=meta.evolves_agreement_id,
        )
        # Check every field we can before the modal closes; participants are fetched after the ack.
        found: dict[str, str] = {}
        for check in (
            lambda: rules.clean_proposal(draft.text),
            lambda: rules.check_deadline(draft.deadline, deps.clock()),
            lambda: rules.check_review_date(draft.review_date, local_now.date()),
            lambda: rules.check_quorum(draft.quorum),
            lambda: (
                (_ for _ in ()).throw(rules.NoParticipants()) if not draft.participants else None
            ),
        ):
            try:
                check()
            except DomainError as exc:
                block, message = field_error(m, exc)
                found.setdefault(block, message)
        if found:
            ack(response_action="errors", errors=found)
            return
        ack()
        later(
            deps,
            client,
            {"user_id": user_id, "channel_id": meta.channel_id, "team_id": team_id},
            start_round,
            client,
            team_id,
            user_id,
            meta,
            draft,
            who,
            local_now,
            m,
        )

    def start_round(
        client: WebClient,
        team_id: str,
        user_id: str,
        meta: ConsentMeta,
        draft: consent.Draft,
        who: str,
        local_now: datetime,
        m: Messages,
    ) -> None:
        if who != "chosen":
            draft = consent.Draft(
                **{
                    **draft.__dict__,
                    "participants": channel_members(client, team_id, meta.channel_id),
                }
            )
        try:
            view_ = consent.open_round(
                deps.sessions,
                team_id=team_id,
                channel_id=meta.channel_id,
                author_id=user_id,
                draft=draft,
                now=deps.clock(),
                today=local_now.date(),
            )
        except DomainError as exc:
            ephemeral(client, channel=meta.channel_id, user=user_id, text=refusal(m, exc))
            return
        except SQLAlchemyError:
            log.exception("could not store a consent round")
            ephemeral(client, channel=meta.channel_id, user=user_id, text=common.db_down(m))
            return
        public = deps.people.workspace_messages(team_id)
        text, blocks = views.round_message(public, view_)
        try:
            posted = client.chat_postMessage(channel=meta.channel_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("round not posted: %s", exc.response.get("error"))
            consent.discard(deps.sessions, team_id=team_id, round_id=view_.id)
            ephemeral(
                client,
                channel=meta.channel_id,
                user=user_id,
                text=m._(
                    "I could not post the round in this channel, so it was not started. "
                    "Invite me with `/invite @S3 Governance` and try again."
                ),
            )
            return
        consent.set_message(deps.sessions, team_id=team_id, round_id=view_.id, ts=posted["ts"])

    def channel_members(client: WebClient, team_id: str, channel_id: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            page = client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
            members += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        bot_user = _bot_user_id(client)
        people = [u for u in members if u != bot_user]
        if len(people) <= MEMBER_CHECK_LIMIT:
            kept = []
            for user in people:
                info = deps.people.user_info(client, team_id, user) or {}
                if not info.get("is_bot") and not info.get("deleted"):
                    kept.append(user)
            people = kept
        return people

    def _bot_user_id(client: WebClient) -> str | None:
        try:
            return client.auth_test().get("user_id")
        except SlackApiError:
            return None

    # ------------------------------------------------------------ answering

    def refuse(
        client: WebClient, team_id: str, user_id: str, channel: str | None, exc: DomainError
    ) -> None:
        ephemeral(
            client,
            channel=channel,
            user=user_id,
            text=refusal(user_m(client, team_id, user_id), exc),
        )

    def answered(
        client: WebClient,
        team_id: str,
        user_id: str,
        channel: str | None,
        position: Position,
        view_: consent.RoundBrief,
    ) -> None:
        m = user_m(client, team_id, user_id)
        ephemeral(
            client, channel=channel, user=user_id, text=views.answer_recorded(m, position, view_)
        )
        kick_soon(deps, urgent=view_.complete)

    @app.action(ids.ACT_ANSWER_CONSENT)
    def on_consent_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        try:
            # Stored before the ack: once Slack hears "ok", the answer is safe.
            view_ = consent.answer(
                deps.sessions,
                team_id=team_id,
                round_id=int(action["value"]),
                user_id=user_id,
                position=Position.CONSENT,
                now=deps.clock(),
            )
        except DomainError as exc:
            ack()
            later(deps, client, body, refuse, client, team_id, user_id, channel, exc)
            return
        ack()
        later(
            deps, client, body, answered, client, team_id, user_id, channel, Position.CONSENT, view_
        )

    def open_reason(
        ack: Ack, body: dict[str, Any], round_id: int, position: Position, client: WebClient
    ) -> None:
        ack()
        later(deps, client, body, show_reason_modal, body, round_id, position, client)

    def show_reason_modal(
        body: dict[str, Any], round_id: int, position: Position, client: WebClient
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        try:
            consent.check_can_answer(
                deps.sessions, team_id=team_id, round_id=round_id, user_id=user_id, now=deps.clock()
            )
            view_ = consent.brief(deps.sessions, team_id=team_id, round_id=round_id)
        except DomainError as exc:
            ephemeral(client, channel=channel, user=user_id, text=refusal(m, exc))
            return
        meta = ReasonMeta(
            round_id=round_id, position=position, channel_id=channel or view_.channel_id
        )
        open_modal(
            client,
            body["trigger_id"],
            views.reason_modal(m, view_, position, meta.model_dump_json()),
            m,
            channel,
            user_id,
        )

    @app.action(ids.ACT_ANSWER_CONCERN)
    def on_concern_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        open_reason(ack, body, int(action["value"]), Position.CONCERN, client)

    @app.action(ids.ACT_ANSWER_OBJECTION)
    def on_objection_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        open_reason(ack, body, int(action["value"]), Position.OBJECTION, client)

    @app.action(ids.ACT_GIVE_REASON)
    def on_give_reason(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        open_reason(ack, body, int(action["value"]), Position.OBJECTION, client)

    @app.view(ids.CB_REASON_MODAL)
    def on_reason_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = (
            body["team"]["id"] if body.get("team") else body["user"]["team_id"],
            body["user"]["id"],
        )
        meta = ReasonMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        reason = _text(view["state"]["values"], ids.IN_REASON)
        try:
            view_ = consent.answer(
                deps.sessions,
                team_id=team_id,
                round_id=meta.round_id,
                user_id=user_id,
                position=meta.position,
                reason=reason,
                now=deps.clock(),
            )
        except DomainError as exc:
            block, message = field_error(m, exc)
            ack(response_action="errors", errors={block: message})
            return
        ack()
        later(
            deps,
            client,
            body,
            answered,
            client,
            team_id,
            user_id,
            meta.channel_id,
            meta.position,
            view_,
        )

    # ------------------------------------------------------------ the author's actions

    def author_action(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, withdraw: bool
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        try:
            consent.request_close(
                deps.sessions,
                team_id=team_id,
                round_id=int(action["value"]),
                user_id=user_id,
                withdraw=withdraw,
                now=deps.clock(),
            )
        except DomainError as exc:
            ephemeral(client, channel=channel, user=user_id, text=refusal(m, exc))
            return
        kick(deps)

    @app.action(ids.ACT_CLOSE_EARLY)
    def on_close_early(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        later(deps, client, body, author_action, body, action, client, False)

    @app.action(ids.ACT_WITHDRAW)
    def on_withdraw(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        later(deps, client, body, author_action, body, action, client, True)

    @app.action(ids.ACT_AMEND)
    def on_amend(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        later(deps, client, body, show_amend_modal, body, action, client)

    def show_amend_modal(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        try:
            view_ = consent.load(deps.sessions, team_id=team_id, round_id=int(action["value"]))
            if view_.author_id != user_id:
                raise rules.NotTheAuthor()
            if view_.status is rules.RoundStatus.OPEN:
                raise rules.RoundStillOpen()
        except DomainError as exc:
            ephemeral(client, channel=channel, user=user_id, text=refusal(m, exc))
            return
        meta = ConsentMeta(
            channel_id=view_.channel_id, proposal_id=view_.proposal_id, version=view_.version + 1
        )
        decision = view_.decision()
        initial = {
            "title": view_.title,
            "text": view_.text,
            "driver": view_.driver,
            "responsibilities": view_.responsibilities,
            "evaluation": view_.evaluation,
            "responsible_ids": view_.responsible_ids,
            "review_date": view_.review_date,
            "hidden": view_.hidden,
            "quorum": view_.quorum,
        }
        modal = proposal_modal(
            deps,
            client,
            team_id,
            user_id,
            meta,
            initial,
            objections=[(a.user_id, a.reason or "") for a in decision.objections],
        )
        open_modal(client, body["trigger_id"], modal, m, channel, user_id)

    @app.action(ids.ACT_EXTEND)
    def on_extend(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        later(deps, client, body, show_extend_modal, body, action, client)

    def show_extend_modal(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        try:
            view_ = consent.load(deps.sessions, team_id=team_id, round_id=int(action["value"]))
            if view_.author_id != user_id:
                raise rules.NotTheAuthor()
        except DomainError as exc:
            ephemeral(client, channel=channel, user=user_id, text=refusal(m, exc))
            return
        _, zone = today_for(client, team_id, user_id)
        meta = ExtendMeta(round_id=view_.id, channel_id=channel)
        modal = views.extend_modal(
            m, view_, rules.default_deadline(deps.clock(), str(zone)), meta.model_dump_json()
        )
        open_modal(client, body["trigger_id"], modal, m, channel, user_id)

    @app.view(ids.CB_EXTEND_MODAL)
    def on_extend_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = (
            body["team"]["id"] if body.get("team") else body["user"]["team_id"],
            body["user"]["id"],
        )
        meta = ExtendMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        raw = _value(view["state"]["values"], ids.IN_DEADLINE).get("selected_date_time")
        if not raw:
            ack(response_action="errors", errors={ids.IN_DEADLINE[0]: m._("Pick a deadline.")})
            return
        try:
            consent.extend(
                deps.sessions,
                team_id=team_id,
                round_id=meta.round_id,
                user_id=user_id,
                deadline=datetime.fromtimestamp(int(raw), UTC),
                now=deps.clock(),
            )
        except DomainError as exc:
            message = (
                field_error(m, exc)[1]
                if not isinstance(exc, rules.RoundClosed | rules.NotTheAuthor)
                else refusal(m, exc)
            )
            ack(response_action="errors", errors={ids.IN_DEADLINE[0]: message})
            return
        ack()
        deps.executor.submit(kick, deps)

    # ------------------------------------------------------------ reactions

    def on_reaction(
        *,
        team_id: str,
        channel_id: str,
        message_ts: str,
        user_id: str,
        reaction: str,
        added: bool,
        client: WebClient,
    ) -> Callable[[], None] | None:
        """Store the answer a reaction gives (or withdraws); return the Slack follow-up, if any."""
        position = rules.REACTIONS.get(reaction)
        if position is None:
            return None
        round_id = consent.round_at_message(
            deps.sessions, team_id=team_id, channel_id=channel_id, ts=message_ts
        )
        if round_id is None:
            return None
        if not added:
            if consent.withdraw_reaction(
                deps.sessions,
                team_id=team_id,
                round_id=round_id,
                user_id=user_id,
                reaction=reaction,
                now=deps.clock(),
            ):
                return lambda: kick(deps)
            return None
        try:
            view_ = consent.answer(
                deps.sessions,
                team_id=team_id,
                round_id=round_id,
                user_id=user_id,
                position=position,
                source="reaction",
                reaction=reaction,
                now=deps.clock(),
            )
        except DomainError:
            return None  # non-participants and late reactions are ignored
        return lambda: after_reaction(client, team_id, user_id, channel_id, position, view_)

    def after_reaction(
        client: WebClient,
        team_id: str,
        user_id: str,
        channel_id: str,
        position: Position,
        view_: consent.RoundBrief,
    ) -> None:
        if position is Position.OBJECTION_STARTED:
            m = user_m(client, team_id, user_id)
            text, blocks = views.ask_reason(m, view_)
            if not ephemeral(client, channel=channel_id, user=user_id, text=text, blocks=blocks):
                try:
                    channel = client.conversations_open(users=user_id)["channel"]["id"]
                    client.chat_postMessage(channel=channel, text=text, blocks=blocks)
                except SlackApiError as exc:
                    log.warning(
                        "could not ask %s for a reason: %s", user_id, exc.response.get("error")
                    )
        kick_soon(deps, urgent=view_.complete)

    from bot.handlers import reactions

    reactions.HOOKS.setdefault(deps, []).append(on_reaction)
