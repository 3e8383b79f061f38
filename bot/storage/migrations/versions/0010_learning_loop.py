"""The learning loop: the review queue of misread questions, lawyers' sign-off of knowledge
entries, and the request to reload the knowledge base in every worker.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nlu_review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("predicted_intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("suggested_intent", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("reviewer_id", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_nlu_review_items_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlu_review_items")),
        sa.UniqueConstraint("message_id", name=op.f("uq_nlu_review_items_message_id")),
    )
    op.create_index("ix_nlu_review_items_status_id", "nlu_review_items", ["status", "id"])
    op.create_table(
        "knowledge_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("lawyer_id", sa.BigInteger(), nullable=False),
        sa.Column("lawyer_name", sa.String(length=255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_reviews")),
    )
    op.create_index("ix_knowledge_reviews_entry_id", "knowledge_reviews", ["entry", "id"])
    op.create_table(
        "knowledge_reloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_reloads")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_reloads")
    op.drop_table("knowledge_reviews")
    op.drop_table("nlu_review_items")
