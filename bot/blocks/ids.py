"""Every Slack id the bot uses: action_id, block_id, callback_id. Builders and handlers share them."""

from __future__ import annotations

# Slash commands
CMD_TENSION = "/tension"
CMD_CONSENT = "/consent"
CMD_AGREEMENTS = "/agreements"

# Block ids
BLOCK_TENSION_TEXT = "tension_text"
BLOCK_HOME_TENSIONS = "home_tensions"
BLOCK_HOME_MEETINGS = "home_meetings"
BLOCK_HOME_ROUND = "home_round"  # + round id: its answer buttons on the Home tab
BLOCK_HOME_REVIEW = "home_review"  # + agreement id: its review buttons on the Home tab

# Consent rounds
ACT_CONSENT_MORE = "consent_more_options"  # the proposal form: show every field
BLOCK_CONSENT_MORE = "consent_more_options_block"
CB_CONSENT_MODAL = "consent_modal"
CB_REASON_MODAL = "consent_reason_modal"
CB_EXTEND_MODAL = "consent_extend_modal"
ACT_ANSWER_CONSENT = "consent_answer_consent"
ACT_ANSWER_CONCERN = "consent_answer_concern"
ACT_ANSWER_OBJECTION = "consent_answer_objection"
ACT_CLOSE_EARLY = "consent_close_early"
ACT_WITHDRAW = "consent_withdraw"
ACT_AMEND = "consent_amend"
ACT_EXTEND = "consent_extend"
ACT_GIVE_REASON = "consent_give_reason"
ACT_TELL_WHEN_OPEN = "consent_tell_when_open"
BLOCK_ROUND_ACTIONS = "consent_round_actions"
BLOCK_AUTHOR_ACTIONS = "consent_author_actions"

# Testing an objection (its thread reply, the objector's DMs, its forms)
ACT_OBJ_THINK_CONCERN = "objection_think_concern"
ACT_OBJ_KEEP = "objection_keep"
ACT_OBJ_REFINE = "objection_refine"
ACT_OBJ_TO_CONCERN = "objection_to_concern"
ACT_OBJ_NOT_QUALIFIED = "objection_not_qualified"
ACT_OBJ_CONTEST = "objection_contest"
ACT_OBJ_ACCEPT = "objection_accept"
ACT_OBJ_DEFER = "objection_defer"
BLOCK_OBJECTION_ACTIONS = "objection_actions"
CB_OBJ_REASON_MODAL = "objection_reason_modal"
IN_OBJ_REASON = ("o_reason", "reason")

# Resolving objections one at a time: the amend form has one set of inputs per open
# objection (its slot), and the objector answers "Does this resolve your objection?"
RESOLUTION_SLOTS = 8
IN_RES_KIND = tuple((f"res_kind_{n}", "kind") for n in range(RESOLUTION_SLOTS))
IN_RES_HOW = tuple((f"res_how_{n}", "how") for n in range(RESOLUTION_SLOTS))
IN_RES_OWNER = tuple((f"res_owner_{n}", "owner") for n in range(RESOLUTION_SLOTS))
IN_RES_DATE = tuple((f"res_date_{n}", "on") for n in range(RESOLUTION_SLOTS))
ACT_RES_YES = "resolution_yes"
ACT_RES_NO = "resolution_no"
BLOCK_RESOLUTION_ACTIONS = "resolution_actions"
CB_RES_NO_MODAL = "resolution_no_modal"
IN_RES_NO_REASON = ("r_no_reason", "reason")

# Consent modal inputs (block_id, action_id)
IN_TITLE = ("c_title", "title")
IN_PROPOSAL = ("c_proposal", "proposal")
IN_DRIVER_ITEM = ("c_driver_item", "driver_item")
IN_DRIVER_TEXT = ("c_driver_text", "driver_text")
IN_RESPONSIBILITIES = ("c_resp", "responsibilities")
IN_RESPONSIBLE_PEOPLE = ("c_resp_people", "responsible_people")
IN_EVALUATION = ("c_eval", "evaluation")
IN_REVIEW_DATE = ("c_review", "review_date")
IN_DEADLINE = ("c_deadline", "deadline")
IN_QUESTIONS_UNTIL = ("c_questions", "questions_until")
IN_WHO = ("c_who", "who")
IN_PEOPLE = ("c_people", "people")
IN_OPTIONS = ("c_options", "options")
IN_QUORUM = ("c_quorum", "quorum")
IN_REASON = ("c_reason", "reason")

