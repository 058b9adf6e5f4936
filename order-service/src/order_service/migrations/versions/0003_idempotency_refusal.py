"""idempotency_record: a key can also record a refusal (no order), so a retry of the same request
gets the same answer whichever attempt ran first.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_record") as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("refused_book_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_record WHERE order_id IS NULL")
    with op.batch_alter_table("idempotency_record") as batch_op:
        batch_op.drop_column("refused_book_id")
        batch_op.alter_column("order_id", existing_type=sa.BigInteger(), nullable=False)
