"""Consultants as a team and the intake before a ticket: the owner's last act (auto-release),
a pending hand-over, the ASN's optional intake (employment, agency, deadline), the office's
reply templates and each consultant's choice to show their name to the ASN.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=op.f(name), native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("owner_active_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("employment", _enum("ck_tickets_employment", "pns", "pppk"), nullable=True)
        )
        batch.add_column(sa.Column("agency", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("deadline", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "intake_step",
                _enum("ck_tickets_intake_step", "kepegawaian", "instansi", "tenggat"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("transfer_to_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("transfer_to_name", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("transfer_offered_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_templates")),
    )
    op.create_index(
        "uq_reply_templates_office_name", "reply_templates", ["office", "name"], unique=True
    )
    op.create_table(
        "consultant_profiles",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("show_name", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_consultant_profiles")),
    )


def downgrade() -> None:
    op.drop_table("consultant_profiles")
    op.drop_table("reply_templates")
    with op.batch_alter_table("tickets") as batch:
        for column in (
            "transfer_offered_at",
            "transfer_to_name",
            "transfer_to_id",
            "intake_step",
            "deadline",
            "agency",
            "employment",
            "owner_active_at",
        ):
            batch.drop_column(column)
