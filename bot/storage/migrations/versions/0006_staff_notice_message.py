"""Remember the staff-chat message a note about a ticket became, so that /hapus_data can
delete it with the ticket's other traces in the staff group.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_outbox") as batch:
        batch.add_column(sa.Column("staff_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_outbox") as batch:
        batch.drop_column("staff_message_id")
