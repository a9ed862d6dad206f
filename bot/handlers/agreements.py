"""`/agreements`: the living logbook, and reviewing an agreement from its reminder."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import agreements as views
from bot.blocks import common, ids
from bot.blocks.text import mention
from bot.domain import review as rules
from bot.domain.consent import ProposalEmpty, ProposalTooLong, default_review_date
from bot.domain.errors import DomainError
from bot.handlers.consent import ConsentMeta, local_now, open_modal, proposal_modal
from bot.i18n import Messages
from bot.runtime.replies import ephemeral, later
from bot.scheduler import kick
from bot.services import agreements

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)


class AddMeta(BaseModel):
    """State carried through the add form."""

    channel_id: str


class ReviewMeta(BaseModel):
    """State carried through the keep, drop and snooze forms."""

    agreement_id: int
    expected: date
    channel_id: str | None = None


def refusal(m: Messages, exc: DomainError) -> str:
    """What to tell a person whose action on an agreement was refused."""
    if isinstance(exc, rules.AlreadyReviewed):
        if exc.by:
            labels = {
                "kept": m._("Keep"),
                "evolved": m._("Evolve"),
                "dropped": m._("Drop"),
                "snoozed": m._("Snooze"),
            }
            return m._(
                "This agreement was already reviewed: {who} chose “{action}”. Nothing more was recorded.",
                who=mention(exc.by),
                action=labels.get(exc.action or "", exc.action or "?"),
            )
        return m._(
            "This reminder is out of date: the agreement was reviewed meanwhile. Nothing more was recorded."
        )
    if isinstance(exc, rules.AgreementNotFound):
        return m._(
            "There is no agreement with that number in this channel. See them all with `/agreements`."
        )
    if isinstance(exc, rules.NotAMember):
        return m._(
            "Only members of <#{channel}> can add or change its agreements.", channel=str(exc)
        )
    return common.unexpected(m)


def _value(values: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
    return values.get(key[0], {}).get(key[1], {}) or {}


def register(app: App, deps: Deps) -> None:
    """Wire /agreements and the review buttons and forms."""

    def user_m(client: WebClient, team_id: str, user_id: str) -> Messages:
        return deps.people.user_messages(client, team_id, user_id)

    def require_member(client: WebClient, team_id: str, channel_id: str, user_id: str) -> None:
        if not deps.people.channels.includes(client, team_id, channel_id, user_id):
            raise rules.NotAMember(channel_id)

    # ------------------------------------------------------------ /agreements

    @app.command(ids.CMD_AGREEMENTS)
    def on_agreements(
        ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        later(deps, client, command, answer, command, client, respond)

    def answer(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
        m = user_m(client, team_id, user_id)
        word = (command.get("text") or "").strip().lstrip("#").lower()
        today = local_now(deps, client, team_id, user_id)[0].date()

        def tell(text: str, blocks: list[dict] | None = None) -> None:
            ephemeral(
                client, channel=channel_id, user=user_id, text=text, blocks=blocks, respond=respond
            )

        try:
            if word in ("add", "toevoegen", "nieuw"):
                require_member(client, team_id, channel_id, user_id)
                modal = views.add_modal(
                    m, AddMeta(channel_id=channel_id).model_dump_json(), default_review_date(today)
                )
                open_modal(client, command["trigger_id"], modal, m, channel_id, user_id)
            elif word.isdigit():
                view = agreements.detail(
                    deps.sessions, team_id=team_id, channel_id=channel_id, number=int(word)
                )
                tell(*views.agreement_detail(m, view, today))
            elif word in ("", "list", "lijst"):
                found = agreements.in_force(deps.sessions, team_id=team_id, channel_id=channel_id)
                tell(*views.register_list(m, channel_id, found, today))
            else:
                tell(
                    m._(
                        "Use `/agreements` for the list, `/agreements [number]` for one in full, or "
                        "`/agreements add` to record one made elsewhere."
                    )
                )
        except DomainError as exc:
            tell(refusal(m, exc))
        except SQLAlchemyError:
            log.exception("agreements unavailable")
            tell(common.db_down(m))

    @app.view(ids.CB_AGREEMENT_ADD)
    def on_add_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        meta = AddMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        values = view["state"]["values"]
        review_raw = _value(values, ids.IN_REVIEW_DATE).get("selected_date")
        if not review_raw:
            ack(
                response_action="errors", errors={ids.IN_REVIEW_DATE[0]: m._("Pick a review date.")}
            )
            return
        today = local_now(deps, client, team_id, user_id)[0].date()
        try:
            require_member(client, team_id, meta.channel_id, user_id)
            agreements.record(
                deps.sessions,
                team_id=team_id,
                channel_id=meta.channel_id,
                author_id=user_id,
                title=_value(values, ids.IN_TITLE).get("value") or "",
                text=_value(values, ids.IN_PROPOSAL).get("value") or "",
                driver=_value(values, ids.IN_DRIVER_TEXT).get("value"),
                responsibilities=_value(values, ids.IN_RESPONSIBILITIES).get("value"),
                evaluation=_value(values, ids.IN_EVALUATION).get("value"),
                responsible_ids=_value(values, ids.IN_RESPONSIBLE_PEOPLE).get("selected_users")
                or [],
                review_date=date.fromisoformat(review_raw),
                now=deps.clock(),
                today=today,
            )
        except rules.DateNotInFuture:
            ack(
                response_action="errors",
                errors={ids.IN_REVIEW_DATE[0]: m._("Pick a review date after today.")},
            )
            return
        except ProposalEmpty:
            ack(
                response_action="errors",
                errors={ids.IN_PROPOSAL[0]: m._("Write the agreement; it cannot be blank.")},
            )
            return
        except ProposalTooLong as exc:
            ack(
                response_action="errors",
                errors={
                    ids.IN_PROPOSAL[0]: m._(
                        "The proposal is {length} characters; the limit is {limit}.",
                        length=exc.length,
                        limit=exc.limit,
                    )
                },
            )
            return
        except DomainError as exc:
            ack(response_action="errors", errors={ids.IN_PROPOSAL[0]: refusal(m, exc)})
            return
        ack()
        deps.executor.submit(kick, deps)

    # ------------------------------------------------------------ reviewing from a reminder

    def review_action(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, what: str
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        m = user_m(client, team_id, user_id)
        agreement_id, expected = views.parse_review_value(action["value"])
        try:
            view = agreements.check_reviewable(
                deps.sessions, team_id=team_id, agreement_id=agreement_id, expected=expected
            )
            require_member(client, team_id, view.channel_id, user_id)
        except DomainError as exc:
            ephemeral(client, channel=channel, user=user_id, text=refusal(m, exc))
            return
        meta = ReviewMeta(
            agreement_id=agreement_id, expected=expected, channel_id=channel
        ).model_dump_json()
        today = local_now(deps, client, team_id, user_id)[0].date()
        if what == "keep":
            modal = views.date_modal(
                m,
                view,
                callback_id=ids.CB_AGREEMENT_KEEP,
                key=ids.IN_NEXT_REVIEW,
                title=m._("Keep the agreement"),
                label=m._("Next review date"),
                initial=default_review_date(today),
                metadata=meta,
                submit=m._("Keep"),
            )
        elif what == "snooze":
            modal = views.date_modal(
                m,
                view,
                callback_id=ids.CB_AGREEMENT_SNOOZE,
                key=ids.IN_SNOOZE_UNTIL,
                title=m._("Snooze the reminder"),
                label=m._("Remind me again on"),
                initial=rules.next_weekday(today.fromordinal(today.toordinal() + 7)),
                metadata=meta,
                submit=m._("Snooze"),
            )
        elif what == "drop":
            modal = views.drop_modal(m, view, meta)
        else:
            initial = {
                "title": view.title,
                "text": view.text,
                "driver": view.driver,
                "responsibilities": view.responsibilities,
                "evaluation": view.evaluation,
                "responsible_ids": view.responsible_ids,
            }
            consent_meta = ConsentMeta(channel_id=view.channel_id, evolves_agreement_id=view.id)
            modal = proposal_modal(deps, client, team_id, user_id, consent_meta, initial)
        open_modal(client, body["trigger_id"], modal, m, channel, user_id)

    def review_listener(what: str) -> Any:
        def on_review(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
        ) -> None:
            ack()
            later(deps, client, body, review_action, body, action, client, what)

        return on_review

    for action_id, what in (
        (ids.ACT_AGREEMENT_KEEP, "keep"),
        (ids.ACT_AGREEMENT_EVOLVE, "evolve"),
        (ids.ACT_AGREEMENT_DROP, "drop"),
        (ids.ACT_AGREEMENT_SNOOZE, "snooze"),
    ):
        app.action(action_id)(review_listener(what))

    def submit_review(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, what: str
    ) -> None:
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        meta = ReviewMeta.model_validate_json(view["private_metadata"])
        m = user_m(client, team_id, user_id)
        values = view["state"]["values"]
        today = local_now(deps, client, team_id, user_id)[0].date()
        field = {
            "keep": ids.IN_NEXT_REVIEW,
            "snooze": ids.IN_SNOOZE_UNTIL,
            "drop": ids.IN_DROP_REASON,
        }[what]
        common_args = dict(
            team_id=team_id,
            agreement_id=meta.agreement_id,
            actor=user_id,
            expected=meta.expected,
            now=deps.clock(),
        )
        try:
            if what == "drop":
                agreements.drop(
                    deps.sessions, reason=_value(values, field).get("value"), **common_args
                )
            else:
                raw = _value(values, field).get("selected_date")
                if not raw:
                    raise rules.DateNotInFuture()
                chosen = date.fromisoformat(raw)
                if what == "keep":
                    agreements.keep(deps.sessions, next_review=chosen, today=today, **common_args)
                else:
                    agreements.snooze(deps.sessions, until=chosen, today=today, **common_args)
        except rules.DateNotInFuture:
            ack(response_action="errors", errors={field[0]: m._("Pick a date after today.")})
            return
        except rules.DropNeedsReason:
            ack(
                response_action="errors",
                errors={field[0]: m._("Say why the agreement is dropped.")},
            )
            return
        except DomainError as exc:
            ack(response_action="errors", errors={field[0]: refusal(m, exc)})
            return
        ack()
        deps.executor.submit(kick, deps)

    def submit_listener(what: str) -> Any:
        def on_submit(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
        ) -> None:
            submit_review(ack, body, view, client, what)

        return on_submit

    for callback_id, what in (
        (ids.CB_AGREEMENT_KEEP, "keep"),
        (ids.CB_AGREEMENT_SNOOZE, "snooze"),
        (ids.CB_AGREEMENT_DROP, "drop"),
    ):
        app.view(callback_id)(submit_listener(what))
