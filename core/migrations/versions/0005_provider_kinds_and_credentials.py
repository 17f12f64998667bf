"""api_providers.kind and api_providers.credentials: several providers of one protocol, keys in the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:30:00

Until now a provider's ``name`` was also its protocol, so only one of each could exist. ``kind`` now
names the protocol and ``name`` is the admin's label; every existing row gets ``kind = name`` (the
seeded rows were named after their protocol), so it keeps working unchanged. ``credentials`` holds a
key encrypted with a key derived from the secret key (``core.secret_box``); existing rows have none,
their keys keep coming from the environment.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a server default, so SQLite adds the column in place (no table rebuild under the
    # api_models foreign key); the UPDATE then gives every existing row its real protocol.
    with op.batch_alter_table("api_providers", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="builtin"))
        batch_op.add_column(sa.Column("credentials", sa.Text(), nullable=True))
    op.execute(sa.text("UPDATE api_providers SET kind = name"))
    op.execute(sa.text("UPDATE api_providers SET kind = 'openai' WHERE name = 'openai_images'"))  # the old alias


def downgrade() -> None:
    op.drop_column("api_providers", "credentials")
    op.drop_column("api_providers", "kind")
