"""characters.appearance_details: the character's looks in prose, apart from personality traits

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:30:00

Before this, the studio's "Appearance details" box was bound to ``traits``. Existing rows keep their
``traits`` as they are (they may hold either; only the person can tell) and get no details.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("characters", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("appearance_details", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("characters", "appearance_details")
