from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext

from samverkan_project.api.views import body_too_large, error_response


class SwedishFirstLocaleMiddleware(LocaleMiddleware):
    """Swedish unless the user chose otherwise (language cookie).

    The browser's Accept-Language is honoured only for the API, where an integrator asks for a
    language per request; in the admin a coordinator picks English explicitly.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        elif request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RequestLimitsMiddleware:
    """Refuse an over-long URL (414) or a body declared larger than accepted (413) before anything reads it,
    as JSON on the API's paths (a short page elsewhere); after the locale middleware (the message is in the
    request's language), before anything reads the body.

    A body that is not a multipart upload is read into memory whole, so it may be at most
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; a multipart upload (a signed document, an import file) at most
    ``REQUEST_BODY_MAX_BYTES``. gunicorn reads at most a little more than ``REQUEST_URL_MAX_LENGTH`` of
    the request line and answers longer ones itself (gunicorn.conf.py), in JSON too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_URL_MAX_LENGTH
        if len(request.get_full_path()) > limit:
            return error_response(
                request,
                414,
                gettext("Address too long"),
                gettext("The address is too long: at most %(limit)d characters (path and query) are accepted.")
                % {"limit": limit},
            )
        limit = body_limit(request)
        if limit is not None and declared_length(request) > limit:
            return body_too_large(request, limit)
        return self.get_response(request)


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty


def body_limit(request) -> int | None:
    if request.content_type == "multipart/form-data":
        return settings.REQUEST_BODY_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.REQUEST_BODY_MAX_BYTES
