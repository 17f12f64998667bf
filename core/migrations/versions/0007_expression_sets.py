"""expression_sets, expression_labels, expression_images: a character's expression sprites

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:10:00

One set per character (its labels in order, the face it was made from, the background asked for),
one row per label with its own state and chosen image, one row per image (generated, uploaded or
imported alternatives). The set's job is a ``jobs`` row of ``job_type = 'expression_set'``; each
label's generation is a ``jobs`` row of ``job_type = 'expression'``, so the slot limits count them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "expression_sets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("character_id", sa.String(36), sa.ForeignKey("characters.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("source_kind", sa.String(20), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_portrait_id", sa.String(36), nullable=True),
        sa.Column("background", sa.String(20), nullable=False),
        sa.Column("api_model_id", sa.String(36), sa.ForeignKey("api_models.id", ondelete="SET NULL"), nullable=True),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("background IN ('transparent', 'plain')", name="valid_expr_background"),
    )
    op.create_table(
        "expression_labels",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("set_id", sa.String(36), sa.ForeignKey("expression_sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("chosen_image_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'generating', 'completed', 'failed', 'cancelled')",
                           name="valid_expression_status"),
        sa.UniqueConstraint("set_id", "label", name="uq_expression_labels_set_label"),
    )
    op.create_table(
        "expression_images",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("set_id", sa.String(36), sa.ForeignKey("expression_sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label_id", sa.String(36), sa.ForeignKey("expression_labels.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("image_url", sa.Text(), nullable=False),
        sa.Column("thumbnail_url", sa.Text(), nullable=True),
        sa.Column("storage_path", sa.Text(), nullable=True),
        sa.Column("background", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("idx_expression_images_label_id", "expression_images", ["label_id", "created_at"])


def downgrade() -> None:
    op.drop_index("idx_expression_images_label_id", table_name="expression_images")
    op.drop_table("expression_images")
    op.drop_table("expression_labels")
    op.drop_table("expression_sets")
