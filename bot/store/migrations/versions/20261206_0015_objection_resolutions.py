"""objection resolutions: how an amended version resolves each objection

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("resolution", "resolution_how", "resolution_owner", "resolution_date", "resolved_in")


def upgrade() -> None:
    op.add_column("objections", sa.Column("resolution", sa.String(20), nullable=True))
    op.add_column("objections", sa.Column("resolution_how", sa.Text(), nullable=True))
    op.add_column("objections", sa.Column("resolution_owner", sa.String(32), nullable=True))
    op.add_column("objections", sa.Column("resolution_date", sa.Date(), nullable=True))
    # The round of the amended version that answers it (no foreign key: a plain add on SQLite).
    op.add_column("objections", sa.Column("resolved_in", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("objections", recreate="never") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
