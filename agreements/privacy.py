"""The agreements' part of privacy (stakeholders.privacy): the roles a person holds and has held, the
interactions they took part in, and the follow-ups and commitments they answer for. Roles stay
attached to an anonymised person (the pseudonym keeps who held what), so anonymising changes nothing here beyond
the register's sweep of names and addresses."""

from stakeholders.privacy import ExportRequest, PrivacyPart, register, rows


def export(request: ExportRequest) -> dict:
    from agreements.models import (
        Agreement,
        Anchoring,
        Commitment,
        FollowUp,
        Interaction,
        Representative,
        Responsibility,
    )

    pk = request.person.pk
    party = {"agreement_title": "agreement__title", "organization": "party__organization__name"}
    role_fields = ("id", "agreement_id", "title", "kind", "description")
    historical = {
        "representative": Representative.history.model.objects.filter(person_id=pk),
        "responsible": Responsibility.history.model.objects.filter(responsible_id=pk),
        "deputy": Responsibility.history.model.objects.filter(deputy_id=pk),
        "sponsor": Anchoring.history.model.objects.filter(person_id=pk),
        "coordinator": Agreement.history.model.objects.filter(coordinator_id=pk),
    }
    organizations: dict[int, list[str]] = {}
    through = Interaction.organizations.through
    for interaction_id, name in (
        through.objects.filter(interaction__participants__id=pk)
        .order_by("interaction_id", "organization__name")
        .values_list("interaction_id", "organization__name")
    ):
        organizations.setdefault(interaction_id, []).append(name)
    return {
        "representations": rows(
            Representative.objects.filter(person_id=pk).order_by("agreement_id", "id"),
            "id",
            "agreement_id",
            "mandate",
            "hours_per_month",
            "is_primary",
            **party,
        ),
        "responsibilities": rows(
            Responsibility.objects.filter(responsible_id=pk).order_by("agreement_id", "id"),
            *role_fields,
            agreement_title="agreement__title",
        ),
        "deputyships": rows(
            Responsibility.objects.filter(deputy_id=pk).order_by("agreement_id", "id"),
            *role_fields,
            agreement_title="agreement__title",
        ),
        "sponsorships": rows(
            Anchoring.objects.filter(person_id=pk).order_by("agreement_id", "id"),
            "id",
            "agreement_id",
            "kind",
            "body",
            "reference",
            "date",
            "note",
            **party,
        ),
        "interactions": [
            {**row, "organizations": organizations.get(row["id"], [])}
            for row in rows(
                Interaction.objects.filter(participants__id=pk).order_by("date", "id"),
                "id",
                "kind",
                "date",
                "title",
                "notes",
                "decisions",
                "agreement_id",
            )
        ],
        "follow_ups": rows(
            FollowUp.objects.filter(responsible_id=pk).order_by("due_on", "id"),
            "id",
            "description",
            "due_on",
            "status",
            "interaction_id",
            "agreement_id",
        ),
        "commitments_responsible": rows(
            Commitment.objects.filter(responsible_id=pk).order_by("due_on", "id"),
            "id",
            "agreement_id",
            "description",
            "due_on",
            "status",
            organization="party__organization__name",
        ),
        "coordinated_agreements": rows(
            Agreement.objects.filter(coordinator_id=pk).order_by("id"), "id", "title", "reference", "status"
        ),
        "role_history": [
            {"role": role, **row}
            for role, history in historical.items()
            for row in rows(
                history.order_by("history_date", "history_id"),
                "id",
                "history_date",
                "history_type",
                "history_change_reason",
                *(() if role == "coordinator" else ("agreement_id",)),
                **({"agreement_id": "id"} if role == "coordinator" else {}),
            )
        ],
    }


PART = register(PrivacyPart(app_label="agreements", export=export))
