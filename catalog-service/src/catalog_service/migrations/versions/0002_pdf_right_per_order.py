"""PDF download rights per order, withdrawable: pdf_grant (one row per user and book) becomes
pdf_right (one row per order and book, with granted_at and withdrawn_at).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pdf_right",
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("book_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "book_id", name=op.f("pk_pdf_right")),
    )
    op.create_index("ix_pdf_right_user_book", "pdf_right", ["user_id", "book_id"])
    op.execute("INSERT INTO pdf_right (order_id, book_id, user_id, granted_at) "
               "SELECT order_id, book_id, user_id, granted_at FROM pdf_grant")
    op.drop_table("pdf_grant")


def downgrade() -> None:
    op.create_table(
        "pdf_grant",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("book_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "book_id", name=op.f("pk_pdf_grant")),
    )
    op.execute("INSERT INTO pdf_grant (user_id, book_id, order_id, granted_at) "
               "SELECT user_id, book_id, MIN(order_id), MIN(granted_at) FROM pdf_right "
               "WHERE granted_at IS NOT NULL AND withdrawn_at IS NULL GROUP BY user_id, book_id")
    op.drop_index("ix_pdf_right_user_book", table_name="pdf_right")
    op.drop_table("pdf_right")
