from integrations.models import ApiToken
from integrations.services import key_digest


def api_token_for_key(key: str) -> ApiToken | None:
    """The token with this key, with its account, whether usable or not (the caller decides)."""
    return ApiToken.objects.select_related("user").filter(key_digest=key_digest(key)).first()
