"""privacy and the desk's defences: account roles and permissions, session versions, login
throttles, an append-only audit log, purge runs; unit.community and member.phone

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_REFUSE = {
    "sqlite": ["CREATE TRIGGER audit_no_update BEFORE UPDATE ON auditevent BEGIN "
               "SELECT RAISE(ABORT, 'the audit log is append-only'); END",
               "CREATE TRIGGER audit_no_delete BEFORE DELETE ON auditevent BEGIN "
               "SELECT RAISE(ABORT, 'the audit log is append-only'); END"],
    "postgresql": ["CREATE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON auditevent "
                   "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"],
}


def upgrade() -> None:
    with op.batch_alter_table('unit') as batch_op:
        batch_op.add_column(sa.Column('community', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('member') as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('webuser') as batch_op:
        batch_op.add_column(sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='district'))
        batch_op.add_column(sa.Column('community', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('permissions', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('webuser') as batch_op:
        batch_op.alter_column('role', server_default=None)
        batch_op.alter_column('permissions', server_default=None)
    op.execute("UPDATE webuser SET role = 'street' WHERE street IS NOT NULL")
    op.create_table('accountstate',
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('session_version', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('username'))
    op.create_table('addressthrottle',
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('address'))
    op.create_table('auditevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('whole', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_audit_at', 'auditevent', ['at'])
    op.create_index('ix_audit_who_at', 'auditevent', ['who', 'at'])
    for statement in _REFUSE[op.get_bind().dialect.name]:
        op.execute(statement)
    op.create_table('purgerun',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('purgerun')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_no_change ON auditevent")
        op.execute("DROP FUNCTION audit_append_only()")
    op.drop_table('auditevent')
    op.drop_table('addressthrottle')
    op.drop_table('accountstate')
    with op.batch_alter_table('webuser') as batch_op:
        for name in ('permissions', 'community', 'role'):
            batch_op.drop_column(name)
    with op.batch_alter_table('member') as batch_op:
        batch_op.drop_column('phone')
    with op.batch_alter_table('unit') as batch_op:
        batch_op.drop_column('community')
