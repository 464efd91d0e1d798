"""The agreement's nested representation built from plain rows, for a page of agreements at once.

The list and the detail answer exactly what ``AgreementSerializer`` documents, but without model instances
or nested serializers: one query per table for the page's agreements (the agreements with their coordinator,
then parties, representatives, anchorings, commitments and responsibilities, then the names of the people and
organisations they refer to, by id; ``read_by``), each value formatted by the serializer's own
field, and the figures computed from the same rows. A page costs the same queries whatever its size and
whatever the size of the tables.
"""

from __future__ import annotations

import functools
from collections import defaultdict

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from agreements import rules
from agreements.api.serializers import (
    AgreementAnchoringSerializer,
    AgreementCommitmentSerializer,
    AgreementPartySerializer,
    AgreementRepresentativeSerializer,
    AgreementResponsibilitySerializer,
    AgreementSerializer,
)
from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from agreements.selectors import OrganizationTree
from stakeholders.models import Organization, Person

# The agreement's own columns, in the serializer's order (the figures and nested lists are added).
AGREEMENT_COLUMNS = (
    "id", "title", "reference", "purpose", "goals", "ambition", "status", "valid_from", "valid_to",
    "notice_period_months", "review_interval_months", "next_review_on", "assessment_interval_months",
    "coordinator_id", "coordinator__first_name", "coordinator__last_name", "document", "renewed_from_id",
    "terminated_on", "termination_reason", "created_at", "updated_at",
)  # fmt: skip


# The columns read of each table, in the order the rows are unpacked below.
PARTY_COLUMNS = ("id", "agreement_id", "organization_id", "role", "contribution")
REPRESENTATIVE_COLUMNS = ("party_id", "id", "person_id", "mandate", "hours_per_month", "is_primary")
ANCHORING_COLUMNS = ("party_id", "id", "kind", "body", "reference", "date", "person_id", "note")
COMMITMENT_COLUMNS = ("party_id", "id", "description", "due_on", "status", "responsible_id")
RESPONSIBILITY_COLUMNS = ("agreement_id", "id", "title", "kind", "description", "responsible_id", "deputy_id")
PERSON_COLUMNS = ("id", "first_name", "last_name", "left_on", "organization_id")


@functools.cache
def _statement(model, columns: tuple, key: str, order: tuple) -> str:
    """``SELECT columns FROM model's table WHERE key = ANY(%s) ORDER BY order``, written once per process."""
    quote = connection.ops.quote_name
    meta = model._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name.lstrip("-")).column) + (" DESC" if name.startswith("-") else "")

    # The ids come as one array literal: psycopg would otherwise inspect every element of a list to dump it.
    array = f"%s::{meta.get_field(key).db_type(connection)}[]"
    statement = (
        f"SELECT {', '.join(map(column, columns))} FROM {quote(meta.db_table)} WHERE {column(key)} = ANY({array})"
    )
    return f"{statement} ORDER BY {', '.join(map(column, order))}" if order else statement


def read_by(model, columns: tuple, key: str, values, order: tuple) -> list[tuple]:
    """The rows of ``model`` whose ``key`` is one of ``values``, as tuples of ``columns`` in ``order``.

    On PostgreSQL a fixed statement that receives the values as one array: a page's hundreds of ids are neither
    compiled by the ORM nor parsed by the server one placeholder at a time (a third of the list's time went
    there). Elsewhere (SQLite for ``make run``) the ORM's ``IN``, which gives the same tuples."""
    values = list(values)
    if not values:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_statement(model, columns, key, order), ["{" + ",".join(str(int(v)) for v in values) + "}"])
            return cursor.fetchall()
    return list(model.objects.filter(**{f"{key}__in": values}).order_by(*order).values_list(*columns))


def agreement_values(queryset: QuerySet[Agreement]) -> QuerySet:
    """The (filtered, ordered) agreements as the plain rows ``represent`` needs: slice it for a page."""
    return queryset.values(*AGREEMENT_COLUMNS)


def _name(first: str | None, last: str | None) -> str | None:
    if first is None and last is None:
        return None
    return f"{first} {last}".strip()


def _active(left_on, today) -> bool:
    return left_on is None or left_on > today


@functools.cache
def _serializer_fields() -> tuple:
    """The serializers' fields, built once per process: building them is a good part of a request, and none of
    those used here formats differently by request (the signed document, which does, is formatted apart)."""
    return tuple(
        serializer_class().fields
        for serializer_class in (
            AgreementSerializer,
            AgreementPartySerializer,
            AgreementRepresentativeSerializer,
            AgreementAnchoringSerializer,
            AgreementCommitmentSerializer,
            AgreementResponsibilitySerializer,
        )
    )


