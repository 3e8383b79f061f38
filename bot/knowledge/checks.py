"""Check the whole knowledge base before it reaches users: ``python -m bot kb check``."""

from __future__ import annotations

import string
from datetime import date

from bot.intents import ANSWER_INTENTS, TOPIC_INTENTS
from bot.knowledge.answer_checks import check_answer
from bot.knowledge.base import MESSAGES_FILE, REGULATIONS_FILE, KnowledgeBase
from bot.knowledge.models import INFORMATIONAL_TOPICS, Problem, TopicEntry
from bot.knowledge.red_flags import find_red_flags
from bot.knowledge.render import render_answer, render_user_answer
from bot.knowledge.telegram_html import TELEGRAM_MAX_LENGTH, html_errors, telegram_length

TITLE_MAX_LENGTH = 28
"""Menu buttons must stay readable on a phone."""

REQUIRED_MESSAGES: dict[str, frozenset[str]] = {
    "fallback": frozenset(),
    "clarify": frozenset(),
    "escalation_ack": frozenset({"ticket_number"}),
    "nlu_unavailable": frozenset({"ticket_number"}),
    # Ask before opening a case, the intake, /konsultan's question (issue 22, item 8)
    "case_offer": frozenset(),
    "consultant_offer": frozenset(),
    "case_declined": frozenset(),
    "intake_employment": frozenset({"ticket_number"}),
    "intake_employment_again": frozenset(),
    "intake_agency": frozenset(),
    "intake_agency_again": frozenset(),
    "intake_deadline": frozenset(),
    "intake_deadline_again": frozenset(),
    "consultant_which_question": frozenset({"question"}),
    "consultant_question_prompt": frozenset(),
    "closing": frozenset(),
    "welcome": frozenset({"name", "pseudonym", "retention_days"}),
    "menu": frozenset(),
    "empty_message": frozenset(),
    "text_only": frozenset(),
    "ticket_open": frozenset({"ticket_number"}),
    "no_open_ticket": frozenset(),
    "temporary_error": frozenset(),
    "held_update": frozenset(),
    "after_hours": frozenset({"office_hours", "next_opening"}),
    "consultant_label": frozenset(),
    "ticket_closed_by_consultant": frozenset({"ticket_number"}),
    "ticket_closed_by_user": frozenset({"ticket_number"}),
    "ticket_auto_closed": frozenset({"ticket_number", "days"}),
    "rating_prompt": frozenset(),
    "rating_thanks": frozenset({"rating", "minutes"}),
    "rating_comment_thanks": frozenset(),
    "staff_only": frozenset(),
    "staff_only_alert": frozenset(),
    "rate_limited": frozenset(),
    "edit_ignored": frozenset(),
    "unknown_command": frozenset(),
    "stale_button": frozenset(),
    "delete_confirm": frozenset(),
    "delete_done": frozenset({"messages_deleted"}),
    "delete_cancelled": frozenset(),
    "staff_ticket_closed_by_deletion": frozenset({"ticket_number"}),
    "delete_done_staff": frozenset(),
    "staff_card_erased": frozenset({"ticket_number"}),
    "staff_deletion_done": frozenset(),
    "staff_deletion_topic_deleted": frozenset({"ticket_number"}),
    "staff_deletion_card_replaced": frozenset({"ticket_number", "count"}),
    "staff_deletion_topic_refused": frozenset({"ticket_number"}),
    "staff_deletion_refused": frozenset({"count", "messages"}),
    "staff_deletion_by_hand": frozenset(),
    "share_name_ask": frozenset(),
    "share_name_on": frozenset(),
    "share_name_off": frozenset(),
    "ticket_claimed": frozenset({"ticket_number"}),
    "rate_limited_button": frozenset(),
    "edited_command_ignored": frozenset(),
    "edit_forwarded": frozenset({"ticket_number"}),
    "staff_user_correction": frozenset({"ticket_number", "text"}),
    # Answer buttons (issue 22)
    "feedback_given_button": frozenset(),
    "feedback_given": frozenset(),
    "feedback_given_unhelpful": frozenset(),
    "feedback_already_given": frozenset(),
    "see_also_button": frozenset(),
    # Canned replies (issue 22)
    "canned_usage": frozenset(),
    "canned_unknown_topic": frozenset({"topic"}),
    "canned_ambiguous_topic": frozenset({"topic"}),
    "canned_topic_line": frozenset({"topic", "title"}),
    "canned_sent": frozenset({"title", "ticket_number"}),
    "canned_blocked": frozenset({"ticket_number"}),
    # Consultants' marks for the NLU review queue (issue 24, item 1)
    "nlu_mark_pick_answerable": frozenset({"ticket_number", "reading"}),
    "nlu_mark_pick_relabel": frozenset({"ticket_number", "reading"}),
    "nlu_marked": frozenset({"topic", "ticket_number"}),
    "nlu_mark_cancelled": frozenset(),
    "nlu_mark_ticket_missing": frozenset({"ticket_number"}),
    "nlu_mark_no_question": frozenset({"ticket_number"}),
    "nlu_label_usage": frozenset(),
    "nlu_label_unknown_topic": frozenset({"topic"}),
    "nlu_label_ambiguous_topic": frozenset({"topic"}),
    "report_summary": frozenset(
        {
            "heading",
            "period",
            "questions",
            "answered",
            "clarified",
            "out_of_scope",
            "escalated",
            "opened",
            "closed",
            "first_reply",
            "to_close",
            "rating",
            "rated",
            "topics",
        }
    ),
    "report_period_unknown": frozenset({"text"}),
    "report_working": frozenset({"period"}),
    "report_unavailable": frozenset(),
    "report_export_caption": frozenset({"period"}),
    "report_for_coordinators": frozenset(),
    # The review of misread questions, /tinjau_nlu (issue 24, items 1-3)
    "nlu_review_for_reviewers": frozenset(),
    "nlu_review_private_only": frozenset(),
    "nlu_review_empty": frozenset(),
    "nlu_review_heading": frozenset({"item"}),
    "nlu_review_reading": frozenset({"topic", "action", "percent"}),
    "nlu_review_reading_none": frozenset(),
    "nlu_review_source": frozenset({"reason"}),
    "nlu_review_suggested": frozenset({"topic"}),
    "nlu_review_remaining": frozenset({"pending", "skipped"}),
    "nlu_review_prompt": frozenset(),
    "nlu_review_source_fallback": frozenset(),
    "nlu_review_source_clarify": frozenset(),
    "nlu_review_source_thumbs_down": frozenset(),
    "nlu_review_source_consultant_answerable": frozenset(),
    "nlu_review_source_consultant_relabel": frozenset(),
    "nlu_review_action_answer": frozenset(),
    "nlu_review_action_clarify": frozenset(),
    "nlu_review_action_fallback": frozenset(),
    "nlu_review_action_escalate": frozenset(),
    "nlu_review_intent_di_luar_topik": frozenset(),
    "nlu_review_intent_konsultasi_kasus": frozenset(),
    "nlu_review_intent_minta_konsultan": frozenset(),
    "nlu_review_button_all": frozenset(),
    "nlu_review_button_skip": frozenset(),
    "nlu_review_button_personal": frozenset(),
    "nlu_review_recorded_label": frozenset({"item", "topic"}),
    "nlu_review_recorded_skip": frozenset({"item"}),
    "nlu_review_recorded_personal": frozenset({"item"}),
    "nlu_review_already_decided": frozenset(),
    "nlu_review_gone": frozenset(),
    "report_digest_heading": frozenset(),
    "report_heading": frozenset(),
    "template_usage": frozenset(),
    "template_none": frozenset(),
    "template_list_heading": frozenset({"count"}),
    "template_line": frozenset({"name", "preview"}),
    "template_shown": frozenset({"name", "text"}),
    "template_missing": frozenset({"name"}),
    "template_too_long": frozenset({"limit"}),
    "template_saved": frozenset({"name"}),
    "template_replaced": frozenset({"name"}),
    "template_deleted": frozenset({"name"}),
    "template_sent": frozenset({"name", "ticket_number"}),
    # Waiting ticket (issue 22)
    "ticket_waiting_answer": frozenset({"ticket_number"}),
    # Transfer, coordinator override, auto-release (issue 22, item 2)
    "consultant_label_named": frozenset({"name"}),
    "ticket_handed_over": frozenset({"ticket_number"}),
    "ticket_handed_over_named": frozenset({"ticket_number", "name"}),
    "ticket_back_in_queue": frozenset({"ticket_number"}),
    "transfer_usage": frozenset(),
    "transfer_choose": frozenset({"ticket_number"}),
    "transfer_no_colleagues": frozenset(),
    "transfer_offered": frozenset({"owner", "receiver", "ticket_number"}),
    "transfer_offer_sent": frozenset({"receiver", "ticket_number"}),
    "transfer_cancelled": frozenset({"ticket_number"}),
    "transfer_not_for_you": frozenset({"receiver"}),
    "transfer_gone": frozenset({"ticket_number"}),
    "transfer_accepted": frozenset({"receiver", "owner", "ticket_number"}),
    "transfer_declined": frozenset({"receiver", "owner", "ticket_number"}),
    "coordinator_only": frozenset(),
    "taken_over": frozenset({"coordinator", "owner", "ticket_number"}),
    "released_by_coordinator": frozenset({"coordinator", "owner", "ticket_number"}),
    "silent_owner_released": frozenset({"ticket_number", "owner", "minutes"}),
    "silent_owner_released_private": frozenset({"ticket_number", "minutes"}),
    "show_name_ask": frozenset({"current"}),
    "show_name_on": frozenset({"name"}),
    "show_name_off": frozenset(),
    # Internal notes (issue 22)
    "note_usage": frozenset(),
    "note_saved": frozenset({"ticket_number"}),
    "note_ticket_missing": frozenset({"ticket_number"}),
    "staff_note": frozenset({"author", "ticket_number", "text"}),
    # A lawyer's sign-off of the answers, reloading the knowledge base (issue 24, item 5)
    "draft_notice": frozenset(),
    "lawyers_only": frozenset(),
    "review_list": frozenset({"drafts", "needs_change", "overdue", "approved"}),
    "review_list_line": frozenset({"title", "state", "intent"}),
    "review_unknown_entry": frozenset({"text"}),
    "review_state_draft": frozenset(),
    "review_state_needs_change": frozenset(),
    "review_state_overdue": frozenset(),
    "review_state_approved": frozenset(),
    "review_status": frozenset({"title", "intent", "state"}),
    "review_status_approved": frozenset({"lawyer", "date", "review_by"}),
    "review_status_note": frozenset({"lawyer", "date", "note"}),
    "review_button_approve": frozenset(),
    "review_button_change": frozenset(),
    "review_button_next": frozenset(),
    "review_approved": frozenset({"title", "review_by"}),
    "review_text_changed": frozenset({"title"}),
    "review_note_prompt": frozenset({"title"}),
    "review_note_saved": frozenset({"title"}),
    "review_note_empty": frozenset(),
    "reload_for_coordinators": frozenset(),
    "reload_done": frozenset({"answers", "regulations", "seconds"}),
    "reload_refused": frozenset({"count", "problems"}),
}
"""System messages the handlers use, with the placeholders each must contain."""

