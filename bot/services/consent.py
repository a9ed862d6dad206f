"""Use cases of async consent rounds: open, answer, close, nudge, and the result's paperwork."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as rules
from bot.domain.backlog import ItemStatus
from bot.domain.consent import Decision, Outcome, Position, RoundStatus
from bot.domain.errors import DomainError
from bot.domain.objections import Action, ObjectionStatus, Resolved
from bot.domain.objections import Objection as ObjectionRule
from bot.domain.review import AgreementNotFound
from bot.services import payloads, resolutions, subjects
from bot.services.views import (
    ObjectionView,
    ReactionAnswer,
    RoundBrief,
    RoundView,
    Waiting,
)
from bot.store import (
    agreements_repo,
    backlog_repo,
    consent_repo,
    meeting_repo,
    objections_repo,
    workflow_repo,
    workspace_repo,
)
from bot.store.db import transaction
from bot.store.models import Agreement, BacklogItem, Circle, ConsentRound, Objection, Proposal

Factory = sessionmaker[Session]
# Stores what a proposal decides besides an agreement; returns (Subject value, row id).
SubjectRow = Callable[[Session, Circle], tuple[str, int]]
# Links a new round to where its proposal was formed (round, proposal number, driver, now).
StartedFrom = Callable[[Session, ConsentRound, int, BacklogItem | None, datetime], object]


@dataclass(frozen=True)
class Draft:
    """What the author submitted for a round."""

    title: str
    text: str
    driver: str | None
    item_id: int | None
    responsibilities: str | None
    evaluation: str | None
    review_date: date
    deadline: datetime
    hidden: bool
    quorum: int | None
    participants: list[str]
    proposal_id: int | None = None  # set when amending: the new round is the next version
    responsible_ids: list[str] = field(default_factory=list)  # reminded when the review comes
    evolves_agreement_id: int | None = None  # set when the round proposes a new version of one
    answers_open_at: datetime | None = None  # a questions phase until then (None: answers open now)
    ask_response: bool = False  # participants are asked for a brief response in the thread first
    # What else the proposal decides (bot.domain.domains.Subject) and the row it is about;
    # consented (or not), bot.services.subjects tells the feature that owns it.
    subject: str | None = None
    subject_id: int | None = None
    # Amending: how the new version resolves each open objection of the previous one.
    resolutions: tuple[Resolved, ...] = ()


def brief(factory: Factory, *, team_id: str, round_id: int) -> RoundBrief:
    """A round's title and deadline, without its answers."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        return _brief(rnd)


def _brief(rnd: ConsentRound, *, complete: bool = False) -> RoundBrief:
    return RoundBrief(
        rnd.id, rnd.channel_id, rnd.title, rnd.deadline, rnd.text, complete, rnd.answers_open_at
    )


def _view(session: Session, rnd: ConsentRound) -> RoundView:
    proposal = consent_repo.get_proposal(session, rnd.team_id, rnd.proposal_id)
    item = backlog_repo.get_item(session, rnd.team_id, rnd.item_id) if rnd.item_id else None
    agreement = agreements_repo.agreement_for_round(session, rnd.team_id, rnd.id)
    first = subjects.shown_first(session, rnd, proposal)  # a nominee answers first
    given = consent_repo.answers(session, rnd.team_id, rnd.id)
    answers = dict(sorted(given.items(), key=lambda kv: kv[0] != first)) if first else given
    objections = sorted(
        (
            objection_view(session, rnd, o)
            for o in objections_repo.of_round(session, rnd.team_id, rnd.id)
        ),
        key=lambda o: o.user_id != first,
    )
    return RoundView(
        id=rnd.id,
        team_id=rnd.team_id,
        channel_id=rnd.channel_id,
        proposal_id=rnd.proposal_id,
        proposal_number=proposal.number if proposal else 0,
        version=rnd.version,
        author_id=rnd.author_id,
        title=rnd.title,
        text=rnd.text,
        driver=rnd.driver,
        item_number=item.number if item else None,
        responsibilities=rnd.responsibilities,
        evaluation=rnd.evaluation,
        review_date=rnd.review_date,
        deadline=rnd.deadline,
        hidden=rnd.hidden,
        quorum=rnd.quorum,
        status=RoundStatus(rnd.status),
        outcome=Outcome(rnd.outcome) if rnd.outcome else None,
        closed_at=rnd.closed_at,
        message_ts=rnd.message_ts,
        participants=consent_repo.participants(session, rnd.team_id, rnd.id),
        answers=answers,
        agreement_number=agreement.number if agreement else None,
        responsible_ids=json.loads(rnd.responsible_ids or "[]"),
        evolves_agreement_id=rnd.evolves_agreement_id,
        answers_open_at=rnd.answers_open_at,
        answers_opened_at=rnd.answers_opened_at,
        ask_response=bool(rnd.ask_response),
        objections=objections,
        result_ts=rnd.result_ts,
        sent_to_meeting_at=rnd.sent_to_meeting_at,
        meeting_for=rnd.meeting_for,
        controls=(rnd.controls_channel, rnd.controls_ts)
        if rnd.controls_channel and rnd.controls_ts
        else None,
        decided_at_meeting=_decided_at(session, rnd),
        meeting_id=rnd.meeting_id,
    )


def _decided_at(session: Session, rnd: ConsentRound) -> date | None:
    """The date of the governance meeting that decided the round, if one did."""
    if rnd.decided_meeting_id is None:
        return None
    found = meeting_repo.get(session, rnd.team_id, rnd.decided_meeting_id)
    return found.local_date if found else None


