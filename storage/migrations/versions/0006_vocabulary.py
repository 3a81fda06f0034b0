"""vocabulary: taught labels, unknown label counts, pending guesses, registry stamp, notices;
a message may hold several reports (report.source_message_id no longer unique)

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_UNNAMED = {"uq": "uq_%(table_name)s_%(column_0_name)s"}  # SQLite reflects 0001's unique as unnamed


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('report', naming_convention=_UNNAMED) as batch_op:
            batch_op.drop_constraint('uq_report_source_message_id', type_='unique')
            batch_op.create_index('ix_report_source_message_id', ['source_message_id'])
    else:
        op.drop_constraint('report_source_message_id_key', 'report', type_='unique')
        op.create_index('ix_report_source_message_id', 'report', ['source_message_id'])
    op.create_table('vocabalias',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('alias', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('field_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('taught_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('template', 'alias', name='uq_vocabalias_template_alias'))
    op.create_table('unknownlabel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'template', 'label', name='uq_unknownlabel_day_template_label'))
    op.create_index('ix_unknownlabel_day', 'unknownlabel', ['day'])
    op.create_table('pendingguess',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('field_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_pendingguess_room_id', 'pendingguess', ['room_id'])
    op.create_table('registrystamp',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    op.create_table('notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('room_id', 'day', 'key', name='uq_notice_room_day_key'))


def downgrade() -> None:
    op.drop_table('notice')
    op.drop_table('registrystamp')
    op.drop_index('ix_pendingguess_room_id', 'pendingguess')
    op.drop_table('pendingguess')
    op.drop_index('ix_unknownlabel_day', 'unknownlabel')
    op.drop_table('unknownlabel')
    op.drop_table('vocabalias')
    with op.batch_alter_table('report') as batch_op:
        batch_op.drop_index('ix_report_source_message_id')
        batch_op.create_unique_constraint('uq_report_source_message_id', ['source_message_id'])
