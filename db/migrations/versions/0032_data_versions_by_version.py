"""Issue 31: an index on the data versions' version, so that a kept list finds the few reviews moved since its last
look without reading every review's version.

A kept per-review list (services.unit_of_work._members) asks, after a write, for the reviews whose version its last
snapshot did not see. Such a version is at or after the snapshot's xmin, which the statement now says
(services.integrity.versions_where): with this index the few versions moved are found on it. Measured with EXPLAIN
ANALYZE on 25,000 reviews, four of them moved: 6-10 ms before (every review's version read and hash-joined to every
review), 1.2 ms with the xmin condition alone (every version still read), 0.07 ms with it and this index (an index
range scan, then the four reviews by their key).

Each write moves a version, so each of those updates now writes this index too (not a heap-only update): one index
entry per review a transaction changes.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_data_versions_version", "data_versions", ["version"])


def downgrade() -> None:
    op.drop_index("ix_data_versions_version", table_name="data_versions")