# Agreements
CB_AGREEMENT_ADD = "agreement_add_modal"
CB_AGREEMENT_KEEP = "agreement_keep_modal"
CB_AGREEMENT_DROP = "agreement_drop_modal"
CB_AGREEMENT_SNOOZE = "agreement_snooze_modal"
ACT_AGREEMENT_KEEP = "agreement_keep"
ACT_AGREEMENT_EVOLVE = "agreement_evolve"
ACT_AGREEMENT_DROP = "agreement_drop"
ACT_AGREEMENT_SNOOZE = "agreement_snooze"
BLOCK_REVIEW_ACTIONS = "agreement_review_actions"
IN_NEXT_REVIEW = ("a_next_review", "next_review")
IN_DROP_REASON = ("a_drop_reason", "drop_reason")
IN_SNOOZE_UNTIL = ("a_snooze_until", "snooze_until")

# Governance backlog (drivers, ranking, life cycle)
CB_DRIVER_MODAL = "driver_modal"
CB_NEXT_STEP_MODAL = "next_step_modal"
CB_POSITION_MODAL = "position_modal"
CB_DISMISS_MODAL = "dismiss_modal"
CB_PASS_ON_MODAL = "pass_on_modal"
SHORTCUT_RAISE = "raise_as_tension"
# The Workflow Builder step (a function in the manifest): "Start a consent round".
FN_START_ROUND = "start_consent_round"
ACT_ITEM_MENU = "backlog_item_menu"
ACT_PAGE_PREV = "backlog_page_prev"
ACT_PAGE_NEXT = "backlog_page_next"
IN_SITUATION = ("d_situation", "situation")
IN_EFFECT = ("d_effect", "effect")
IN_RELEVANCE = ("d_relevance", "relevance")
IN_NATURE = ("d_nature", "nature")
IN_NEXT_STEP = ("i_next_step", "next_step")
IN_DUE = ("i_due", "due")
IN_INTENDED_OUTCOME = ("i_intended_outcome", "intended_outcome")
IN_ESTIMATE = ("i_estimate", "estimate_minutes")
IN_POSITION = ("i_position", "position")
IN_DISMISS_REASON = ("i_dismiss_reason", "dismiss_reason")
IN_PASS_TO = ("i_pass_to", "pass_to")
BLOCK_PASS_SUGGESTIONS = "pass_suggestions"

# Governance meeting rhythm (cadence modal, agenda)
CB_MEETING_MODAL = "meeting_cadence_modal"
IN_MEETING_EVERY = ("m_every", "every_weeks")
IN_MEETING_WEEKDAY = ("m_weekday", "weekday")
IN_MEETING_TIME = ("m_time", "time")
IN_MEETING_FIRST = ("m_first", "first_on")
BLOCK_AGENDA_MEETING = "agenda_meeting"
IN_MEETING_DURATION = ("m_duration", "duration")
IN_MEETING_FACILITATOR = ("m_facilitator", "facilitator")
IN_MEETING_SECRETARY = ("m_secretary", "secretary")
IN_MEETING_STOP = ("m_stop", "stop")

