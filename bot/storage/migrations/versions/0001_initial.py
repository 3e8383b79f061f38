"""Initial schema: users, tickets, messages, feedback, audit events, processed updates.

Hand-written and dialect-neutral (SQLite and PostgreSQL). Enumerations are VARCHAR(32) with
CHECK constraints rather than native ENUM types, so adding a value later is a small migration.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_TICKET_CONDITION = "status <> 'selesai'"


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=op.f(name), native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("pseudonym", sa.String(16), nullable=False),
        sa.Column("share_name", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("data_deleted_at"),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_users_pseudonym")),
    )

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            _enum("ck_tickets_ticket_status", "baru", "diambil", "selesai"),
            nullable=False,
        ),
        sa.Column(
            "reason",
            _enum(
                "ck_tickets_escalation_reason",
                "konsultasi_kasus",
                "minta_konsultan",
                "tombol_konsultan",
                "clarify_ditolak",
                "nlu_tidak_tersedia",
            ),
            nullable=False,
        ),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("consultant_id", sa.BigInteger(), nullable=True),
        sa.Column("consultant_name", sa.String(255), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("claimed_at"),
        _timestamp("first_reply_at"),
        _timestamp("closed_at"),
        sa.Column(
            "closed_by",
            _enum("ck_tickets_closed_by", "konsultan", "pengguna", "otomatis"),
            nullable=True,
        ),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("staff_message_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_thread_id", sa.BigInteger(), nullable=True),
        _timestamp("last_user_message_at"),
        _timestamp("last_reminder_at"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_tickets_rating_range")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.telegram_user_id"], name=op.f("fk_tickets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_user_id"), "tickets", ["user_id"])
    op.create_index(op.f("ix_tickets_staff_message_id"), "tickets", ["staff_message_id"])
    op.create_index(op.f("ix_tickets_status_created_at"), "tickets", ["status", "created_at"])
    op.create_index(
        op.f("uq_tickets_user_id_open"),
        "tickets",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_TICKET_CONDITION),
        sqlite_where=sa.text(OPEN_TICKET_CONDITION),
    )

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("direction", _enum("ck_messages_message_direction", "in", "out"), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_message_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.telegram_user_id"],
            name=op.f("fk_messages_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_messages_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(op.f("ix_messages_chat_id_created_at"), "messages", ["chat_id", "created_at"])
    op.create_index(op.f("ix_messages_created_at"), "messages", ["created_at"])
    op.create_index(op.f("ix_messages_user_id"), "messages", ["user_id"])
    op.create_index(op.f("ix_messages_ticket_id"), "messages", ["ticket_id"])
    op.create_index(op.f("ix_messages_staff_message_id"), "messages", ["staff_message_id"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("answer_message_id", sa.BigInteger(), nullable=True),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.telegram_user_id"],
            name=op.f("fk_feedback_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_user_id"), "feedback", ["user_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_audit_events_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_ticket_id"), "audit_events", ["ticket_id"])

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _timestamp("created_at", nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_created_at"), "processed_updates", ["created_at"])


def downgrade() -> None:
    op.drop_table("processed_updates")
    op.drop_table("audit_events")
    op.drop_table("feedback")
    op.drop_table("messages")
    op.drop_table("tickets")
    op.drop_table("users")
