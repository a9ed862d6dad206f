"""A round sent to the governance meeting, decided there ("Decide now"): the facilitator puts
its proposal, amended by the meeting to resolve its objections, to a quick consent of the
people present (bot.services.quick_consent's machinery: answered and closed as any check;
consented, bot.services.round_decisions does the paperwork). Objected, nothing changes to the
round. A round amended, withdrawn or closed since the meeting took it up is refused, with
nothing stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import consent as consent_rules
from bot.domain import meeting as meeting_rules
from bot.domain.quick_consent import CheckKind
from bot.services import consent, meeting, payloads, quick_consent
from bot.services.round_decisions import decidable
from bot.services.views import MeetingView, RoundView
from bot.store import consent_repo, meeting_repo, quick_consent_repo
from bot.store.db import transaction
from bot.store.models import Meeting

Factory = sessionmaker[Session]


def _at_round(found: Meeting, user_id: str, seen_step: int, round_id: int | None) -> int:
    """The round the facilitator's meeting is at, as they saw it."""
    meeting.rules_of(found).drive(user_id, seen_step)
    if found.current_round_id is None or (
        round_id is not None and found.current_round_id != round_id
    ):
        raise meeting_rules.MeetingMoved()
    return found.current_round_id


def round_for_decision(
    factory: Factory, *, team_id: str, meeting_id: int, user_id: str, seen_step: int
) -> tuple[MeetingView, RoundView]:
    """The meeting and the round it is at, for the facilitator's "Decide now" form;
    NotTheFacilitator, MeetingMoved or RoundMovedOn when this person may not, or not now."""
    with transaction(factory) as session:
        found = meeting_repo.get(session, team_id, meeting_id)
        if found is None:
            raise meeting_rules.NoMeetingRunning()
        round_id = _at_round(found, user_id, seen_step, None)
        rnd = consent_repo.get_round(session, team_id, round_id)
        decidable(session, found, rnd)
        assert rnd is not None
        return meeting.view_in(session, found), consent.load_in(session, rnd)


def open_check(
    factory: Factory,
    *,
    team_id: str,
    meeting_id: int,
    user_id: str,
    seen_step: int,
    round_id: int,
    proposal: str | None,
    review_date: date | None,
    hidden: bool,
    now: datetime,
    today: date,
) -> quick_consent.Opened:
    """The facilitator puts the round's proposal, as the meeting amended it, to a quick
    consent of the people present (once: a double submit opens it once)."""
    text = consent_rules.clean_proposal(proposal)
    if review_date is None:
        raise consent_rules.ReviewDateInPast()
    consent_rules.check_review_date(review_date, today)
    with transaction(factory) as session:
        found = meeting.locked(session, team_id, meeting_id, now)
        _at_round(found, user_id, seen_step, round_id)
        rnd = consent_repo.lock_round(session, team_id, round_id)
        number = decidable(session, found, rnd).number
        assert rnd is not None
        kind = f"{CheckKind.ROUND.value}:{rnd.id}"
        already = quick_consent_repo.open_of_kind(session, found.id, kind)
        if already is not None:
            return quick_consent.Opened(meeting.check_view(session, already, found), False)
        check = quick_consent_repo.add(
            session, kind, kind=CheckKind.ROUND.value, team_id=team_id, meeting_id=found.id,
            step=found.step, opened_by=user_id, opened_at=now, hidden=hidden, round_id=rnd.id,
            item_number=number, item_text=rnd.title, proposal=text, review_date=review_date,
        )  # fmt: skip
        payloads.queue(
            session, team_id=team_id, key=quick_consent.check_key(check.id),
            target=found.channel_id, payload=payloads.MeetingCheck(consent_id=check.id), now=now,
        )  # fmt: skip
        return quick_consent.Opened(meeting.check_view(session, check, found), True)
