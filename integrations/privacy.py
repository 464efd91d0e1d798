"""The integrations' part of privacy (stakeholders.privacy): the API tokens issued for a person's login are part
of their export (never the key, which is not stored, nor its digest); closing the login revokes them."""

from django.utils import timezone

from stakeholders.privacy import ExportRequest, PrivacyPart, register, rows


def export(request: ExportRequest) -> dict:
    from integrations.models import ApiToken

    login_id = request.person.user_id
    if login_id is None:
        return {"api_tokens": []}
    return {
        "api_tokens": rows(
            ApiToken.objects.filter(user_id=login_id).order_by("created_at", "id"),
            "id",
            "name",
            "read_only",
            "expires_at",
            "created_at",
            "last_used_at",
            "revoked_at",
            key_begins_with="prefix",
            issued_by="created_by__username",
        )
    }


def close_login(user) -> None:
    from integrations.models import ApiToken

    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


PART = register(PrivacyPart(app_label="integrations", export=export, close_login=close_login))
