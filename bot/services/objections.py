"""Use cases of testing an objection: one function per intention, each stored (with what it
must tell people queued in the outbox) before the ack.

Ids that come from a button or a form are hints: the objection is looked up in the workspace,
must belong to the round named, and the form's channel must be the round's; the person is
checked against the rule (the objector, the author, a participant) at submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import objections as rules
from bot.domain.backlog import NextStep
from bot.domain.consent import Outcome, Position, RoundStatus
from bot.domain.errors import StaleRequest
from bot.domain.objections import Action, Change, Objection, ObjectionStatus
from bot.services import backlog, consent, payloads
from bot.services.views import ObjectionView
from bot.store import consent_repo, objections_repo, workspace_repo
from bot.store.db import transaction
from bot.store.models import ConsentRound
from bot.store.models import Objection as ObjectionRow

Factory = sessionmaker[Session]
Describe = Callable[[ObjectionView], str]  # the backlog item's text for a contested objection
PLACEHOLDER = "…"  # stands in for a reason not typed yet, when a form is about to open


@dataclass(frozen=True)
class Tested:
    """What a step did (`changed` False: the same click again, nothing new) and the
    objection as it stands now; `agreed` when the proposal became an agreement by it."""

    action: Action
    changed: bool
    objection: ObjectionView
    agreed: bool = False


@dataclass(frozen=True)
class Target:
    """Which objection a button or form names (hints, checked against the store)."""

    team_id: str
    round_id: int
    objection_id: int
    channel_id: str | None = None  # a form's channel, when it carries one


def load(factory: Factory, *, team_id: str, objection_id: int) -> ObjectionView:
    """An objection as it stands; ObjectionNotFound when it is not in this workspace."""
    with transaction(factory) as session:
        obj = objections_repo.get(session, team_id, objection_id)
        rnd = consent_repo.get_round(session, team_id, obj.round_id) if obj else None
        if obj is None or rnd is None:
            raise rules.ObjectionNotFound()
        return consent.objection_view(session, rnd, obj)


def set_message(factory: Factory, *, team_id: str, objection_id: int, ts: str) -> None:
    """Remember the thread reply that is the objection's place."""
    with transaction(factory) as session:
        obj = objections_repo.get(session, team_id, objection_id)
        if obj is not None:
            obj.message_ts = ts


def _found(
    session: Session, target: Target, *, lock: bool
) -> tuple[ConsentRound, ObjectionRow, Objection]:
    get = consent_repo.lock_round if lock else consent_repo.get_round
    rnd = get(session, target.team_id, target.round_id)
    obj = objections_repo.get(session, target.team_id, target.objection_id)
    if rnd is None or obj is None or obj.round_id != rnd.id:
        raise rules.ObjectionNotFound()
    if target.channel_id is not None and target.channel_id != rnd.channel_id:
        raise StaleRequest()
    latest = consent_repo.latest_round(session, rnd.team_id, rnd.proposal_id)
    if rnd.outcome == Outcome.WITHDRAWN.value or (latest is not None and latest.id != rnd.id):
        raise rules.ProposalMovedOn()
    return rnd, obj, Objection(obj.user_id, rnd.author_id, ObjectionStatus(obj.status))


def _rule(session: Session, rnd: ConsentRound, action: Action, user_id: str, reason: str | None):
    """The step `action` asks of the domain's objection (a closure, checked when called)."""

    def participant() -> bool:
        return consent_repo.is_participant(session, rnd.team_id, rnd.id, user_id)

    steps: dict[Action, Callable[[Objection], Change]] = {
        Action.THINK_CONCERN: lambda o: o.think_concern(user_id, reason, participant=participant()),
        Action.KEEP: lambda o: o.keep(user_id),
        Action.REFINE: lambda o: o.refine(user_id, reason),
        Action.TO_CONCERN: lambda o: o.to_concern(user_id),
        Action.NOT_QUALIFIED: lambda o: o.not_qualified(user_id, reason),
        Action.CONTEST: lambda o: o.contest(user_id),
        Action.ACCEPT: lambda o: o.accept(user_id),
        Action.DEFER: lambda o: o.defer(user_id, reason),
    }
    return steps[action]


