"""Exact row counts of the large tables without counting them: every page of a list shows its total, and a
``COUNT(*)`` over the whole table costs time in proportion to the table.

On PostgreSQL, triggers record every insert, delete and truncate of a counted table as signed deltas in
``samverkan_rowcount`` (rows written per statement: writers never wait on each other for a counter); the count
is the sum of the table's deltas, and ``compact`` folds them (the nightly task does). A table may be counted
by the values of some of its columns as well (the risk flags by status, severity and rule; an update trigger
then moves rows between groups), so a list filtered on one of them, or a summary by them, adds up recorded
counts too. The deltas are written in the writing transaction, so a count is exactly what a ``COUNT(*)`` in
the same snapshot would give. Lists count through ``exact_count``: recorded counts when the list has no filter
(or only one on a counted column), else ``COUNT(*)``. On other databases (the embedded SQLite of ``make run``)
nothing is installed and lists count.

A migration adds counting to tables with ``CountRows("app_table", ...)``; the tables and their counted columns
are listed in ``COUNTED_TABLES``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection, connections, migrations
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.utils.functional import cached_property

TABLE = "samverkan_rowcount"
FUNCTION = "samverkan_rowcount_record"

# The counted tables and the columns each is counted by as well (none: counted as a whole).
COUNTED_TABLES: dict[str, tuple[str, ...]] = {
    "stakeholders_organization": (),
    "stakeholders_person": (),
    "agreements_agreement": (),
    "agreements_party": (),
    "agreements_representative": (),
    "agreements_responsibility": (),
    "agreements_anchoring": (),
    "agreements_commitment": (),
    "agreements_interaction": (),
    "agreements_followup": (),
    "assessments_assessmentround": (),
    "assessments_riskflag": ("status", "severity", "rule"),
}
SEPARATOR = "|"  # between the values of a group (none of the counted columns holds one)

# The expression of a row's group is the trigger's argument.
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    grp text NOT NULL DEFAULT '',
    delta bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_table_name ON {TABLE} (table_name);
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    grp text := COALESCE(TG_ARGV[0], '''''');
    changes text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE} WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changes := format('SELECT %s AS grp, 1 AS delta FROM added', grp);
    ELSIF TG_OP = 'DELETE' THEN
        changes := format('SELECT %s AS grp, -1 AS delta FROM removed', grp);
    ELSE
        changes := format('SELECT %s AS grp, 1 AS delta FROM added UNION ALL SELECT %s, -1 FROM removed', grp, grp);
    END IF;
    EXECUTE format(
        'INSERT INTO {TABLE} (table_name, grp, delta) SELECT %L, grp, sum(delta) FROM (%s) AS c '
        'GROUP BY grp HAVING sum(delta) <> 0',
        TG_TABLE_NAME, changes
    );
    RETURN NULL;
END
$$;
"""

EVENTS = ("insert", "delete", "truncate", "update")


def _group_sql(table: str) -> str:
    columns = COUNTED_TABLES[table]
    if not columns:
        return "''"
    return f" || '{SEPARATOR}' || ".join(f"{connection.ops.quote_name(column)}::text" for column in columns)