def objection_view(session: Session, rnd: ConsentRound, obj: Objection) -> ObjectionView:
    """An objection as people see it, with its round's essentials and its history."""
    return resolutions.objection_view(session, rnd, obj)


def _round(rnd: ConsentRound) -> rules.Round:
    """The domain round of a stored one."""
    return rules.Round(
        author_id=rnd.author_id,
        status=RoundStatus(rnd.status),
        outcome=Outcome(rnd.outcome) if rnd.outcome else None,
        deadline=rnd.deadline,
        closed_at=rnd.closed_at,
        answers_open_at=rnd.answers_open_at,
        hidden=bool(rnd.hidden),
    )


def load(factory: Factory, *, team_id: str, round_id: int) -> RoundView:
    """A round as it stands; RoundNotFound when it is not in this workspace."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        return _view(session, rnd)


def round_at_message(factory: Factory, *, team_id: str, channel_id: str, ts: str) -> int | None:
    """The id of the round posted as this message, if any."""
    with transaction(factory) as session:
        rnd = consent_repo.round_by_message(session, team_id, channel_id, ts)
        return rnd.id if rnd else None


def problems(draft: Draft, *, now: datetime, today: date) -> list[DomainError]:
    """Every rule the draft breaks, in the order the form shows them (none: it may open)."""
    checks = (
        lambda: rules.clean_proposal(draft.text),
        lambda: rules.check_deadline(draft.deadline, now),
        lambda: rules.check_questions_until(draft.answers_open_at, draft.deadline, now),
        lambda: rules.check_review_date(draft.review_date, today),
        lambda: rules.check_quorum(draft.quorum),
        lambda: rules.check_participants(draft.participants),
    )
    found: list[DomainError] = []
    for check in checks:
        try:
            check()
        except DomainError as exc:
            found.append(exc)
    return found


def validate(draft: Draft, *, now: datetime, today: date) -> Draft:
    """Check a draft against the rules; returns it with cleaned text."""
    for problem in problems(draft, now=now, today=today):
        raise problem
    text = rules.clean_proposal(draft.text)
    title = (draft.title or "").strip() or text.splitlines()[0]
    title = (
        title if len(title) <= rules.MAX_TITLE_LENGTH else title[: rules.MAX_TITLE_LENGTH - 1] + "…"
    )
    return replace(draft, text=text, title=title)


def open_round(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    author_id: str,
    draft: Draft,
    now: datetime,
    today: date,
    whole_channel: bool = False,
    request_key: str | None = None,
    subject: SubjectRow | None = None,
    describe: resolutions.DescribeMeeting | None = None,
    step_execution_id: str | None = None,
    started_from: StartedFrom | None = None,
) -> RoundView:
    """Start a round: a new proposal (version 1), or the next version of an amended one.

    Stored at once, with its message queued in the same transaction; a whole-channel round
    gets its people when that message is sent (no Slack call stands before this commit).
    `subject` stores the row the proposal is about (a domain description, a role, a
    selection's nominee) in that same transaction and says which one it is; a rule it breaks
    (a role name taken, say) rolls the whole round back. `started_from` links a new proposal's
    round to where it was formed (a governance meeting's item), in that transaction too.
    """
    draft = validate(draft, now=now, today=today)
    with transaction(factory) as session:
        workspace_repo.claim_request(session, team_id, request_key, now)
        circle = backlog_repo.lock_circle(session, team_id, channel_id, now)
        if subject is not None:
            kind, row_id = subject(session, circle)
            draft = replace(draft, subject=kind, subject_id=row_id)
        if draft.proposal_id is not None:
            proposal, version, draft = _next_version(session, team_id, author_id, draft)
        else:
            proposal, version = _new_proposal(session, circle, channel_id, author_id, draft, now)
        if draft.evolves_agreement_id is not None:
            # The form carries the id as a hint: it must be an agreement of this very channel.
            evolved = agreements_repo.get(session, team_id, draft.evolves_agreement_id)
            if evolved is None or evolved.channel_id != channel_id:
                raise AgreementNotFound()
        item_id = draft.item_id or proposal.item_id
        item = backlog_repo.get_item(session, team_id, item_id) if item_id else None
        if item is not None and item.channel_id != channel_id:
            item = None
        rnd = _new_round(session, proposal, version, channel_id, author_id, draft, item, now)
        if step_execution_id is not None:  # a Workflow Builder step: found again on a retry
            workflow_repo.record(session, team_id, step_execution_id, rnd.id, now)
        if version > 1:
            resolutions.record(session, rnd, draft.resolutions, now, describe)
            _objections_moved_on(session, team_id, proposal.id, version - 1, f"v{version}", now)
        if not whole_channel:
            consent_repo.add_participants(session, team_id, rnd.id, sorted(set(draft.participants)))
        payloads.queue(
            session,
            team_id=team_id,
            key=round_message_key(rnd.id),
            target=channel_id,
            payload=payloads.RoundMessage(round_id=rnd.id, whole_channel=whole_channel),
            now=now,
        )
        # The author's controls (close now, withdraw, send to the meeting, extend) reach only
        # the author: by DM, not as buttons every participant sees and is refused on.
        payloads.queue(
            session, team_id=team_id, key=controls_key(rnd.id), kind="dm",
            target=author_id, payload=payloads.RoundAuthorControls(round_id=rnd.id), now=now,
        )  # fmt: skip
        if item is not None and item.status in (ItemStatus.NEW.value, ItemStatus.BACKLOG.value):
            item.status = ItemStatus.IN_PROGRESS.value
            item.updated_at = now
            backlog_repo.add_history(
                session, item, actor_id=author_id, action="consent_round",
                detail=f"P{proposal.number} v{version}", now=now,
            )  # fmt: skip
        if started_from is not None and version == 1:
            started_from(session, rnd, proposal.number, item, now)
        session.flush()
        return _view(session, rnd)


def _next_version(
    session: Session, team_id: str, author_id: str, draft: Draft
) -> tuple[Proposal, int, Draft]:
    """The amended proposal, reopened, and the version its next round gets."""
    assert draft.proposal_id is not None
    proposal = consent_repo.get_proposal(session, team_id, draft.proposal_id)
    if proposal is None:
        raise rules.RoundNotFound()
    rules.check_author(proposal.author_id, author_id)
    previous = consent_repo.latest_round(session, team_id, proposal.id)
    if previous is not None and previous.status == RoundStatus.OPEN.value:
        raise rules.RoundStillOpen()
    version = (previous.version if previous else 0) + 1
    proposal.status = "open"
    if previous is not None and draft.evolves_agreement_id is None:
        draft = replace(draft, evolves_agreement_id=previous.evolves_agreement_id)
    return proposal, version, draft


def _new_proposal(
    session: Session, circle: Circle, channel_id: str, author_id: str, draft: Draft, now: datetime
) -> tuple[Proposal, int]:
    """A new proposal, numbered in its circle; its first round is version 1."""
    proposal = Proposal(
        team_id=circle.team_id,
        channel_id=channel_id,
        number=circle.next_proposal_number,
        author_id=author_id,
        item_id=draft.item_id,
        status="open",
        subject=draft.subject,
        subject_id=draft.subject_id,
        created_at=now,
    )
    circle.next_proposal_number += 1
    session.add(proposal)
    session.flush()
    return proposal, 1


def _new_round(
    session: Session,
    proposal: Proposal,
    version: int,
    channel_id: str,
    author_id: str,
    draft: Draft,
    item: BacklogItem | None,
    now: datetime,
) -> ConsentRound:
    """The round's row, open from now until the draft's deadline."""
    rnd = ConsentRound(
        team_id=proposal.team_id,
        channel_id=channel_id,
        proposal_id=proposal.id,
        version=version,
        author_id=author_id,
        title=draft.title,
        text=draft.text,
        driver=draft.driver or (item.text if item else None),
        item_id=item.id if item else None,
        responsibilities=_blank_none(draft.responsibilities),
        evaluation=_blank_none(draft.evaluation),
        review_date=draft.review_date,
        deadline=draft.deadline,
        nudge_at=rules.nudge_time(draft.answers_open_at or now, draft.deadline),
        nudged=False,
        hidden=draft.hidden,
        quorum=draft.quorum,
        answers_open_at=draft.answers_open_at,
        ask_response=draft.ask_response,
        responsible_ids=json.dumps(sorted(set(draft.responsible_ids))),
        evolves_agreement_id=draft.evolves_agreement_id,
        status=RoundStatus.OPEN.value,
        seq=0,
        rendered_seq=0,
        created_at=now,
    )
    session.add(rnd)
    session.flush()
    return rnd


def _blank_none(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def controls_key(round_id: int, change: str | None = None) -> str:
    """The outbox key of the author's DM control message of a round (posted; or updated
    after `change`)."""
    return f"round-controls:{round_id}" + (f":{change}" if change else "")


def queue_controls(session: Session, rnd: ConsentRound, change: str, now: datetime) -> None:
    """Bring the author's DM controls up to date after a change to what they allow."""
    payloads.queue(
        session, team_id=rnd.team_id, key=controls_key(rnd.id, change), kind="dm",
        target=rnd.author_id, payload=payloads.RoundAuthorControls(round_id=rnd.id), now=now,
    )  # fmt: skip


def round_message_key(round_id: int) -> str:
    """The outbox key of a round's message in its channel."""
    return f"round-message:{round_id}"


def set_participants(factory: Factory, *, team_id: str, round_id: int, users: list[str]) -> bool:
    """Give a whole-channel round its people, once (False when it has them already)."""
    with transaction(factory) as session:
        consent_repo.lock_round(session, team_id, round_id)
        if consent_repo.participants(session, team_id, round_id):
            return False
        # roles (issue 10): the delegates who represent their circles here take part too
        from bot.store.roles_repo import delegates_in

        users = [
            *users,
            *delegates_in(
                session, team_id, consent_repo.get_round(session, team_id, round_id).channel_id
            ),
        ]
        consent_repo.add_participants(session, team_id, round_id, sorted(set(users)))
        return True


def set_message(factory: Factory, *, team_id: str, round_id: int, ts: str) -> None:
    """Remember the channel message that shows the round."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is not None:
            rnd.message_ts = ts


def set_controls_message(
    factory: Factory, *, team_id: str, round_id: int, channel: str, ts: str
) -> None:
    """Remember the author's DM control message (kept up to date with the round)."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is not None:
            rnd.controls_channel, rnd.controls_ts = channel, ts


def send_to_meeting(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, now: datetime
) -> tuple[RoundView, bool]:
    """The author sends the round to the circle's next governance meeting: stored once (the
    second click changes nothing: False), with the meeting it goes to; its messages say so."""
    from bot.domain.objections import ProposalMovedOn
    from bot.services import rhythm

    with transaction(factory) as session:
        rnd = consent_repo.lock_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        _round(rnd).check_send_to_meeting(user_id)
        latest = consent_repo.latest_round(session, team_id, rnd.proposal_id)
        if rnd.outcome == Outcome.WITHDRAWN.value or (latest is not None and latest.id != rnd.id):
            raise ProposalMovedOn()
        if rnd.sent_to_meeting_at is not None:
            return _view(session, rnd), False
        rnd.sent_to_meeting_at = now
        rnd.meeting_for = rhythm.next_meeting_in(session, team_id, rnd.channel_id, now)
        consent_repo.bump(session, rnd)
        queue_controls(session, rnd, "sent", now)
        session.flush()
        return _view(session, rnd), True


def set_result_message(factory: Factory, *, team_id: str, round_id: int, ts: str) -> None:
    """Remember the thread reply that shows the round's result (kept up to date with it)."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is not None:
            rnd.result_ts = ts


def discard(factory: Factory, *, team_id: str, round_id: int) -> None:
    """Remove a round that could not be posted, so nobody is asked to answer an invisible round."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is None:
            return
        proposal = consent_repo.get_proposal(session, team_id, rnd.proposal_id)
        session.delete(rnd)
        session.flush()
        if (
            proposal is not None
            and consent_repo.latest_round(session, team_id, proposal.id) is None
        ):
            session.delete(proposal)


def _check_can_answer(
    session: Session, rnd: ConsentRound | None, user_id: str, now: datetime
) -> ConsentRound:
    if rnd is None:
        raise rules.RoundNotFound()
    if rnd.decided_meeting_id is not None:  # decided at the meeting: say so, not "closed"
        agreement = agreements_repo.agreement_for_round(session, rnd.team_id, rnd.id)
        raise rules.DecidedAtMeeting(agreement.number if agreement else None)
    round_ = _round(rnd)
    participant = round_.takes_answers(now) and consent_repo.is_participant(
        session, rnd.team_id, rnd.id, user_id
    )
    round_.check_answer(now, participant=participant)
    return rnd


def check_can_answer(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, now: datetime
) -> None:
    """Raise the reason this person may not answer now, if any."""
    with transaction(factory) as session:
        _check_can_answer(session, consent_repo.get_round(session, team_id, round_id), user_id, now)


def answerable(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, now: datetime
) -> RoundBrief:
    """The round this person is about to answer; the reason they may not, raised."""
    check_can_answer(factory, team_id=team_id, round_id=round_id, user_id=user_id, now=now)
    return brief(factory, team_id=team_id, round_id=round_id)


def amendable(factory: Factory, *, team_id: str, round_id: int, user_id: str) -> RoundView:
    """A closed round its author is about to amend into the next version."""
    view = load(factory, team_id=team_id, round_id=round_id)
    _view_round(view).check_amend(user_id)
    return view


def extendable(factory: Factory, *, team_id: str, round_id: int, user_id: str) -> RoundView:
    """A round its author is about to give a new deadline."""
    view = load(factory, team_id=team_id, round_id=round_id)
    _view_round(view).check_extend(user_id)
    return view


def _view_round(view: RoundView) -> rules.Round:
    return rules.Round(
        view.author_id, view.status, view.outcome, view.deadline, view.closed_at,
        view.answers_open_at, view.hidden,
    )  # fmt: skip


def answer(
    factory: Factory,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    position: Position,
    reason: str | None = None,
    source: str = "button",
    reaction: str | None = None,
    now: datetime,
) -> RoundBrief:
    """Record a participant's answer (the latest counts).

    Many people answer one round at once: the round row is only share-locked
    (the close sweep's exclusive lock still waits for answers in flight), and the
    update of its change counter comes last, so the exclusive part is short.
    """
    if position is not Position.OBJECTION_STARTED:
        reason = rules.clean_reason(position, reason)
    with transaction(factory) as session:
        rnd = _check_can_answer(
            session, consent_repo.lock_round(session, team_id, round_id, shared=True), user_id, now
        )
        consent_repo.upsert_answer(
            session,
            team_id=team_id,
            round_id=round_id,
            user_id=user_id,
            position=position,
            reason=reason,
            source=source,
            reaction=reaction,
            now=now,
        )
        _sync_objection(session, rnd, user_id, position, reason, now)
        complete = consent_repo.counted_answers(
            session, round_id
        ) >= consent_repo.participant_count(session, team_id, round_id)
        consent_repo.bump(session, rnd)
        return _brief(rnd, complete=complete)


def answer_by_reaction(
    factory: Factory,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    reaction: str,
    now: datetime,
) -> ReactionAnswer | None:
    """Record the answer a reaction gives; None when it gives none (refused reactions are
    ignored: a non-participant's or a late one says nothing to anyone).

    Where answers are hidden, a reaction (which everyone sees) does not count, nor does one
    during the questions phase: nothing is stored, and a participant is told so (`counted`
    False)."""
    position = rules.REACTIONS.get(reaction)
    if position is None:
        return None
    if (uncounted := _uncounted_reaction(factory, team_id, round_id, user_id, now)) is not None:
        return uncounted
    try:
        brief = answer(
            factory,
            team_id=team_id,
            round_id=round_id,
            user_id=user_id,
            position=position,
            source="reaction",
            reaction=reaction,
            now=now,
        )
    except DomainError:
        return None
    return ReactionAnswer(brief, counted=True)


def _uncounted_reaction(
    factory: Factory, team_id: str, round_id: int, user_id: str, now: datetime
) -> ReactionAnswer | None:
    """A participant's reaction on an open round whose answers are hidden, or not open yet:
    not counted (None: it may count, or it says nothing to anyone)."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is None:
            return None
        round_ = _round(rnd)
        if not round_.is_open or now >= round_.deadline:
            return None
        too_early = round_.in_questions(now)
        if round_.counts_reaction() and not too_early:
            return None
        if not consent_repo.is_participant(session, team_id, round_id, user_id):
            return None
        return ReactionAnswer(_brief(rnd), counted=False, too_early=too_early)


def watch_opening(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, now: datetime
) -> RoundBrief:
    """A participant asks to be told (by DM) when the round's answers open; stored once."""
    with transaction(factory) as session:
        rnd = consent_repo.get_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        participant = consent_repo.is_participant(session, team_id, round_id, user_id)
        _round(rnd).check_watch(now, participant=participant)
        consent_repo.add_watcher(session, team_id, round_id, user_id, now)
        return _brief(rnd)


def withdraw_reaction(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, reaction: str, now: datetime
) -> bool:
    """Removing a reaction withdraws the answer it gave (not one given since by button)."""
    with transaction(factory) as session:
        rnd = consent_repo.lock_round(session, team_id, round_id)
        if rnd is None or not _round(rnd).takes_answers(now):
            return False
        row = consent_repo.answer_row(session, team_id, round_id, user_id)
        if row is None or row.source != "reaction" or row.reaction != reaction:
            return False
        session.delete(row)
        consent_repo.bump(session, rnd)
        return True


def request_close(
    factory: Factory, *, team_id: str, round_id: int, user_id: str, withdraw: bool, now: datetime
) -> RoundView:
    """The author closes the round early, or withdraws the proposal; the sweep does the closing."""
    with transaction(factory) as session:
        rnd = consent_repo.lock_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        request = _round(rnd).close_request(user_id, withdraw=withdraw)
        if request is rules.CloseRequest.WITHDRAW_RESULT:
            proposal = consent_repo.get_proposal(session, team_id, rnd.proposal_id)
            if proposal is not None:
                proposal.status = "withdrawn"
            rnd.outcome = Outcome.WITHDRAWN.value
            _release_item(session, rnd, user_id, now)
            consent_repo.bump(session, rnd)
            _objections_moved_on(session, team_id, rnd.proposal_id, rnd.version, "withdrawn", now)
            queue_controls(session, rnd, "withdrawn", now)
        elif request is rules.CloseRequest.WITHDRAW:
            rnd.withdraw_requested = True
        else:
            rnd.close_requested_by = user_id
        session.flush()
        return _view(session, rnd)


def extend(
    factory: Factory,
    *,
    team_id: str,
    round_id: int,
    user_id: str,
    deadline: datetime,
    now: datetime,
) -> RoundView:
    """Reopen a round that closed without quorum, with a new deadline."""
    with transaction(factory) as session:
        rnd = consent_repo.lock_round(session, team_id, round_id)
        if rnd is None:
            raise rules.RoundNotFound()
        if _round(rnd).extension(user_id, deadline, now):
            rnd.status = RoundStatus.OPEN.value
            rnd.outcome = None
            rnd.closed_at = None
            rnd.close_requested_by = None
        rnd.deadline = deadline
        rnd.nudge_at = rules.nudge_time(_round(rnd).answers_open(now), deadline)
        rnd.nudged = False
        consent_repo.bump(session, rnd)
        queue_controls(session, rnd, f"extended:{deadline.isoformat()}", now)
        session.flush()
        return _view(session, rnd)


def _release_item(session: Session, rnd: ConsentRound, actor: str, now: datetime) -> None:
    """A withdrawn proposal gives its driver back to the backlog."""
    item = backlog_repo.get_item(session, rnd.team_id, rnd.item_id) if rnd.item_id else None
    if item is not None and item.status == ItemStatus.IN_PROGRESS.value:
        item.status = ItemStatus.BACKLOG.value
        item.updated_at = now
        backlog_repo.add_history(
            session, item, actor_id=actor, action="proposal_withdrawn", detail=None, now=now
        )


# ---------------------------------------------------------------- sweeps


def close_due(factory: Factory, *, now: datetime, limit: int = 100, on_decided=None) -> list[int]:  # type: ignore[no-untyped-def]
    """Sweep: close every round that is due, each exactly once (safe on several replicas).

    Each round closes in one transaction that holds its row lock: the outcome, the
    agreement, the backlog item and the messages to send (outbox) commit together or
    not at all, so a process dying mid-close leaves the round open for the next sweep.
    """
    with transaction(factory) as session:
        due = consent_repo.due_round_ids(session, now, limit)
    closed: list[int] = []
    for team_id, round_id in due:
        with transaction(factory) as session:
            rnd = consent_repo.lock_round(session, team_id, round_id, skip_locked=True)
            if rnd is None or rnd.status != RoundStatus.OPEN.value:
                continue  # another replica has it, or closed it already
            view = _view(session, rnd)
            requested = bool(rnd.close_requested_by or rnd.withdraw_requested)
            if not _round(rnd).due(
                now, requested=requested, participants=view.participants, answers=view.answers
            ):
                continue
            decision = rules.decide(
                view.participants, view.answers, rnd.quorum, withdrawn=rnd.withdraw_requested,
                dismissed=view.dismissed,
            )  # fmt: skip
            _apply(session, rnd, view, decision, now)
            if on_decided is not None:
                on_decided(rnd.id)  # test hook: a crash here must roll everything back
            closed.append(rnd.id)
    return closed


def _apply(
    session: Session, rnd: ConsentRound, view: RoundView, decision: Decision, now: datetime
) -> None:
    """Close the round with its decision, do its paperwork and queue its announcements."""
    rnd.status = RoundStatus.CLOSED.value
    rnd.outcome = decision.outcome.value
    rnd.closed_at = now
    consent_repo.bump(session, rnd)
    proposal = consent_repo.get_proposal(session, rnd.team_id, rnd.proposal_id)
    if decision.outcome is Outcome.CONSENTED:
        _consented(session, rnd, view, decision, proposal, now)
    elif decision.outcome is Outcome.WITHDRAWN:
        if proposal is not None:
            proposal.status = "withdrawn"
            subjects.not_consented(session, rnd, proposal, decision.outcome.value, now)
        _release_item(session, rnd, rnd.author_id, now)
    elif proposal is not None:
        subjects.not_consented(session, rnd, proposal, decision.outcome.value, now)
    _announce_result(session, rnd, now)
    if decision.outcome is not Outcome.WITHDRAWN:
        _resolve_previous(session, rnd, view, now)
    if decision.outcome is Outcome.OBJECTIONS:
        # Each objection gets its own place in the thread, below the result, to be tested.
        for answer_ in decision.objections:
            found = objections_repo.of_person(session, rnd.team_id, rnd.id, answer_.user_id)
            if found is None or found.status == ObjectionStatus.WITHDRAWN.value:
                raise_objection(session, rnd, answer_.user_id, answer_.reason or "", now)


def _resolve_previous(session: Session, rnd: ConsentRound, view: RoundView, now: datetime) -> None:
    """The objections to the previous version that their objectors now consent to (or only
    have a concern with) are resolved: recorded, and their thread replies say so."""
    if rnd.version <= 1:
        return
    rounds = consent_repo.rounds_of(session, rnd.team_id, rnd.proposal_id)
    previous = next((r for r in rounds if r.version == rnd.version - 1), None)
    if previous is None:
        return
    for obj in objections_repo.of_round(session, rnd.team_id, previous.id):
        given = view.answers.get(obj.user_id)
        rule = ObjectionRule(obj.user_id, previous.author_id, ObjectionStatus(obj.status))
        change = rule.resolution(given.position if given else None)
        if change is None or change.status is None:
            continue
        obj.status, obj.updated_at = change.status.value, now
        step = objections_repo.add_event(
            session, obj, action=change.action.value, actor_id=obj.user_id, reason=None, now=now
        )
        queue_objection_update(session, previous, obj, step.id, now)


def close_decided_at_meeting(
    session: Session, rnd: ConsentRound, proposal: Proposal, meeting_id: int, now: datetime
) -> None:
    """A round sent to the governance meeting, decided there by a quick consent of the people
    present (its agreement made by the caller, in this transaction): closed as consented at
    that meeting (no more answers), its proposal agreed; its message brought up to date, its
    result in its thread and to its author queued."""
    if rnd.status == RoundStatus.OPEN.value:
        rnd.status, rnd.closed_at = RoundStatus.CLOSED.value, now
    rnd.outcome = Outcome.CONSENTED.value
    rnd.decided_meeting_id = meeting_id
    proposal.status = "agreed"
    consent_repo.bump(session, rnd)
    _announce_result(session, rnd, now, occasion=f"meeting:{meeting_id}")


def agree_after_testing(
    session: Session, rnd: ConsentRound, view: RoundView, decision: Decision, now: datetime
) -> None:
    """Every objection of the closed round became a concern or was accepted as not qualified:
    the proposal becomes an agreement without a new round (the same paperwork as consent)."""
    rnd.outcome = Outcome.CONSENTED.value
    consent_repo.bump(session, rnd)
    proposal = consent_repo.get_proposal(session, rnd.team_id, rnd.proposal_id)
    _consented(session, rnd, view, decision, proposal, now)
    _announce_result(session, rnd, now, occasion="tested")


def _consented(
    session: Session,
    rnd: ConsentRound,
    view: RoundView,
    decision: Decision,
    proposal: Proposal | None,
    now: datetime,
) -> None:
    """The paperwork of consent: the agreement (unless the subject keeps its own record), the
    subject's own step (a domain description in force, a role, a role holder), the item."""
    subject = subjects.of(proposal)
    agreement = (
        _record_agreement(session, rnd, view, decision, now)
        if subject is None or subject.records_agreement
        else None
    )
    if proposal is not None:
        proposal.status = "agreed"
        subjects.consented(session, rnd, proposal, agreement, now)
    _finish_item(session, rnd, view, now)
    from bot.services import concerns  # it raises backlog items, as this module's callers do

    concerns.ask_at_consent(session, rnd, decision, now)


def objection_thread_key(objection_id: int) -> str:
    """The outbox key of an objection's thread reply."""
    return f"objection-thread:{objection_id}"


def raise_objection(
    session: Session, rnd: ConsentRound, user_id: str, reason: str, now: datetime
) -> Objection:
    """An objection gets its place in the round's thread (raised again: brought up to date)."""
    obj = objections_repo.upsert(
        session, team_id=rnd.team_id, round_id=rnd.id, user_id=user_id, reason=reason,
        status=ObjectionStatus.RAISED.value, now=now,
    )  # fmt: skip
    step = objections_repo.add_event(
        session, obj, action=Action.RAISED.value, actor_id=user_id, reason=reason, now=now
    )
    payloads.queue(
        session, team_id=rnd.team_id, key=objection_thread_key(obj.id), target=rnd.channel_id,
        payload=payloads.ObjectionThread(objection_id=obj.id), now=now,
    )  # fmt: skip
    queue_objection_update(session, rnd, obj, step.id, now)
    return obj


def queue_objection_update(
    session: Session, rnd: ConsentRound, obj: Objection, step_id: int, now: datetime
) -> None:
    """Bring the objection's thread reply (once posted) and the round's messages up to date."""
    consent_repo.bump(session, rnd)
    if obj.message_ts:  # not posted yet: its post will show it as it stands then
        payloads.queue(
            session, team_id=rnd.team_id, key=f"objection-update:{step_id}",
            target=rnd.channel_id, payload=payloads.ObjectionUpdate(objection_id=obj.id), now=now,
        )  # fmt: skip


def _objections_moved_on(
    session: Session, team_id: str, proposal_id: int, version: int, why: str, now: datetime
) -> None:
    """The proposal moved on (amended into the next version, or withdrawn): the objections
    of that version's round are no longer tested there, and their replies say so."""
    rounds = consent_repo.rounds_of(session, team_id, proposal_id)
    rnd = next((r for r in rounds if r.version == version), None)
    if rnd is None:
        return
    for obj in objections_repo.of_round(session, team_id, rnd.id):
        if obj.message_ts:  # not posted yet: its post will show it as it stands then
            payloads.queue(
                session, team_id=team_id, key=f"objection-update:{obj.id}:{why}",
                target=rnd.channel_id, payload=payloads.ObjectionUpdate(objection_id=obj.id),
                now=now,
            )  # fmt: skip


def _sync_objection(
    session: Session,
    rnd: ConsentRound,
    user_id: str,
    position: Position,
    reason: str | None,
    now: datetime,
) -> None:
    """Where answers are public, an objection is tested while the round is open: it gets its
    place when given; another answer withdraws it."""
    if rnd.hidden or position is Position.OBJECTION_STARTED:
        return
    found = objections_repo.of_person(session, rnd.team_id, rnd.id, user_id)
    settled = (ObjectionStatus.WITHDRAWN.value, ObjectionStatus.CONCERN.value)
    if position is Position.OBJECTION:
        if found is None or found.status in settled or found.reason != reason:
            raise_objection(session, rnd, user_id, reason or "", now)
    elif found is not None and found.status not in settled:
        found.status, found.updated_at = ObjectionStatus.WITHDRAWN.value, now
        step = objections_repo.add_event(
            session, found, action=Action.WITHDRAW.value, actor_id=user_id, reason=None, now=now
        )
        queue_objection_update(session, rnd, found, step.id, now)


def _record_agreement(
    session: Session, rnd: ConsentRound, view: RoundView, decision: Decision, now: datetime
) -> Agreement:
    """A consented round becomes an agreement, or the next version of the one it evolves."""
    concerns = json.dumps([{"user": a.user_id, "reason": a.reason} for a in decision.concerns])
    answers = json.dumps(
        {
            "participants": view.participants,
            "answers": {
                u: {"position": a.position.value, "reason": a.reason}
                for u, a in view.answers.items()
            },
        }
    )
    evolving = (
        agreements_repo.get(session, rnd.team_id, rnd.evolves_agreement_id, lock=True)
        if rnd.evolves_agreement_id
        else None
    )
    if evolving is not None:
        from bot.services.agreements import evolve

        evolve(
            session,
            evolving,
            text=rnd.text,
            title=rnd.title,
            driver=rnd.driver,
            responsibilities=rnd.responsibilities,
            evaluation=rnd.evaluation,
            concerns=concerns,
            answers=answers,
            review_date=rnd.review_date,
            responsible_ids=rnd.responsible_ids,
            round_id=rnd.id,
            actor=rnd.author_id,
            now=now,
        )
        return evolving
    circle = backlog_repo.lock_circle(session, rnd.team_id, rnd.channel_id, now)
    agreement = agreements_repo.create(
        session,
        number=circle.next_agreement_number,
        now=now,
        team_id=rnd.team_id,
        channel_id=rnd.channel_id,
        title=rnd.title,
        text=rnd.text,
        driver=rnd.driver,
        responsibilities=rnd.responsibilities,
        evaluation=rnd.evaluation,
        concerns=concerns,
        answers=answers,
        review_date=rnd.review_date,
        author_id=rnd.author_id,
        responsible_ids=rnd.responsible_ids or "[]",
        proposal_id=rnd.proposal_id,
        round_id=rnd.id,
        round_link=None,
    )
    circle.next_agreement_number += 1
    return agreement


def _finish_item(session: Session, rnd: ConsentRound, view: RoundView, now: datetime) -> None:
    """The driver's backlog item is done once its proposal is agreed."""
    item = backlog_repo.get_item(session, rnd.team_id, rnd.item_id) if rnd.item_id else None
    if item is None:
        return
    item.status = ItemStatus.DONE.value
    item.rank = None
    item.updated_at = now
    backlog_repo.add_history(
        session,
        item,
        actor_id=rnd.author_id,
        action="agreed",
        detail=f"P{view.proposal_number} v{rnd.version}",
        now=now,
    )
    # Its rank is left free: the items below keep theirs and show one place higher.


def _announce_result(
    session: Session, rnd: ConsentRound, now: datetime, occasion: str = "closed"
) -> None:
    """Queue the result for the channel and for the author (once per deadline and occasion:
    the close, or the agreement after its objections were tested)."""
    when = rnd.deadline.isoformat() + ("" if occasion == "closed" else f":{occasion}")
    payloads.queue(
        session,
        team_id=rnd.team_id,
        key=f"round-result:{rnd.id}:{when}",
        target=rnd.channel_id,
        payload=payloads.RoundResult(round_id=rnd.id),
        now=now,
    )
    payloads.queue(
        session,
        team_id=rnd.team_id,
        key=f"round-result-author:{rnd.id}:{when}",
        kind="dm",
        target=rnd.author_id,
        payload=payloads.RoundResultAuthor(round_id=rnd.id),
        now=now,
    )
    queue_controls(session, rnd, when, now)


def open_answers_due(factory: Factory, *, now: datetime, limit: int = 100) -> int:
    """Sweep: open the answers of rounds whose questions phase has ended, each once (safe on
    several replicas): the message is brought up to date, and who asked is told by DM."""
    with transaction(factory) as session:
        due = consent_repo.due_openings(session, now, limit)
    opened = 0
    for team_id, round_id in due:
        with transaction(factory) as session:
            rnd = consent_repo.lock_round(session, team_id, round_id, skip_locked=True)
            if rnd is None or rnd.answers_opened_at is not None:
                continue  # another replica has it, or opened it already
            if rnd.status != RoundStatus.OPEN.value or _round(rnd).in_questions(now):
                continue
            rnd.answers_opened_at = now
            consent_repo.bump(session, rnd)
            for user in consent_repo.watchers(session, team_id, round_id):
                payloads.queue(
                    session,
                    team_id=team_id,
                    key=f"answers-open:{round_id}:{user}",
                    kind="dm",
                    target=user,
                    payload=payloads.RoundAnswersOpen(round_id=round_id),
                    now=now,
                )
            opened += 1
    return opened


@dataclass(frozen=True)
class NudgeDue:
    """A round whose reminder time has come, and its participants who have not answered."""

    team_id: str
    round_id: int
    deadline: datetime
    silent: list[str]


def nudges_due(factory: Factory, *, now: datetime, limit: int = 100) -> list[NudgeDue]:
    """Rounds whose reminder time has come and nobody has reminded yet, with who is silent."""
    with transaction(factory) as session:
        due = consent_repo.due_nudges(session, now, limit)
        found: list[NudgeDue] = []
        for team_id, round_id in due:
            rnd = consent_repo.get_round(session, team_id, round_id)
            if rnd is None:
                continue
            silent = _silent(session, team_id, round_id)
            found.append(NudgeDue(team_id, round_id, rnd.deadline, silent))
        return found


def _silent(session: Session, team_id: str, round_id: int) -> list[str]:
    given = consent_repo.answers(session, team_id, round_id)
    return [
        user
        for user in consent_repo.participants(session, team_id, round_id)
        if not (user in given and given[user].position in rules.COUNTED)
    ]


def queue_nudges(
    factory: Factory, *, team_id: str, round_id: int, times: dict[str, datetime], now: datetime
) -> int:
    """Queue one reminder DM per silent participant, once per round (safe on several
    replicas), each going out at its time (the person's working hours); one whose time
    would come only after the deadline is not sent. Returns how many were queued."""
    with transaction(factory) as session:
        rnd = consent_repo.lock_round(session, team_id, round_id, skip_locked=True)
        if rnd is None or rnd.nudged or rnd.status != RoundStatus.OPEN.value:
            return 0  # another replica has it, or it was reminded already
        rnd.nudged = True
        queued = 0
        for user in _silent(session, team_id, round_id):
            at = times.get(user, now)
            if at >= rnd.deadline:
                continue  # no working hour of theirs is left before the round closes
            payloads.queue(
                session, team_id=team_id, key=f"nudge:{round_id}:{user}", kind="dm",
                target=user, payload=payloads.RoundNudge(round_id=round_id), now=now,
                not_before=at,
            )  # fmt: skip
            queued += 1
        return queued


# ---------------------------------------------------------------- message rendering bookkeeping

RENDER_INTERVAL = timedelta(seconds=5)
RENDER_LEASE = timedelta(seconds=30)


def rounds_to_render(factory: Factory, *, now: datetime, limit: int = 50) -> list[tuple[str, int]]:
    """Rounds whose channel message is behind and may be updated now."""
    with transaction(factory) as session:
        return consent_repo.rounds_to_render(session, now, RENDER_INTERVAL.total_seconds(), limit)


def claim_render(
    factory: Factory, *, team_id: str, round_id: int, now: datetime
) -> tuple[int, RoundView] | None:
    """Lease the round's message for one update; the seq and state to render."""
    with transaction(factory) as session:
        seq = consent_repo.claim_render(
            session, team_id, round_id, now, now + RENDER_LEASE, RENDER_INTERVAL.total_seconds()
        )
        if seq is None:
            return None
        rnd = consent_repo.get_round(session, team_id, round_id)
        assert rnd is not None
        return seq, _view(session, rnd)


def finish_render(
    factory: Factory, *, team_id: str, round_id: int, seq: int | None, now: datetime
) -> None:
    """Record the update (seq) or its failure (None: retried after the interval)."""
    with transaction(factory) as session:
        consent_repo.finish_render(session, team_id, round_id, seq, now)


def awaiting_answer(
    factory: Factory, *, team_id: str, user_id: str, limit: int = 20
) -> list[Waiting]:
    """Open rounds the person has not answered yet, soonest deadline first."""
    with transaction(factory) as session:
        return [
            Waiting(r.id, r.channel_id, r.title, r.deadline, r.message_ts)
            for r in consent_repo.open_rounds_awaiting(session, team_id, user_id, limit)
        ]


def load_in(session: Session, rnd: ConsentRound) -> RoundView:
    """A round as it stands, in the caller's transaction."""
    return _view(session, rnd)