ARTICLE_REQUIRED = frozenset({"undang-undang", "peraturan-pemerintah", "peraturan-lembaga"})
"""Kinds of regulation that must be cited down to the article (pasal)."""


def check_knowledge_base(kb: KnowledgeBase, *, today: date | None = None) -> list[Problem]:
    """Return every problem found; an empty list means the knowledge base may ship."""
    today = today or date.today()
    problems = list(kb.load_problems)
    problems += _check_regulations(kb, today)
    problems += _check_messages(kb, today)
    for intent in ANSWER_INTENTS:
        if intent not in kb.entries:
            problems.append(Problem(intent, "no entry (expected answers/{intent}.yml)"))
    for intent in kb.entries:
        if intent not in ANSWER_INTENTS:
            problems.append(Problem(intent, "entry for an intent that is not answered"))
            continue
        problems += _check_entry(kb, intent, today)
    return problems


def _check_regulations(kb: KnowledgeBase, today: date) -> list[Problem]:
    problems = []
    for regulation in kb.regulations.values():
        where = f"{REGULATIONS_FILE}:{regulation.id}"
        links = [regulation.revoked_by] if regulation.revoked_by else []
        for other in [*links, *regulation.amended_by]:
            if other not in kb.regulations:
                problems.append(Problem(where, f"refers to unknown regulation {other!r}"))
        if regulation.status == "dicabut" and not regulation.revoked_by:
            problems.append(Problem(where, "status 'dicabut' needs revoked_by"))
        if regulation.status != "dicabut" and regulation.revoked_by:
            problems.append(Problem(where, "revoked_by is set but status is not 'dicabut'"))
        if regulation.status == "diubah" and not regulation.amended_by:
            problems.append(Problem(where, "status 'diubah' needs amended_by"))
        if regulation.last_reviewed > today:
            problems.append(Problem(where, "last_reviewed is in the future"))
    return problems