def check(factory: Factory, target: Target, *, action: Action, user_id: str) -> ObjectionView:
    """The objection a person is about to act on through a form; the reason they may not,
    raised before the form opens (it is checked again at submit)."""
    with transaction(factory) as session:
        rnd, obj, objection = _found(session, target, lock=False)
        _rule(session, rnd, action, user_id, PLACEHOLDER)(objection)
        return consent.objection_view(session, rnd, obj)


def act(
    factory: Factory,
    target: Target,
    *,
    action: Action,
    user_id: str,
    now: datetime,
    reason: str | None = None,
    request_key: str | None = None,
    describe: Describe | None = None,
) -> Tested:
    """Take one step of an objection's test, stored with its history before the ack; what
    it tells people (the objector's DMs, the thread reply, the round's messages) is queued."""
    with transaction(factory) as session:
        workspace_repo.claim_request(session, target.team_id, request_key, now)
        rnd, obj, objection = _found(session, target, lock=True)
        change = _rule(session, rnd, action, user_id, reason)(objection)
        if not change.changed and action is not Action.THINK_CONCERN:
            return Tested(action, False, consent.objection_view(session, rnd, obj))
        if change.status is not None:
            obj.status = change.status.value
        obj.updated_at = now
        step = objections_repo.add_event(
            session, obj, action=action.value, actor_id=user_id, reason=change.reason, now=now
        )
        _follow_up(session, rnd, obj, change, step.id, now, describe)
        consent.queue_objection_update(session, rnd, obj, step.id, now)
        agreed = _agree_if_settled(session, rnd, now)
        return Tested(action, True, consent.objection_view(session, rnd, obj), agreed)


def _follow_up(
    session: Session,
    rnd: ConsentRound,
    obj: ObjectionRow,
    change: Change,
    step_id: int,
    now: datetime,
    describe: Describe | None,
) -> None:
    """What a step changes beyond the objection itself."""
    answer = consent_repo.answer_row(session, rnd.team_id, rnd.id, obj.user_id)
    if change.action is Action.THINK_CONCERN:
        _tell_objector(session, rnd, obj, payloads.ObjectionConcernView, step_id, now)
    elif change.action is Action.NOT_QUALIFIED:
        _tell_objector(session, rnd, obj, payloads.ObjectionNotQualified, step_id, now)
    elif change.action is Action.REFINE:
        assert change.reason is not None
        obj.reason = change.reason
        if answer is not None and answer.position == Position.OBJECTION.value:
            answer.reason = change.reason  # the amended proposal answers the refined objection
    elif change.action is Action.TO_CONCERN:
        if answer is not None:  # a concern: it does not block, and it is kept with the agreement
            answer.position, answer.reason = Position.CONCERN.value, obj.reason
    elif change.action is Action.CONTEST:
        view = consent.objection_view(session, rnd, obj)
        raised = backlog.raise_in(
            session, team_id=rnd.team_id, channel_id=rnd.channel_id, author_id=obj.user_id,
            text=describe(view) if describe else obj.reason, now=now, next_step=NextStep.DECIDE,
        )  # fmt: skip
        obj.item_id = raised.item.id


def _tell_objector(
    session: Session,
    rnd: ConsentRound,
    obj: ObjectionRow,
    kind: type[payloads.ObjectionConcernView] | type[payloads.ObjectionNotQualified],
    step_id: int,
    now: datetime,
) -> None:
    payloads.queue(
        session, team_id=rnd.team_id, key=f"objection-dm:{step_id}", kind="dm",
        target=obj.user_id, payload=kind(objection_id=obj.id, step_id=step_id), now=now,
    )  # fmt: skip


def _agree_if_settled(session: Session, rnd: ConsentRound, now: datetime) -> bool:
    """A closed round whose every objection became a concern or was accepted as not
    qualified becomes an agreement, without a new round."""
    if rnd.status != RoundStatus.CLOSED.value or rnd.outcome != Outcome.OBJECTIONS.value:
        return False
    session.flush()
    view = consent.load_in(session, rnd)
    decision = view.decision()
    if decision.outcome is not Outcome.CONSENTED:
        return False
    consent.agree_after_testing(session, rnd, view, decision, now)
    return True


