"""Remember when an update was completely handled, and keep polled updates until they are.

``processed_updates.completed_at``: an update stored but not completed was cut short and is
handled again. ``inbox_updates``: what polling took from Telegram, kept until it is handled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    # Updates stored before this revision were handled by the code of their time.
    op.execute("UPDATE processed_updates SET completed_at = created_at")
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox_updates")),
    )


def downgrade() -> None:
    op.drop_table("inbox_updates")
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("completed_at")