class _Formats:
    """The serializers' own fields, to format each plain value exactly as the serializers do."""

    def __init__(self, context: dict) -> None:
        (
            self.agreement,
            self.party,
            self.representative,
            self.anchoring,
            self.commitment,
            self.responsibility,
        ) = _serializer_fields()
        self.request = context.get("request")
        self._formatted: dict = {}

    def value(self, fields, name: str, value):
        """``value`` as the field ``name`` shows it. A page repeats the same dates, choices and amounts many
        times, and the fields' formatting is a pure function of the value: each is formatted once."""
        if value is None:
            return None
        key = (id(fields), name, value)
        try:
            return self._formatted[key]
        except KeyError:
            formatted = self._formatted[key] = fields[name].to_representation(value)
            return formatted


def represent(rows: list[dict], context: dict) -> list[dict]:
    """The documented JSON of each agreement row (from ``agreement_values``), in the rows' order."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    today = timezone.localdate()
    fmt = _Formats(context)
    value = fmt.value

    # No read joins the people or organisations: the planner would hash the whole table for a page's few
    # hundred rows. Their names are looked up by id afterwards, one query each.
    parties_of: dict[int, list] = defaultdict(list)
    organization_ids = set()
    for party in read_by(Party, PARTY_COLUMNS, "agreement_id", ids, ("agreement_id", "id")):
        parties_of[party[1]].append(party)
        organization_ids.add(party[2])

    person_ids = set()
    representatives_of: dict[int, list] = defaultdict(list)
    for row in read_by(Representative, REPRESENTATIVE_COLUMNS, "agreement_id", ids, ("party_id", "-is_primary", "id")):
        representatives_of[row[0]].append(row)
        person_ids.add(row[2])

    anchorings_of: dict[int, list] = defaultdict(list)
    for row in read_by(Anchoring, ANCHORING_COLUMNS, "agreement_id", ids, ("party_id", "kind", "id")):
        anchorings_of[row[0]].append(row)
        person_ids.add(row[6])

    commitments_of: dict[int, list] = defaultdict(list)
    for row in read_by(Commitment, COMMITMENT_COLUMNS, "agreement_id", ids, ("party_id", "due_on", "id")):
        commitments_of[row[0]].append(row)

    responsibilities_of: dict[int, list] = defaultdict(list)
    for row in read_by(
        Responsibility, RESPONSIBILITY_COLUMNS, "agreement_id", ids, ("agreement_id", "kind", "title", "id")
    ):
        responsibilities_of[row[0]].append(row)
        person_ids.update(row[5:7])

    person_ids.discard(None)
    # id → (name, left_on, organisation id)
    people = {
        pk: (_name(first, last), left_on, organization_id)
        for pk, first, last, left_on, organization_id in read_by(Person, PERSON_COLUMNS, "id", person_ids, ())
    }
    # The parties are listed by their organisation's name in the database's collation (then by id): the names
    # come in that order, and equal names share a rank.
    organization_names, name_rank = {}, {}
    for pk, name in read_by(Organization, ("id", "name"), "id", organization_ids, ("name",)):
        organization_names[pk] = name
        name_rank.setdefault(name, len(name_rank))
    nobody = (None, None, None)
    sponsor_organizations = {people.get(row[6], nobody)[2] for rows_ in anchorings_of.values() for row in rows_}
    sponsor_organizations.discard(None)

    # Only the lines above the sponsors' organisations are read, and only if a sponsor sits elsewhere.
    tree = OrganizationTree(organizations=sponsor_organizations)
    rep_fields, anc_fields, com_fields = fmt.representative, fmt.anchoring, fmt.commitment
    party_fields, role_fields, own = fmt.party, fmt.responsibility, fmt.agreement

    answers = []
    for row in rows:
        agreement_id = row["id"]
        parties, mandates = [], {}
        ordered = sorted(
            parties_of.get(agreement_id, ()),
            key=lambda party: (name_rank.get(organization_names.get(party[2]), -1), party[0]),
        )
        for party_id, _agreement, organization_id, role, contribution in ordered:
            organization_name = organization_names.get(organization_id)
            representatives = []
            decide = []
            for _party, rep_id, person_id, mandate, hours, primary in representatives_of.get(party_id, ()):
                person_name, left_on, _organization = people.get(person_id, nobody)
                active = _active(left_on, today)
                if active:
                    decide.append(mandate)
                representatives.append(
                    {
                        "id": rep_id,
                        "person": person_id,
                        "person_name": person_name,
                        "person_is_active": active,
                        "mandate": value(rep_fields, "mandate", mandate),
                        "hours_per_month": value(rep_fields, "hours_per_month", hours),
                        "is_primary": primary,
                    }
                )
            mandates[party_id] = decide
            anchorings, facts = [], []
            for _party, anc_id, kind, body, reference, date, person_id, note in anchorings_of.get(party_id, ()):
                person_name, left_on, person_org = people.get(person_id, nobody)
                anchorings.append(
                    {
                        "id": anc_id,
                        "kind": value(anc_fields, "kind", kind),
                        "body": body,
                        "reference": reference,
                        "date": value(anc_fields, "date", date),
                        "person": person_id,
                        "person_name": person_name if person_id is not None else None,
                        "note": note,
                    }
                )
                facts.append(
                    rules.AnchoringFact(
                        kind=kind,
                        person_active=person_id is not None and _active(left_on, today),
                        person_in_party=person_id is not None and tree.contains(person_org, organization_id),
                    )
                )
            parties.append(
                {
                    "id": party_id,
                    "organization": organization_id,
                    "organization_name": organization_name,
                    "role": value(party_fields, "role", role),
                    "contribution": contribution,
                    "anchoring_status": rules.anchoring_status(facts).value,
                    "representatives": representatives,
                    "anchorings": anchorings,
                    "commitments": [
                        {
                            "id": com_id,
                            "description": description,
                            "due_on": value(com_fields, "due_on", due_on),
                            "status": value(com_fields, "status", status),
                            "responsible": responsible_id,
                        }
                        for _party, com_id, description, due_on, status, responsible_id in commitments_of.get(
                            party_id, ()
                        )
                    ],
                }
            )
        roles, responsibilities = [], []
        for _agreement, role_id, title, kind, description, responsible, deputy in responsibilities_of.get(
            agreement_id, ()
        ):
            roles.append((responsible, deputy))
            responsibilities.append(
                {
                    "id": role_id,
                    "title": title,
                    "kind": value(role_fields, "kind", kind),
                    "description": description,
                    "responsible": responsible,
                    "responsible_name": people.get(responsible, nobody)[0],
                    "deputy": deputy,
                    "deputy_name": people.get(deputy, nobody)[0] if deputy is not None else None,
                }
            )
        factor = rules.bus_factor(roles)
        coverage = rules.mandate_coverage(mandates)
        next_review_on = row["next_review_on"]
        answers.append(
            {
                "id": agreement_id,
                "title": row["title"],
                "reference": row["reference"],
                "purpose": row["purpose"],
                "goals": row["goals"],
                "ambition": value(own, "ambition", row["ambition"]),
                "status": value(own, "status", row["status"]),
                "valid_from": value(own, "valid_from", row["valid_from"]),
                "valid_to": value(own, "valid_to", row["valid_to"]),
                "notice_period_months": row["notice_period_months"],
                "review_interval_months": row["review_interval_months"],
                "next_review_on": value(own, "next_review_on", next_review_on),
                "is_review_overdue": next_review_on is not None and next_review_on < today,
                "assessment_interval_months": row["assessment_interval_months"],
                "coordinator": row["coordinator_id"],
                "coordinator_name": _name(row["coordinator__first_name"], row["coordinator__last_name"]),
                "document": _document(fmt.request, row["document"]),
                "renewed_from": row["renewed_from_id"],
                "terminated_on": value(own, "terminated_on", row["terminated_on"]),
                "termination_reason": row["termination_reason"],
                "bus_factor": {"value": factor.value, "exact": factor.exact},
                "mandate_coverage": {"parties": coverage.parties, "with_decide": coverage.with_decide},
                "parties": parties,
                "responsibilities": responsibilities,
                "created_at": value(own, "created_at", row["created_at"]),
                "updated_at": value(own, "updated_at", row["updated_at"]),
            }
        )
    return answers


def _document(request, name: str):
    """The signed document as the serializer's file field shows it: its url, absolute when there is a request;
    or None."""
    if not name:
        return None
    url = Agreement._meta.get_field("document").storage.url(name)
    return request.build_absolute_uri(url) if request is not None else url
