"""Index sessions by refresh expiry, for the purge of dead sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_session_refresh_expires", "user_session", ["refresh_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_user_session_refresh_expires", table_name="user_session")