# The governance meeting run in Slack (/meeting)
CMD_MEETING = "/meeting"
ACT_MEETING_HERE = "meeting_here"
ACT_MEETING_NEXT = "meeting_next"
ACT_MEETING_SKIP = "meeting_skip"
ACT_MEETING_OUTCOME = "meeting_outcome"
BLOCK_MEETING_CHECK_IN = "meeting_check_in"
BLOCK_MEETING_CONTROLS = "meeting_controls"
BLOCK_MEETING_MINUTES = "meeting_minutes"
BLOCK_MEETING_PEOPLE = "meeting_people"
CB_MEETING_OUTCOME = "meeting_outcome_modal"
IN_OUTCOME_STEP = ("mo_step", "next_step")
IN_OUTCOME_DUE = ("mo_due", "due")
IN_OUTCOME_REASON = ("mo_reason", "reason")
IN_OUTCOME_PASS = ("mo_pass", "pass_to")
IN_OUTCOME_RESOLVED = ("mo_resolved", "resolved")
ACT_MEETING_MORE_5 = "meeting_more_time_5"
ACT_MEETING_MORE_10 = "meeting_more_time_10"
ACT_MEETING_CLOSING = "meeting_closing"
ACT_MEETING_EVALUATE = "meeting_evaluate"
BLOCK_MEETING_CLOSING = "meeting_closing"
BLOCK_MEETING_TIMER = "meeting_timer"
CB_MEETING_EVALUATION = "meeting_evaluation_modal"
# Quick consents in the meeting (administration, a proposal decided on an item)
ACT_MEETING_CHECK_MINUTES = "meeting_check_minutes"
ACT_MEETING_CHECK_AGENDA = "meeting_check_agenda"
ACT_MEETING_DECIDE = "meeting_decide"
ACT_MEETING_PROPOSE = "meeting_propose"  # proposal formed: a consent round, asynchronous
CB_MEETING_DECIDE = "meeting_decide_modal"
ACT_MEETING_ROUND_DECIDE = "meeting_round_decide"  # a round sent to the meeting, decided now
CB_MEETING_ROUND_DECIDE = "meeting_round_decide_modal"
IN_QC_HIDDEN = ("qc_hidden", "hidden")
ACT_QC_CONSENT = "quick_consent_yes"
ACT_QC_OBJECT = "quick_consent_object"
ACT_QC_CLOSE = "quick_consent_close"
BLOCK_QC_ANSWER = "quick_consent_answer"
CB_QC_OBJECTION = "quick_consent_objection_modal"
ACT_AGENDA_OBJECT = "agenda_object"
BLOCK_AGENDA_OBJECT = "agenda_object"
CB_AGENDA_OBJECTION = "agenda_objection_modal"
ACT_MINUTES_CORRECT = "minutes_correct"
BLOCK_MINUTES_ACTIONS = "minutes_actions"
CB_MINUTES_CORRECT = "minutes_correct_modal"
IN_MINUTES_CORRECTION = ("mc_correction", "correction")
IN_EVAL_RATING = ("me_rating", "rating")
IN_EVAL_MORE = ("me_more", "more_of")
IN_EVAL_LESS = ("me_less", "less_of")
IN_EVAL_KEEP = ("me_keep", "keep")

# The first minutes: the Home tab's welcome and its Help button
BLOCK_HOME_WELCOME = "home_welcome"
BLOCK_HOME_WELCOME_ACTIONS = "home_welcome_actions"
BLOCK_HOME_HELP = "home_help"
ACT_HOME_RAISE = "home_raise_tension"
ACT_HOME_PROPOSE = "home_start_round"
ACT_HOME_AGREEMENTS = "home_agreements"
ACT_HOME_DISMISS = "home_welcome_dismiss"
ACT_HOME_HELP = "home_help"
CB_HOME_INFO = "home_info_modal"
BLOCK_CHANNEL_WELCOME = "channel_welcome"

# Domain descriptions (a circle's, a role's): one input per field, by DomainFields name
IN_DOMAIN_FIELDS = {
    "purpose": ("d_purpose", "purpose"),
    "responsibilities": ("d_responsibilities", "responsibilities"),
    "deliverables": ("d_deliverables", "deliverables"),
    "dependencies": ("d_dependencies", "dependencies"),
    "constraints": ("d_constraints", "constraints"),
    "challenges": ("d_challenges", "challenges"),
    "resources": ("d_resources", "resources"),
    "delegator_responsibilities": ("d_delegator", "delegator_responsibilities"),
    "competencies": ("d_competencies", "competencies"),
    "evaluation": ("d_evaluation", "evaluation"),
}
IN_DOMAIN_REVIEW_DATE = ("d_review", "review_date")

# A delegate raising a tension for the circle they represent (the driver form)
IN_ON_BEHALF = ("on_behalf", "on_behalf")
ON_BEHALF_SELF = "self"

