"""indexes for paged agreement lists

The logbook (`/agreements`), the agenda and the App Home read one page of agreements in
force, soonest review first: these indexes give that page in order, without sorting
every agreement of the channel or workspace. The new channel index starts with the
columns of the one it replaces.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_team_channel_status")
        batch_op.create_index(
            "ix_agreements_team_channel_status_review",
            ["team_id", "channel_id", "status", "review_date", "number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_agreements_team_status_review", ["team_id", "status", "review_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_team_status_review")
        batch_op.drop_index("ix_agreements_team_channel_status_review")
        batch_op.create_index(
            "ix_agreements_team_channel_status", ["team_id", "channel_id", "status"], unique=False
        )
