"""Shipments remember their saga's correlation id (scheduled updates carry it on).

Revision ID: 0002
Revises: 0001
Create Date: 2024-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shipment", sa.Column("correlation_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipment") as batch:
        batch.drop_column("correlation_id")