# The workspace language, set from the Home tab by a workspace admin
BLOCK_HOME_LANGUAGE = "home_language"
BLOCK_HOME_ROLE_GROUPS = "home_role_groups_block"
ACT_HOME_LANGUAGE = "home_language"
ACT_HOME_ROLE_GROUPS = "home_role_groups"  # an admin: keep a user group per role

# Roles (/role): the role form, and the buttons of a role shown in full
CMD_ROLE = "/role"
CB_ROLE_MODAL = "role_modal"
IN_ROLE_NAME = ("r_name", "name")
IN_ROLE_TERM = ("r_term", "term_months")
IN_ROLE_TERM_UNTIL = ("r_until", "term_until")
IN_ROLE_REPRESENTS = ("r_represents", "represents")
ACT_ROLE_EVOLVE = "role_evolve"
ACT_ROLE_DROP = "role_drop"

# The circle's domain (/domain): its description form
CMD_DOMAIN = "/domain"
CB_DOMAIN_MODAL = "domain_modal"
ACT_DOMAIN_EDIT = "domain_edit"

# Selecting someone for a role (/role select): its forms and its message's buttons
CB_SEL_START = "selection_start_modal"
CB_SEL_NOMINATE = "selection_nominate_modal"
CB_SEL_PROPOSE = "selection_propose_modal"
ACT_SEL_NOMINATE = "selection_nominate"
ACT_SEL_PROPOSE = "selection_propose"
ACT_SEL_OPEN = "selection_open"  # start a selection from a notice or a backlog step
BLOCK_SEL_ACTIONS = "selection_actions"
IN_SEL_PEOPLE = ("s_people", "people")
IN_SEL_ROLE = ("s_role", "role")
IN_SEL_NOMINATE_UNTIL = ("s_nominate_until", "nominate_until")
IN_SEL_CHANGE_UNTIL = ("s_change_until", "change_until")
IN_SEL_NOMINEE = ("s_nominee", "nominee")
IN_SEL_PASS = ("s_pass", "pass")
IN_SEL_REASON = ("s_reason", "reason")

# Reviews by the circle (issue 11, part 7): a review round from a reminder, and an early
# review or an objection from an agreement shown in full
ACT_REVIEW_ROUND_START = "agreement_review_round"
ACT_RR_KEEP = "review_round_keep"
ACT_RR_CHANGE = "review_round_change"
ACT_RR_OBJECT = "review_round_object"
BLOCK_RR_ACTIONS = "review_round_actions"
CB_RR_OBJECT = "review_round_object_modal"
IN_RR_REASON = ("rr_reason", "reason")
ACT_AGREEMENT_EARLY_REVIEW = "agreement_early_review"
ACT_AGREEMENT_OBJECT = "agreement_object"
BLOCK_AGREEMENT_ACTIONS = "agreement_actions"
CB_AGREEMENT_OBJECT = "agreement_object_modal"
IN_AGREEMENT_OBJECTION = ("ao_reason", "reason")

# a channel the bot cannot post in (issue 11, part 8): add it, then the form opens
ACT_JOIN_FOR_CONSENT = "reach_join_consent"
ACT_JOIN_FOR_DRIVER = "reach_join_driver"
BLOCK_JOIN_ACTIONS = "reach_join_actions"
# a reminder's own answer buttons (the DM shows the answer once given)
BLOCK_NUDGE_ACTIONS = "consent_nudge_actions"

# the author's own controls by DM, and sending a round to the meeting (issue 11, parts 5, 8)
BLOCK_AUTHOR_CONTROLS = "consent_author_controls"
ACT_SEND_TO_MEETING = "consent_send_to_meeting"
# after consent: should a concern be heard? (issue 11, part 6)
BLOCK_CONCERN_HEARING = "concern_hearing_actions"
ACT_CONCERN_HEAR = "concern_hear"
ACT_CONCERN_RECORDED = "concern_recorded"
CB_CONCERN_HEAR = "concern_hear_modal"
IN_CONCERN_FOLLOW_UP = ("ch_follow_up", "follow_up")
