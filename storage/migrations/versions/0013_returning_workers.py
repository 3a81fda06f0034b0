"""returning workers' health records per site (返岗人员健康档案)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'returningworker',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('returned_on', sa.Date(), nullable=False),
        sa.Column('test_date', sa.Date(), nullable=True),
        sa.Column('test_result', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('record_made', sa.Boolean(), nullable=False),
        sa.Column('observation_end', sa.Date(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'name', 'id_number', name='uq_worker_site_name_id'),
    )
    with op.batch_alter_table('returningworker') as batch_op:
        batch_op.create_index(batch_op.f('ix_returningworker_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returningworker_returned_on'), ['returned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_returningworker_observation_end'), ['observation_end'], unique=False)


def downgrade() -> None:
    op.drop_table('returningworker')