# ---------------------------------------------------------------- "Does this resolve it?"


def _resolution_target(
    session: Session, team_id: str, objection_id: int, *, lock: bool
) -> tuple[ConsentRound, ObjectionRow, Objection]:
    """The objection an objector's Yes / No names (a hint: looked up in the workspace)."""
    obj = objections_repo.get(session, team_id, objection_id)
    get = consent_repo.lock_round if lock else consent_repo.get_round
    rnd = get(session, team_id, obj.round_id) if obj else None
    if obj is None or rnd is None:
        raise rules.ObjectionNotFound()
    return rnd, obj, Objection(obj.user_id, rnd.author_id, ObjectionStatus(obj.status))


def _kind(obj: ObjectionRow) -> rules.Resolution | None:
    return rules.Resolution(obj.resolution) if obj.resolution else None


def check_answer(
    factory: Factory, *, team_id: str, objection_id: int, user_id: str
) -> ObjectionView:
    """The objection its objector is about to say "no" to, in a form; the reason they may
    not, raised before the form opens (checked again at submit)."""
    with transaction(factory) as session:
        rnd, obj, objection = _resolution_target(session, team_id, objection_id, lock=False)
        objection.answer_resolution(user_id, False, PLACEHOLDER, kind=_kind(obj))
        return consent.objection_view(session, rnd, obj)


def answer_resolution(
    factory: Factory,
    *,
    team_id: str,
    objection_id: int,
    user_id: str,
    resolved: bool,
    now: datetime,
    reason: str | None = None,
    request_key: str | None = None,
) -> Tested:
    """The objector's answer to "Does this resolve your objection?", stored with its history
    before the ack (yes: resolved; no: why not); its thread reply is brought up to date."""
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        rnd, obj, objection = _resolution_target(session, team_id, objection_id, lock=True)
        change = objection.answer_resolution(user_id, resolved, reason, kind=_kind(obj))
        if not change.changed:
            return Tested(change.action, False, consent.objection_view(session, rnd, obj))
        assert change.status is not None
        obj.status, obj.updated_at = change.status.value, now
        step = objections_repo.add_event(
            session, obj, action=change.action.value, actor_id=user_id, reason=change.reason,
            now=now,
        )  # fmt: skip
        consent.queue_objection_update(session, rnd, obj, step.id, now)
        if obj.resolved_in is not None:  # the new version's round shows the answer too
            newer = consent_repo.get_round(session, team_id, obj.resolved_in)
            if newer is not None:
                consent_repo.bump(session, newer)
        return Tested(change.action, True, consent.objection_view(session, rnd, obj))


# ---------------------------------------------------------------- settled in the meeting


def contested_for_item(session: Session, team_id: str, item_id: int) -> ObjectionRow | None:
    """The contested objection a backlog item came from, still to settle (in the caller's
    transaction); None when the item came from none, or it is settled."""
    obj = objections_repo.of_item(session, team_id, item_id)
    if obj is None or obj.status != ObjectionStatus.CONTESTED.value:
        return None
    return obj


def settle_in_meeting(
    session: Session, team_id: str, item_id: int, *, actor: str, now: datetime
) -> ObjectionRow | None:
    """The governance meeting resolved the contested objection the item came from: marked
    resolved with its history, the round's messages brought up to date (queued), in the
    caller's transaction. None when there is no such objection to settle."""
    obj = contested_for_item(session, team_id, item_id)
    rnd = consent_repo.lock_round(session, team_id, obj.round_id) if obj else None
    if obj is None or rnd is None:
        return None
    change = Objection(obj.user_id, rnd.author_id, ObjectionStatus(obj.status)).settle()
    if change.status is None:
        return None
    obj.status, obj.updated_at = change.status.value, now
    step = objections_repo.add_event(
        session, obj, action=change.action.value, actor_id=actor, reason=None, now=now
    )
    consent.queue_objection_update(session, rnd, obj, step.id, now)
    return obj
