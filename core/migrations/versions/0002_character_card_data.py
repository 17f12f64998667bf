"""characters.card_data: what an imported character card carried that has no column

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:00:00

A plain ``ADD COLUMN ... NOT NULL DEFAULT '{}'``: existing rows get ``{}``. The default is a literal
string on purpose: with a SQL expression as default, Alembic's SQLite batch mode would rebuild the
table (copy, drop, rename), and dropping ``characters`` with foreign keys on cascades into portraits
and scenes. The downgrade drops the column in place (native on PostgreSQL and SQLite >= 3.35).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("characters", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("card_data", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    op.drop_column("characters", "card_data")