def _check_messages(kb: KnowledgeBase, today: date) -> list[Problem]:
    if kb.messages_file is None:
        return []  # the load problem is already reported
    problems = []
    if kb.messages_file.last_reviewed > today:
        problems.append(Problem(MESSAGES_FILE, "last_reviewed is in the future"))
    for key, required in REQUIRED_MESSAGES.items():
        if key not in kb.messages:
            problems.append(Problem(MESSAGES_FILE, f"message {key!r} is missing"))
            continue
        placeholders = {
            name for _, name, _, _ in string.Formatter().parse(kb.messages[key]) if name
        }
        if placeholders != required:
            problems.append(
                Problem(
                    f"{MESSAGES_FILE}:{key}",
                    f"placeholders {sorted(placeholders)} (expected {sorted(required)})",
                )
            )
    for key, template in kb.messages.items():
        where = f"{MESSAGES_FILE}:{key}"
        try:
            text = template.format_map(_Sample())
        except (ValueError, IndexError) as error:
            problems.append(Problem(where, f"bad placeholder syntax: {error}"))
            continue
        problems += [Problem(where, error) for error in html_errors(text)]
        problems += [Problem(where, str(flag)) for flag in find_red_flags(text)]
    return problems


class _Sample(dict[str, str]):
    """Placeholder values used to render a message for checking."""

    def __missing__(self, key: str) -> str:
        return "T-0001"


