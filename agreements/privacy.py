"""The agreements' part of privacy (stakeholders.privacy): the roles a person holds and has held. Roles stay
attached to an anonymised person (the pseudonym keeps who held what), so anonymising changes nothing here beyond
the register's sweep of names and addresses."""

from stakeholders.privacy import ExportRequest, PrivacyPart, register, rows


def export(request: ExportRequest) -> dict:
    from agreements.models import Agreement, Anchoring, Representative, Responsibility

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
