"""care history guard: refuse REPLACE, TRUNCATE and forged events on care_case / care_event

0003 refuses DELETE on both tables and UPDATE of an event.  That left three ways to rewrite the
append-only history (security finding 8):

* SQLite ``INSERT OR REPLACE`` (also ``REPLACE INTO``, ``UPDATE OR REPLACE``): the conflicting row is
  deleted *without* firing DELETE triggers (``recursive_triggers`` is off), then the new row inserted;
* PostgreSQL ``TRUNCATE``: row triggers do not fire on it;
* any INSERT of a forged event: out of sequence, for no case, by nobody.

The guards below, one form per dialect:

``care_event`` INSERT is refused unless the case exists, ``seq`` is the case's highest ``seq`` + 1
(1 for the first event), ``actor`` is not blank and no event has this ``id``.  On SQLite a BEFORE
INSERT trigger fires before conflict resolution, so ``INSERT OR REPLACE`` / ``REPLACE`` /
``INSERT ... ON CONFLICT`` are refused before anything is deleted (checked by
``tests/store/test_history_guard.py``).  An unspecified INTEGER PRIMARY KEY reads as -1 in a SQLite
BEFORE INSERT trigger, so an AFTER INSERT trigger refuses ids below 1: no row can ever hold -1 and
make the "no event has this id" check refuse every ordinary insert.

``care_case`` INSERT is refused unless ``version`` is 1 and (SQLite) no case has this ``id`` (the
REPLACE defence; on PostgreSQL the primary key raises and ``ON CONFLICT DO UPDATE`` is an UPDATE).
``care_case`` UPDATE is refused if it changes ``id``, ``child_key``, ``source`` or ``opened_on``, or
does not *increase* ``version``: every change of a case's current state is a new version, so an
optimistic-locking client can never miss it (a decreasing or unchanged version would let a stale
writer's ``UPDATE ... WHERE version = :seen`` succeed over someone else's change).

PostgreSQL also gets statement-level BEFORE TRUNCATE triggers on both tables (``TRUNCATE care_case
CASCADE`` fires care_event's too).  ``INSERT ... ON CONFLICT DO UPDATE`` on care_event was already
refused by 0003's UPDATE trigger.

Concurrency (PostgreSQL, READ COMMITTED): two transactions appending to one case may both read the
same max(seq) N and both pass the check with N + 1; the UNIQUE (case_id, seq) index then makes the
second wait for the first and fail when it commits, so duplicates are impossible without a lock.
A gap is impossible too: seq N + 2 passes only once N + 1 is committed, and committed events are
never removed.  (``CaseService.act`` also updates the case row first, which row-locks it.)  On
SQLite writers are serialised by the database lock, taken before the trigger reads.

Limits: these guard data statements, not the schema.  The tables' owner (PostgreSQL) or anyone who
can write the file (SQLite) can drop the triggers; run the web application as a role that owns
nothing (docs/dev/security.md).  A later batch migration that rebuilds either table on
SQLite drops its triggers and must create them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_EVENT_MSG = "案例历史只能按顺序追加 / case history can only be appended in sequence"
_CASE_MSG = "一人一案记录不可替换或回退 / care cases cannot be replaced or rolled back"

_SQLITE = {
    "care_event_guard_insert": f"""
CREATE TRIGGER care_event_guard_insert BEFORE INSERT ON care_event
BEGIN
  SELECT RAISE(ABORT, '{_EVENT_MSG}')
  WHERE NOT EXISTS (SELECT 1 FROM care_case WHERE id = NEW.case_id)
     OR EXISTS (SELECT 1 FROM care_event WHERE id = NEW.id)
     OR NEW.seq IS NULL
     OR NEW.seq <> COALESCE((SELECT MAX(seq) FROM care_event WHERE case_id = NEW.case_id), 0) + 1
     OR TRIM(COALESCE(NEW.actor, '')) = '';
END""",
    "care_event_guard_id": f"""
CREATE TRIGGER care_event_guard_id AFTER INSERT ON care_event WHEN NEW.id < 1
BEGIN SELECT RAISE(ABORT, '{_EVENT_MSG}'); END""",
    "care_case_guard_insert": f"""
CREATE TRIGGER care_case_guard_insert BEFORE INSERT ON care_case
BEGIN
  SELECT RAISE(ABORT, '{_CASE_MSG}')
  WHERE EXISTS (SELECT 1 FROM care_case WHERE id = NEW.id) OR NEW.version IS NOT 1;
END""",
    "care_case_guard_id": f"""
CREATE TRIGGER care_case_guard_id AFTER INSERT ON care_case WHEN NEW.id < 1
BEGIN SELECT RAISE(ABORT, '{_CASE_MSG}'); END""",
    "care_case_guard_update": f"""
CREATE TRIGGER care_case_guard_update BEFORE UPDATE ON care_case
WHEN NEW.id IS NOT OLD.id OR NEW.child_key IS NOT OLD.child_key OR NEW.source IS NOT OLD.source
  OR NEW.opened_on IS NOT OLD.opened_on OR NEW.version IS NULL OR NEW.version <= OLD.version
BEGIN SELECT RAISE(ABORT, '{_CASE_MSG}'); END""",
}

_PG_FUNCTIONS = {
    "care_event_guard": f"""
CREATE FUNCTION care_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM care_case WHERE id = NEW.case_id)
     OR EXISTS (SELECT 1 FROM care_event WHERE id = NEW.id)
     OR NEW.seq IS NULL
     OR NEW.seq <> COALESCE((SELECT max(seq) FROM care_event WHERE case_id = NEW.case_id), 0) + 1
     OR btrim(COALESCE(NEW.actor, '')) = '' THEN
    RAISE EXCEPTION '{_EVENT_MSG} (case %, seq %)', NEW.case_id, NEW.seq
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$""",
    "care_case_guard": f"""
CREATE FUNCTION care_case_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.version IS DISTINCT FROM 1 THEN
      RAISE EXCEPTION '{_CASE_MSG} (INSERT)' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.child_key IS DISTINCT FROM OLD.child_key
        OR NEW.source IS DISTINCT FROM OLD.source OR NEW.opened_on IS DISTINCT FROM OLD.opened_on
        OR NEW.version IS NULL OR NEW.version <= OLD.version THEN
    RAISE EXCEPTION '{_CASE_MSG} (UPDATE)' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$""",
}
_PG_TRIGGERS = {  # name -> (table, statement); care_refuse() comes from 0003
    "care_event_guard_insert": ("care_event", "CREATE TRIGGER care_event_guard_insert BEFORE INSERT ON care_event "
                                              "FOR EACH ROW EXECUTE FUNCTION care_event_guard()"),
    "care_case_guard_write": ("care_case", "CREATE TRIGGER care_case_guard_write BEFORE INSERT OR UPDATE ON care_case "
                                           "FOR EACH ROW EXECUTE FUNCTION care_case_guard()"),
    "care_event_no_truncate": ("care_event", "CREATE TRIGGER care_event_no_truncate BEFORE TRUNCATE ON care_event "
                                             "FOR EACH STATEMENT EXECUTE FUNCTION care_refuse()"),
    "care_case_no_truncate": ("care_case", "CREATE TRIGGER care_case_no_truncate BEFORE TRUNCATE ON care_case "
                                           "FOR EACH STATEMENT EXECUTE FUNCTION care_refuse()"),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for sql in _SQLITE.values():
            op.execute(sql)
    elif dialect == "postgresql":
        for sql in _PG_FUNCTIONS.values():
            op.execute(sql)
        for _table, sql in _PG_TRIGGERS.values():
            op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name, (table, _sql) in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
