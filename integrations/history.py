"""Writes made with an API token, in the change history: each history row written during a request that an
integrations.ApiToken authenticated is noted with that token and its issuer (ApiTokenWrite), and the admin's
history pages show the note beside the account the change is recorded under."""

from django.contrib.contenttypes.models import ContentType
from simple_history.models import HistoricalRecords


def note_token_write(sender, history_instance, **kwargs) -> None:
    """simple_history's post_create_historical_record: note the token if the current request used one."""
    from integrations.models import ApiToken, ApiTokenWrite

    request = getattr(HistoricalRecords.context, "request", None)
    # DRF puts the authenticated token on the Django request too (Request.auth's setter).
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return
    ApiTokenWrite.objects.create(
        history_model=ContentType.objects.get_for_model(type(history_instance), for_concrete_model=False),
        history_id=history_instance.pk,
        token=token,
        token_prefix=token.prefix,
        issued_by_id=token.created_by_id,
    )


def token_notes(history_model, history_ids: list) -> dict:
    """{history id: "API token «…» (svk_…), issued by …"} for those of ``history_ids`` written with a token."""
    from integrations.models import ApiTokenWrite

    if not history_ids:
        return {}
    writes = ApiTokenWrite.objects.filter(
        history_model=ContentType.objects.get_for_model(history_model, for_concrete_model=False),
        history_id__in=history_ids,
    ).select_related("token", "issued_by")
    return {write.history_id: str(write) for write in writes}
