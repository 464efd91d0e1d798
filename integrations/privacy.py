"""The integrations' part of privacy (stakeholders.privacy): closing a person's login revokes the integration
API tokens issued for it."""

from django.utils import timezone

from stakeholders.privacy import PrivacyPart, register


def close_login(user) -> None:
    from integrations.models import ApiToken

    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


PART = register(PrivacyPart(app_label="integrations", close_login=close_login))
