"""`s3bot demo`: the scripted session runs the real app against the fake and reads well."""

from __future__ import annotations

import io
import subprocess
import sys

from bot.demo import run_demo


def test_demo_tells_the_whole_story() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    # Tensions onto the backlog, ranked, listed, with Dutch help for a Dutch speaker.
    assert "@alice raised tension #1. It is number 1 of 1" in text
    assert "Governance backlog of #ops-circle: 3 open items" in text
    assert "Zo gebruik je de S3-bot" not in text  # the fallback text is not shown, the blocks are
    assert "Breng een spanning in op de governance-backlog" in text
    # Special syntax is shown literally, and the length limit is explained.
    assert "> <!channel> please look at <https://evil.example|this harmless link>" in text
    assert "Your tension is 3200 characters long; the limit is 3000" in text
    # A driver described with S3's template, ranked, accepted, passed on; the meeting rhythm and agenda.
    assert "a form opens: Describe the driver" in text
    assert "*1.* #5 Handovers between the day and night shifts happen in chat threads." in text
    assert "@alice passed on a tension from #ops-circle; it is #1 in this channel's inbox" in text
    assert "set the governance meeting of #ops-circle: every 2 weeks on Thursday" in text
    # on demand, and by the sweep the day before each of the two meetings planned
    assert text.count("Governance meeting agenda") == 3
    # A full consent round: consent, concern, objection with its reason, amendment, agreement.
    assert "Je antwoord “Instemming”" in text
    assert "An objection needs its reason" in text
    assert "Not consented: 2 objections to resolve." in text
    # Each objection tested in its own reply: Dana thinks Chen's is a concern (Chen is told by
    # DM), Chen turns it into one; Dana's still blocks, and the next version resolves it.
    assert "@chen (raised, to be tested): It adds work for the release lead." in text
    assert "┌ DM to @chen · S3 Governance\n  │ @dana thinks your objection" in text
    assert "Your objection is now a concern: it no longer blocks." in text
    assert "Not consented: 1 objection to resolve." in text
    # The amendment resolves Dana's objection with a deferral; she confirms it by DM.
    assert "Does this resolve your objection?" in text
    assert "a deferral (someone takes it on, by a date) — taken on by @dana" in text
    assert "Thank you: your objection is marked resolved." in text
    assert "@dana: Nobody checks the notes before they go out." in text
    assert "Did not answer (silence is not consent):* @alice" in text
    assert "Consent round P1 v2" in text
    assert "Consented.* Agreement #1, to be reviewed on March 1, 2027." in text
    # The agreement comes due: one reminder at 09:00 local time, then a review round in which
    # the circle answers S3's three questions and keeps it. (Three months on, before its next
    # review date, one reminder more; chapter 5's meeting takes that review up.)
    assert text.count("in #ops-circle comes up for review on") == 2
    assert "1. How has this agreement helped us?" in text
    assert "Everyone has answered, so the round closes now." in text
    assert "The circle kept agreement #1 “Release notes a day early”" in text
    # The governance meeting: weekly now, Dana its secretary; the agenda says who and why.
    assert "set the governance meeting of #ops-circle: every week on Thursday" in text
    assert "*Secretary:* @dana, chosen in `/meeting settings`" in text
    assert "#1 Release notes a day early: review overdue since May 22, 2027" in text
    assert "Governance meeting in progress, facilitated by @alice." in text
    assert "*Facilitator:* @alice, who started the meeting" in text
    # Chen's Home tab points to the running meeting's thread.
    assert "A governance meeting is running in #ops-circle, facilitated by @alice." in text
    assert "Join it in its thread ↗" in text
    # The check-in: buttons and a reply in the thread; the agenda consented by quick consent.
    assert "in the thread · S3 Governance" in text and "[ I'm here ]  [ First item ]" in text
    assert "replies in the meeting's thread: “Here, with coffee." in text
    assert "*Consented: this meeting's agenda.*" in text
    # Item one: only the facilitator drives; a proposal formed and decided now.
    assert "Only the facilitator, @alice, can do that. Nothing was changed." in text
    assert "a form opens: Decide now" in text
    assert "Answers stay hidden until it closes." in text
    assert "threads is agreement #2 “Evening handover call”.*" in text  # the item's full stop left
    assert "*People responsible:* @bram" in text
    # Item two given a next step; a third skipped; agreement #1's review kept.
    assert "*Review: agreement #1 Release notes a day early*" in text
    assert "@chen kept agreement #1 “Release notes a day early”. Next review: November 25" in text
    # The evaluation and check-out, then the minutes with all of it, corrected by Dana.
    assert "*Meeting evaluation.*" in text and "*Check-out.*" in text
    assert "Dank je: je evaluatie is vastgelegd." in text
    assert "Minutes of the governance meeting of May 27, 2027" in text
    assert (
        "*Facilitator:* @alice\n  │ *Secretary:* @dana\n  │ *Checked in:* @alice, @bram, @chen, @dana"
        in text
    )
    assert "happen in chat threads. → agreed by quick" in text
    assert (
        "#3 Het overleg loopt elke week uit → next step: understand the driver (due June 3" in text
    )
    assert "→ skipped" in text
    assert "Agreement #1 Release notes a day early → kept, next review November 25, 2027" in text
    assert "*Evaluation:* 2 people rated the meeting, 4.5 of 5 on average." in text
    assert "Ended at 2027-05-27 12:52 UTC." in text
    assert "The secretary, @dana, corrects the minutes" in text
    assert "*Corrected by the secretary, @dana:*" in text
    # Chapter 6: the term's end comes near, and its selection goes on the backlog.
    assert "The term of @chen as *Release lead* ends on 2027-11-27." in text
    assert "Traceback" not in text


def test_demo_command_in_dutch() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lang", "nl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "bracht spanning #1 in" in result.stdout
    assert "Ingestemd." in result.stdout
    # the meeting, in Dutch: who facilitates and records it and why, the minutes corrected
    assert "*Secretaris:* @dana, gekozen in `/meeting settings`" in result.stdout
    assert "*Facilitator:* @alice, die het overleg begon" in result.stdout
    assert "Notulen van het governance-overleg van 27 mei 2027" in result.stdout
    assert "*Gecorrigeerd door de secretaris, @dana:*" in result.stdout
    assert "Traceback" not in result.stdout
