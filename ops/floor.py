"""The agreements list's floor: one SQL statement that builds the list's first page of JSON.

PostgreSQL builds the page (the default ordering, the agreements with their parties, representatives,
anchorings, commitments and responsibilities, the people's and organisations' names) as JSON text: what the
page costs with no Python at all. ``make bench-web`` times it beside the list; the load test serves it as its
one-query endpoint (ops.loadtest). It leaves out only what the rules compute (bus factor, mandate coverage,
anchoring status), giving their inputs instead.
"""

from __future__ import annotations

from django.db import connection

from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from stakeholders.models import Organization, Person

PAGE = 50  # the API's PAGE_SIZE


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def floor_sql(page: int = PAGE) -> str:
    """One statement that builds the agreements list's page (the default ordering, ``page`` agreements with
    their parties, representatives, anchorings, commitments and responsibilities) as JSON text."""
    agreement, person, organization = _table(Agreement), _table(Person), _table(Organization)

    def name(alias: str) -> str:
        return f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE btrim({alias}.first_name || ' ' || {alias}.last_name) END"

    def active(alias: str) -> str:
        return f"({alias}.left_on IS NULL OR {alias}.left_on > CURRENT_DATE)"

    representatives = (
        "SELECT COALESCE(json_agg(json_build_object('id', r.id, 'person', r.person_id, 'person_name', "
        f"{name('rp')}, 'person_is_active', {active('rp')}, 'mandate', r.mandate, 'hours_per_month', "
        "r.hours_per_month::text, 'is_primary', r.is_primary) ORDER BY r.is_primary DESC, r.id), '[]') "
        f"FROM {_table(Representative)} r JOIN {person} rp ON rp.id = r.person_id WHERE r.party_id = pa.id"
    )
    anchorings = (
        "SELECT COALESCE(json_agg(json_build_object('id', an.id, 'kind', an.kind, 'body', an.body, 'reference', "
        f"an.reference, 'date', an.date, 'person', an.person_id, 'person_name', {name('ap')}, 'note', an.note, "
        f"'active', {active('ap')}, 'organization', ap.organization_id) ORDER BY an.kind, an.id), '[]') "
        f"FROM {_table(Anchoring)} an LEFT JOIN {person} ap ON ap.id = an.person_id WHERE an.party_id = pa.id"
    )
    commitments = (
        "SELECT COALESCE(json_agg(json_build_object('id', c.id, 'description', c.description, 'due_on', c.due_on, "
        f"'status', c.status) ORDER BY c.due_on, c.id), '[]') FROM {_table(Commitment)} c WHERE c.party_id = pa.id"
    )
    parties = (
        "SELECT COALESCE(json_agg(json_build_object('id', pa.id, 'organization', pa.organization_id, "
        "'organization_name', o.name, 'role', pa.role, 'contribution', pa.contribution, "
        f"'representatives', ({representatives}), 'anchorings', ({anchorings}), 'commitments', ({commitments})) "
        f"ORDER BY o.name, pa.id), '[]') FROM {_table(Party)} pa JOIN {organization} o ON o.id = pa.organization_id "
        "WHERE pa.agreement_id = a.id"
    )
    responsibilities = (
        "SELECT COALESCE(json_agg(json_build_object('id', rs.id, 'title', rs.title, 'kind', rs.kind, "
        "'description', rs.description, 'responsible', rs.responsible_id, 'responsible_name', "
        f"{name('re')}, 'deputy', rs.deputy_id, 'deputy_name', {name('de')}) ORDER BY rs.kind, rs.title, rs.id), "
        f"'[]') FROM {_table(Responsibility)} rs JOIN {person} re ON re.id = rs.responsible_id "
        f"LEFT JOIN {person} de ON de.id = rs.deputy_id WHERE rs.agreement_id = a.id"
    )
    fields = (
        "'id', a.id, 'title', a.title, 'reference', a.reference, 'purpose', a.purpose, 'goals', a.goals, "
        "'ambition', a.ambition, 'status', a.status, 'valid_from', a.valid_from, 'valid_to', a.valid_to, "
        "'notice_period_months', a.notice_period_months, 'review_interval_months', a.review_interval_months, "
        "'next_review_on', a.next_review_on, 'is_review_overdue', COALESCE(a.next_review_on < CURRENT_DATE, false), "
        "'assessment_interval_months', a.assessment_interval_months, 'coordinator', a.coordinator_id, "
        f"'coordinator_name', {name('co')}, 'document', NULLIF(a.document, ''), 'renewed_from', a.renewed_from_id, "
        "'terminated_on', a.terminated_on, 'termination_reason', a.termination_reason, "
        "'created_at', a.created_at, 'updated_at', a.updated_at"
    )
    return (
        f"WITH page AS (SELECT * FROM {agreement} ORDER BY valid_from DESC, title, id LIMIT {int(page)}) "
        "SELECT json_build_object('count', (SELECT count(*) FROM " + agreement + "), 'results', "
        f"COALESCE(json_agg(json_build_object({fields}, 'parties', ({parties}), "
        f"'responsibilities', ({responsibilities})) ORDER BY a.valid_from DESC, a.title, a.id), '[]'))::text "
        f"FROM page a LEFT JOIN {person} co ON co.id = a.coordinator_id"
    )