def _drop(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    drops = "\n".join(f"DROP TRIGGER IF EXISTS {table}_rowcount_{event} ON {quoted};" for event in EVENTS)
    return f"{drops}\nDELETE FROM {TABLE} WHERE table_name = '{table}';"


def _install(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    group = _group_sql(table)
    argument = group.replace("'", "''")
    run = f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{argument}')"
    update = (
        f"CREATE TRIGGER {table}_rowcount_update AFTER UPDATE ON {quoted} "
        f"REFERENCING OLD TABLE AS removed NEW TABLE AS added {run};"
        if COUNTED_TABLES[table]
        else ""
    )
    return f"""
{_CREATE}
{_drop(table)}
LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO {TABLE} (table_name, grp, delta) SELECT '{table}', {group}, count(*) FROM {quoted} GROUP BY 2;
CREATE TRIGGER {table}_rowcount_insert AFTER INSERT ON {quoted} REFERENCING NEW TABLE AS added {run};
CREATE TRIGGER {table}_rowcount_delete AFTER DELETE ON {quoted} REFERENCING OLD TABLE AS removed {run};
CREATE TRIGGER {table}_rowcount_truncate AFTER TRUNCATE ON {quoted} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
{update}
"""


def _uninstall(table: str) -> str:
    return _drop(table)


class CountRows(migrations.operations.base.Operation):
    """Start (or, backwards, stop) recording the row counts of ``tables`` (PostgreSQL only)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, *tables: str):
        unknown = set(tables) - set(COUNTED_TABLES)
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


def recorded_groups(table: str, using: str = "default") -> dict[tuple[str, ...], int] | None:
    """The table's recorded row counts by the values of its counted columns (``{(): n}`` for a table counted
    as a whole), or None where they are not recorded (no triggers: another database, or migrated back). One
    query; none for a table that is not in ``COUNTED_TABLES``."""
    holder = connections[using]
    if holder.vendor != "postgresql" or table not in COUNTED_TABLES:
        return None
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT t.installed, c.grp, c.n FROM (SELECT EXISTS (SELECT 1 FROM pg_trigger "
            "WHERE tgrelid = to_regclass(%s) AND tgname = %s) AS installed) AS t "
            f"LEFT JOIN (SELECT grp, sum(delta) AS n FROM {TABLE} WHERE table_name = %s GROUP BY grp) AS c "
            "ON t.installed",
            [table, f"{table}_rowcount_insert", table],
        )
        found = cursor.fetchall()
    if not found or not found[0][0]:
        return None
    counted = bool(COUNTED_TABLES[table])
    groups: dict[tuple[str, ...], int] = {}
    for _installed, group, n in found:
        if group is not None and n:
            key = tuple(group.split(SEPARATOR)) if counted else ()
            groups[key] = groups.get(key, 0) + int(n)
    return groups


def recorded_count(table: str, using: str = "default", **values) -> int | None:
    """The table's recorded row count, or that of its rows whose counted columns hold one of the given values
    (``status=["open", "acknowledged"]``); None where it is not recorded."""
    columns = COUNTED_TABLES.get(table, ())
    if set(values) - set(columns):
        return None
    groups = recorded_groups(table, using)
    if groups is None:
        return None
    wanted = [(columns.index(column), {str(value) for value in allowed}) for column, allowed in values.items()]
    return sum(n for group, n in groups.items() if all(group[i] in allowed for i, allowed in wanted))


def _column_values(queryset: QuerySet) -> dict[str, list] | None:
    """The queryset's filter when it is none (``{}``) or no more than ``column IN (...)`` or ``column = value`` on
    one of its table's counted columns (``{column: values}``); else None."""
    query = queryset.query
    if query.distinct or query.combinator or query.low_mark or query.high_mark is not None or query.group_by:
        return None
    where = query.where
    if not where.children:
        return {}
    if where.negated or len(where.children) != 1:
        return None
    lookup = where.children[0]
    if not isinstance(lookup, In | Exact) or not isinstance(lookup.lhs, Col) or lookup.lhs.alias != query.base_table:
        return None
    column = lookup.lhs.target.column
    if column not in COUNTED_TABLES.get(queryset.model._meta.db_table, ()):
        return None
    values = list(lookup.rhs) if isinstance(lookup, In) else [lookup.rhs]
    if not all(isinstance(value, str) for value in values):
        return None
    return {column: values}


def exact_count(queryset) -> int:
    """``queryset.count()``, from the recorded counts when the queryset is a whole counted table or its rows
    with given values in one counted column."""
    if isinstance(queryset, QuerySet):
        values = _column_values(queryset)
        if values is not None:
            found = recorded_count(queryset.model._meta.db_table, queryset.db, **values)
            if found is not None:
                return found
    return queryset.count() if hasattr(queryset, "count") else len(queryset)


def compact(using: str = "default") -> int:
    """Fold each table's deltas into one row per group; returns the rows removed. Safe beside writers: the
    deltas it deletes are the ones it sums, in one statement."""
    holder = connections[using]
    if holder.vendor != "postgresql":
        return 0
    with holder.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"WITH gone AS (DELETE FROM {TABLE} RETURNING table_name, grp, delta), "
            f"folded AS (INSERT INTO {TABLE} (table_name, grp, delta) SELECT table_name, grp, sum(delta) "
            "FROM gone GROUP BY table_name, grp HAVING sum(delta) <> 0 RETURNING 1) "
            "SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM folded)"
        )
        return int(cursor.fetchone()[0])


class CountedPaginator(Paginator):
    """Django's paginator, taking a whole table's total (or a counted column's) from the recorded counts."""

    @cached_property
    def count(self) -> int:
        return exact_count(self.object_list)
