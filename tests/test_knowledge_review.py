"""A lawyer's sign-off (issue 24, item 5): what an approval covers (the content hash), the
state it leaves, the line users see under an unapproved answer, and the buttons' data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.knowledge.models import TopicEntry
from bot.knowledge.render import render_answer, render_user_answer
from bot.knowledge.review import (
    EntryStatus,
    ReviewState,
    content_hash,
    drafts,
    review_queue,
    review_state,
)
from bot.storage.models import KnowledgeReview
from handlers.input_bounds import ReviewButton, review_button

TODAY = date(2026, 12, 10)
NOTICE = "belum ditinjau advokat LKBH KORPRI"


@pytest.fixture
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def topic(kb: KnowledgeBase, intent: str) -> TopicEntry:
    entry = kb.entry(intent)
    assert isinstance(entry, TopicEntry)
    return entry


def test_the_hash_is_that_of_the_content_and_stable(kb: KnowledgeBase) -> None:
    digest = content_hash(kb, "media_sosial")
    assert len(digest) == 64 and digest == content_hash(load_knowledge_base(), "media_sosial")
    assert digest != content_hash(kb, "kampanye")


def test_a_changed_text_makes_a_new_version(kb: KnowledgeBase) -> None:
    before = content_hash(kb, "media_sosial")
    entry = topic(kb, "media_sosial")
    kb.entries["media_sosial"] = entry.model_copy(update={"advice": entry.advice + " Hati-hati."})
    assert content_hash(kb, "media_sosial") != before


@pytest.mark.parametrize("field", ["title", "verdict_note", "sanction"])
def test_every_field_the_user_reads_is_covered(kb: KnowledgeBase, field: str) -> None:
    before = content_hash(kb, "media_sosial")
    entry = topic(kb, "media_sosial")
    kb.entries["media_sosial"] = entry.model_copy(update={field: f"{getattr(entry, field)}."})
    assert content_hash(kb, "media_sosial") != before


def test_who_last_reviewed_the_file_is_not_what_a_lawyer_approves(kb: KnowledgeBase) -> None:
    before = content_hash(kb, "media_sosial")
    entry = topic(kb, "media_sosial")
    kb.entries["media_sosial"] = entry.model_copy(
        update={"last_reviewed": entry.last_reviewed - timedelta(days=3), "reviewer": "Tim lain"}
    )
    assert content_hash(kb, "media_sosial") == before


def test_a_cited_regulation_revoked_since_makes_a_new_version(kb: KnowledgeBase) -> None:
    cited = topic(kb, "media_sosial").citations[0].regulation
    uncited = next(r for r in kb.regulations if r not in _cited_by(kb, "media_sosial"))
    before = content_hash(kb, "media_sosial")
    kb.regulations[uncited] = kb.regulations[uncited].model_copy(update={"title": "Lain"})
    assert content_hash(kb, "media_sosial") == before, "a regulation it does not cite"
    kb.regulations[cited] = kb.regulations[cited].model_copy(
        update={"status": "dicabut", "revoked_by": "uu-20-2023"}
    )
    assert content_hash(kb, "media_sosial") != before


def _cited_by(kb: KnowledgeBase, intent: str) -> set[str]:
    return {citation.regulation for citation in topic(kb, intent).citations}


def decision(kind: str, review_by: date | None = None) -> KnowledgeReview:
    return KnowledgeReview(
        entry="media_sosial", content_hash="x", decision=kind, lawyer_id=1, review_by=review_by
    )


def test_the_latest_decision_on_the_version_decides_the_state() -> None:
    assert review_state(None, TODAY) is ReviewState.DRAFT
    assert review_state(decision("needs_change"), TODAY) is ReviewState.NEEDS_CHANGE
    assert review_state(decision("approved", TODAY), TODAY) is ReviewState.APPROVED
    overdue = decision("approved", TODAY - timedelta(days=1))
    assert review_state(overdue, TODAY) is ReviewState.OVERDUE


def test_the_review_order_puts_drafts_first_and_approved_last() -> None:
    order = [ReviewState.APPROVED, ReviewState.OVERDUE, ReviewState.DRAFT, ReviewState.NEEDS_CHANGE]
    statuses = [EntryStatus(f"e{i}", "x", state, None) for i, state in enumerate(order)]
    assert [s.intent for s in review_queue(statuses)] == ["e2", "e3", "e1", "e0"]


def test_unread_states_are_all_drafts(kb: KnowledgeBase) -> None:
    assert {status.state for status in drafts(kb)} == {ReviewState.DRAFT}
    assert len(drafts(kb)) == len(kb.entries) == 21


def test_an_unapproved_topic_answer_says_so_in_one_line(kb: KnowledgeBase) -> None:
    answer = render_answer(kb, "media_sosial")
    draft = render_user_answer(kb, "media_sosial", approved=False)
    assert draft.startswith(answer) and NOTICE in draft
    assert draft.removeprefix(answer).strip().count("\n") == 0
    assert render_user_answer(kb, "media_sosial", approved=True) == answer


def test_small_talk_carries_no_notice(kb: KnowledgeBase) -> None:
    assert render_user_answer(kb, "salam", approved=False) == render_answer(kb, "salam")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "advokat:setuju:media_sosial:0123456789",
            ReviewButton("setuju", "media_sosial", "0123456789"),
        ),
        ("advokat:ubah:salam:abcdef0123", ReviewButton("ubah", "salam", "abcdef0123")),
        ("advokat:lanjut:sanksi", ReviewButton("lanjut", "sanksi", None)),
        ("advokat:setuju:media_sosial", None),  # an approval names the version
        ("advokat:lanjut:sanksi:0123456789", None),
        ("advokat:setuju:tidak_ada:0123456789", None),
        ("advokat:setuju:media_sosial:0123", None),
        ("advokat:hapus:media_sosial:0123456789", None),
    ],
)
def test_review_buttons_have_one_exact_shape(data: str, expected: ReviewButton | None) -> None:
    assert review_button(data) == expected