def _check_entry(kb: KnowledgeBase, intent: str, today: date) -> list[Problem]:
    entry = kb.entries[intent]
    problems: list[Problem] = []

    def add(message: str) -> None:
        problems.append(Problem(intent, message))

    if len(entry.title) > TITLE_MAX_LENGTH:
        add(f"title is {len(entry.title)} characters (at most {TITLE_MAX_LENGTH})")
    if entry.last_reviewed > today:
        add("last_reviewed is in the future")
    if intent in TOPIC_INTENTS:
        if not isinstance(entry, TopicEntry):
            add("a topic needs the topic fields (verdict, explanation, citations, ...)")
            return problems
        problems += _check_topic(kb, entry)
    for field, fragment in entry.text_fields().items():
        for error in html_errors(fragment):
            add(f"{field}: {error}")
    rendered = render_answer(kb, intent)
    for error in html_errors(rendered):
        add(f"rendered answer: {error}")
    length = telegram_length(render_user_answer(kb, intent, approved=False))  # the longest
    if length > TELEGRAM_MAX_LENGTH:
        add(f"rendered answer is {length} characters as Telegram counts them (at most 4096)")
    problems += [Problem(intent, str(flag)) for flag in find_red_flags(rendered)]
    return problems


def _check_topic(kb: KnowledgeBase, entry: TopicEntry) -> list[Problem]:
    problems = []
    where = entry.intent
    if entry.verdict is None and entry.intent not in INFORMATIONAL_TOPICS:
        problems.append(Problem(where, "verdict is missing"))
    if entry.verdict == "Masih diperdebatkan" and not entry.contested:
        problems.append(Problem(where, "verdict 'Masih diperdebatkan' needs a 'contested' text"))
    if "\n" in entry.verdict_note:
        problems.append(Problem(where, "verdict_note must be one line"))
    problems += [Problem(where, text) for text in check_answer(entry, kb.regulations.values())]
    for citation in entry.citations:
        regulation = kb.regulations.get(citation.regulation)
        if regulation is None:
            problems.append(
                Problem(where, f"citation of unknown regulation {citation.regulation!r}")
            )
            continue
        if regulation.kind in ARTICLE_REQUIRED and not citation.article:
            problems.append(Problem(where, f"citation of {regulation.short_name} needs an article"))
        if regulation.status == "dicabut":
            problems.append(
                Problem(
                    where,
                    f"cites {regulation.short_name}, which is revoked "
                    f"(dicabut by {regulation.revoked_by}); cite the current rule",
                )
            )
    return problems
