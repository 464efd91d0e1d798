"""Exact row counts of the large tables without counting them: every page of a list shows its total, and a
``COUNT(*)`` over the whole table costs time in proportion to the table.

On PostgreSQL, triggers record every insert, delete and truncate of a counted table as a signed delta in
``samverkan_rowcount`` (one row per statement: writers never wait on each other for a counter); the count is
the sum of the table's deltas, and ``compact`` folds them into one row (the nightly scan's task does). The
deltas are written in the writing transaction, so a count is exactly what a ``COUNT(*)`` in the same snapshot
would give. Lists count through ``exact_count``: the recorded count when the list has no filter, else
``COUNT(*)``. On other databases (the embedded SQLite of ``make run``) nothing is installed and lists count.

A migration adds counting to tables with ``CountRows("app_table", ...)``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection, connections, migrations
from django.db.models import QuerySet
from django.utils.functional import cached_property

TABLE = "samverkan_rowcount"
FUNCTION = "samverkan_rowcount_record"

# The tables whose counts the migrations record (``CountRows``): the large ones the lists page through.
COUNTED_TABLES = frozenset(
    {
        "stakeholders_organization",
        "stakeholders_person",
        "agreements_agreement",
        "agreements_party",
        "agreements_representative",
        "agreements_responsibility",
        "agreements_anchoring",
        "agreements_commitment",
        "agreements_interaction",
        "agreements_followup",
        "assessments_riskflag",
    }
)

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_table_name ON {TABLE} (table_name);
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TABLE} (table_name, delta) SELECT TG_TABLE_NAME, count(*) FROM added HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {TABLE} (table_name, delta) SELECT TG_TABLE_NAME, -count(*) FROM removed HAVING count(*) > 0;
    ELSE
        DELETE FROM {TABLE} WHERE table_name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
"""


def _install(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    return f"""
{_CREATE}
DROP TRIGGER IF EXISTS {table}_rowcount_insert ON {quoted};
DROP TRIGGER IF EXISTS {table}_rowcount_delete ON {quoted};
DROP TRIGGER IF EXISTS {table}_rowcount_truncate ON {quoted};
LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM {TABLE} WHERE table_name = '{table}';
INSERT INTO {TABLE} (table_name, delta) SELECT '{table}', count(*) FROM {quoted};
CREATE TRIGGER {table}_rowcount_insert AFTER INSERT ON {quoted}
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER {table}_rowcount_delete AFTER DELETE ON {quoted}
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER {table}_rowcount_truncate AFTER TRUNCATE ON {quoted}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""


def _uninstall(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    return f"""
DROP TRIGGER IF EXISTS {table}_rowcount_insert ON {quoted};
DROP TRIGGER IF EXISTS {table}_rowcount_delete ON {quoted};
DROP TRIGGER IF EXISTS {table}_rowcount_truncate ON {quoted};
DELETE FROM {TABLE} WHERE table_name = '{table}';
"""


class CountRows(migrations.operations.base.Operation):
    """Start (or, backwards, stop) recording the row counts of ``tables`` (PostgreSQL only)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, *tables: str):
        unknown = set(tables) - COUNTED_TABLES
        if unknown:
            raise ValueError(f"add {sorted(unknown)} to COUNTED_TABLES to read their counts")
        self.tables = tables

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, sql_of) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in self.tables:
            schema_editor.execute(sql_of(table), params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, _install)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, _uninstall)

    def describe(self):
        return f"Record the row counts of {', '.join(self.tables)}"

    def deconstruct(self):
        return (f"{__name__}.{type(self).__name__}", self.tables, {})


def recorded_count(table: str, using: str = "default") -> int | None:
    """The table's row count as recorded, or None where it is not recorded (one query; none for a table that
    is not in ``COUNTED_TABLES``)."""
    holder = connections[using]
    if holder.vendor != "postgresql" or table not in COUNTED_TABLES:
        return None
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s) "
            f"THEN (SELECT COALESCE(sum(delta), 0) FROM {TABLE} WHERE table_name = %s) END",
            [table, f"{table}_rowcount_insert", table],
        )
        found = cursor.fetchone()[0]
    return None if found is None else int(found)


def _unfiltered(queryset: QuerySet) -> bool:
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and not query.combinator
        and query.low_mark == 0
        and query.high_mark is None
        and not query.group_by
    )


def exact_count(queryset) -> int:
    """``queryset.count()``, from the recorded count when the queryset is a whole counted table."""
    if isinstance(queryset, QuerySet) and _unfiltered(queryset):
        found = recorded_count(queryset.model._meta.db_table, queryset.db)
        if found is not None:
            return found
    return queryset.count() if hasattr(queryset, "count") else len(queryset)


def compact(using: str = "default") -> int:
    """Fold each table's deltas into one row; returns the rows removed. Safe beside writers: the deltas it
    deletes are the ones it sums, in one statement."""
    holder = connections[using]
    if holder.vendor != "postgresql":
        return 0
    with holder.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"WITH gone AS (DELETE FROM {TABLE} RETURNING table_name, delta), "
            f"folded AS (INSERT INTO {TABLE} (table_name, delta) SELECT table_name, sum(delta) FROM gone "
            "GROUP BY table_name RETURNING 1) "
            "SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM folded)"
        )
        return int(cursor.fetchone()[0])


class CountedPaginator(Paginator):
    """Django's paginator, counting a whole table from the recorded count."""

    @cached_property
    def count(self) -> int:
        return exact_count(self.object_list)
