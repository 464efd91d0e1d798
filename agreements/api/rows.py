"""The agreement's nested representation built from plain rows, for a page of agreements at once.

The list and the detail answer exactly what ``AgreementSerializer`` documents, but without model instances
or nested serializers: one ``values()`` query per table for the page's agreements (the agreements with
their coordinator, then parties, representatives, anchorings, commitments and responsibilities with the
names they show), each value formatted by the serializer's own field, and the figures computed from the
same rows. A page costs the same queries whatever its size and whatever the size of the tables.
"""

from __future__ import annotations

from collections import defaultdict

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

# The agreement's own columns, in the serializer's order (the figures and nested lists are added).
AGREEMENT_COLUMNS = (
    "id", "title", "reference", "purpose", "goals", "ambition", "status", "valid_from", "valid_to",
    "notice_period_months", "review_interval_months", "next_review_on", "assessment_interval_months",
    "coordinator_id", "coordinator__first_name", "coordinator__last_name", "document", "renewed_from_id",
    "terminated_on", "termination_reason", "created_at", "updated_at",
)  # fmt: skip


def agreement_values(queryset: QuerySet[Agreement]) -> QuerySet:
    """The (filtered, ordered) agreements as the plain rows ``represent`` needs: slice it for a page."""
    return queryset.values(*AGREEMENT_COLUMNS)


def _name(first: str | None, last: str | None) -> str | None:
    if first is None and last is None:
        return None
    return f"{first} {last}".strip()


def _active(left_on, today) -> bool:
    return left_on is None or left_on > today


class _Formats:
    """The serializers' own fields, to format each plain value exactly as the serializers do."""

    def __init__(self, context: dict) -> None:
        def fields(serializer_class):
            return serializer_class(context=context).fields

        self.agreement = fields(AgreementSerializer)
        self.party = fields(AgreementPartySerializer)
        self.representative = fields(AgreementRepresentativeSerializer)
        self.anchoring = fields(AgreementAnchoringSerializer)
        self.commitment = fields(AgreementCommitmentSerializer)
        self.responsibility = fields(AgreementResponsibilitySerializer)

    @staticmethod
    def value(fields, name: str, value):
        return None if value is None else fields[name].to_representation(value)


def represent(rows: list[dict], context: dict) -> list[dict]:
    """The documented JSON of each agreement row (from ``agreement_values``), in the rows' order."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    today = timezone.localdate()
    fmt = _Formats(context)
    value = fmt.value

    parties_of: dict[int, list] = defaultdict(list)
    for party in (
        Party.objects.filter(agreement_id__in=ids)
        .order_by("agreement_id", "organization__name", "id")
        .values_list("id", "agreement_id", "organization_id", "organization__name", "role", "contribution")
    ):
        parties_of[party[1]].append(party)

    representatives_of: dict[int, list] = defaultdict(list)
    for row in (
        Representative.objects.filter(agreement_id__in=ids)
        .order_by("party_id", "-is_primary", "id")
        .values_list(
            "party_id",
            "id",
            "person_id",
            "person__first_name",
            "person__last_name",
            "person__left_on",
            "mandate",
            "hours_per_month",
            "is_primary",
        )  # fmt: skip
    ):
        representatives_of[row[0]].append(row)

    anchorings_of: dict[int, list] = defaultdict(list)
    sponsor_organizations = set()
    for row in (
        Anchoring.objects.filter(agreement_id__in=ids)
        .order_by("party_id", "kind", "id")
        .values_list(
            "party_id",
            "id",
            "kind",
            "body",
            "reference",
            "date",
            "person_id",
            "person__first_name",
            "person__last_name",
            "note",
            "person__left_on",
            "person__organization_id",
        )  # fmt: skip
    ):
        anchorings_of[row[0]].append(row)
        sponsor_organizations.add(row[11])

    commitments_of: dict[int, list] = defaultdict(list)
    for row in (
        Commitment.objects.filter(agreement_id__in=ids)
        .order_by("party_id", "due_on", "id")
        .values_list("party_id", "id", "description", "due_on", "status", "responsible_id")
    ):
        commitments_of[row[0]].append(row)

    responsibilities_of: dict[int, list] = defaultdict(list)
    for row in (
        Responsibility.objects.filter(agreement_id__in=ids)
        .order_by("agreement_id", "kind", "title", "id")
        .values_list(
            "agreement_id",
            "id",
            "title",
            "kind",
            "description",
            "responsible_id",
            "responsible__first_name",
            "responsible__last_name",
            "deputy_id",
            "deputy__first_name",
            "deputy__last_name",
        )  # fmt: skip
    ):
        responsibilities_of[row[0]].append(row)

    # Only the lines above the sponsors' organisations are read, and only if a sponsor sits elsewhere.
    tree = OrganizationTree(organizations=sponsor_organizations)
    rep_fields, anc_fields, com_fields = fmt.representative, fmt.anchoring, fmt.commitment
    party_fields, role_fields, own = fmt.party, fmt.responsibility, fmt.agreement

    answers = []
    for row in rows:
        agreement_id = row["id"]
        parties, mandates = [], {}
        for party_id, _agreement, organization_id, organization_name, role, contribution in parties_of.get(
            agreement_id, ()
        ):
            representatives = []
            decide = []
            for _party, rep_id, person_id, first, last, left_on, mandate, hours, primary in representatives_of.get(
                party_id, ()
            ):
                active = _active(left_on, today)
                if active:
                    decide.append(mandate)
                representatives.append(
                    {
                        "id": rep_id,
                        "person": person_id,
                        "person_name": _name(first, last),
                        "person_is_active": active,
                        "mandate": value(rep_fields, "mandate", mandate),
                        "hours_per_month": value(rep_fields, "hours_per_month", hours),
                        "is_primary": primary,
                    }
                )
            mandates[party_id] = decide
            anchorings, facts = [], []
            for (
                _party, anc_id, kind, body, reference, date, person_id, first, last, note, left_on, person_org,
            ) in anchorings_of.get(party_id, ()):  # fmt: skip
                anchorings.append(
                    {
                        "id": anc_id,
                        "kind": value(anc_fields, "kind", kind),
                        "body": body,
                        "reference": reference,
                        "date": value(anc_fields, "date", date),
                        "person": person_id,
                        "person_name": _name(first, last) if person_id is not None else None,
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
        for (
            _agreement, role_id, title, kind, description, responsible, r_first, r_last, deputy, d_first, d_last,
        ) in responsibilities_of.get(agreement_id, ()):  # fmt: skip
            roles.append((responsible, deputy))
            responsibilities.append(
                {
                    "id": role_id,
                    "title": title,
                    "kind": value(role_fields, "kind", kind),
                    "description": description,
                    "responsible": responsible,
                    "responsible_name": _name(r_first, r_last),
                    "deputy": deputy,
                    "deputy_name": _name(d_first, d_last) if deputy is not None else None,
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
                "document": _document(own, row["document"]),
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


def _document(fields, name: str):
    """The signed document as the serializer's file field shows it (its url), or None."""
    if not name:
        return None
    field = Agreement._meta.get_field("document")
    return fields["document"].to_representation(field.attr_class(None, field, name))
