"""The cited knowledge base: answers per intent, the regulation registry and system messages.

Data lives in ``<repo>/knowledge`` (YAML, reviewed by people); this package loads, renders and
checks it.
"""

from bot.knowledge.base import DEFAULT_PATH, KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from bot.knowledge.checks import check_knowledge_base
from bot.knowledge.models import (
    Citation,
    KnowledgeEntry,
    Problem,
    Regulation,
    SmallTalkEntry,
    TopicEntry,
)
from bot.knowledge.red_flags import RedFlag, find_red_flags
from bot.knowledge.render import render_answer, render_citation

__all__ = [
    "DEFAULT_PATH",
    "Citation",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "KnowledgeEntry",
    "Problem",
    "RedFlag",
    "Regulation",
    "SmallTalkEntry",
    "TopicEntry",
    "check_knowledge_base",
    "find_red_flags",
    "load_knowledge_base",
    "render_answer",
    "render_citation",
]
