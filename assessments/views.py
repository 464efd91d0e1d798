"""The public answer page: no login, the personal link's token is the key. Rendered in the respondent's language
(or the one they switch to with ``?lang=``), never cached, never indexed, never sent to another site as a referrer."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from assessments import pairwise, selectors, services
from assessments.forms import AnswerForm
from assessments.models import Item, PairwiseAnswer
from samverkan_project.access import client_address
from samverkan_project.ratelimit import FailureLimiter

# Failed link lookups allowed per client address in a window (seconds); past it every lookup from that
# address is refused until the window ends, good links too, or guessing would go on. Counted in the cache every
# process shares; while it can't be reached (Redis down) each process counts on its own and the page keeps serving.
link_guesses = FailureLimiter(
    "assessments:bad-links",
    limit_setting="ASSESSMENT_LINK_RATE_LIMIT",
    window_setting="ASSESSMENT_LINK_RATE_WINDOW",
    limit_default=20,
    window_default=600,
    description="the link guessing limit",
)

PAGE_LANGUAGES = {"sv": "Svenska", "en": "English"}

# The strictest Content-Security-Policy of the site (README, "Content-Security-Policy"): people reach these pages
# without a login, through a link that holds a secret, so they load this site's own script and stylesheet files and
# nothing else — no inline script or style (not even with a nonce), no other host, no framing.
ANSWER_PAGE_POLICY = {
    "default-src": [NONE],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF],
    "form-action": [SELF],
    "base-uri": [NONE],
    "frame-ancestors": [NONE],
}


def _private(view):
    """Headers for every page reached by a personal link: the token is in the URL.

    The referrer policy is ``same-origin``, not ``no-referrer``: under ``no-referrer`` a browser sends
    ``Origin: null`` with the form's POST, which Django's CSRF check rightly refuses. With ``same-origin`` the
    address (and its token) is only ever sent back to this site, which knows it already; never to another."""

    @csp(ANSWER_PAGE_POLICY)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _chosen_language(request) -> str | None:
    chosen = request.GET.get("lang", "")
    return chosen if chosen in PAGE_LANGUAGES else None


def _render(request, template: str, context: dict, *, language: str, status: int = 200):
    other = "en" if language == "sv" else "sv"
    context = {**context, "other_language": other, "other_language_name": PAGE_LANGUAGES[other]}
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response


def _client(request) -> str:
    """The client's address (samverkan_project.access.client_address), the key of the link-guess limit."""
    return client_address(request) or "unknown"


def _respondent_or_refusal(request, token: str):
    """(respondent, None) for a valid link, else (None, the 429 or 404 page); failures count towards the limit."""
    client = _client(request)
    language = _chosen_language(request) or translation.get_language() or settings.LANGUAGE_CODE
    if link_guesses.blocked(client):
        window = link_guesses.window
        response = _render(
            request,
            "assessments/answer/too_many.html",
            {"minutes": max(1, window // 60)},
            language=language,
            status=429,
        )
        response["Retry-After"] = str(window)
        return None, response
    respondent = selectors.respondent_for_token(token)
    if respondent is None:
        link_guesses.failed(client)
        return None, _render(request, "assessments/answer/invalid.html", {}, language=language, status=404)
    return respondent, None


def _with_language(url: str, request) -> str:
    chosen = _chosen_language(request)
    return f"{url}?{urlencode({'lang': chosen})}" if chosen else url


def _unavailable(request, respondent, state: str, *, language: str):
    """The round is closed (410: the link is used up for good) or not yet open (200: the link is fine and will
    work from the opening date, so nothing is wrong with the request; a POST is refused with 403)."""
    context = {
        "respondent": respondent,
        "round": respondent.round,
        "instrument": respondent.round.instrument,
        "opens_later": respondent.round.opens_on > timezone.localdate(),
    }
    if state == "closed":
        return _render(request, "assessments/answer/closed.html", context, language=language, status=410)
    status = 403 if request.method == "POST" else 200
    return _render(request, "assessments/answer/not_open.html", context, language=language, status=status)


@_private
@require_http_methods(["GET", "POST"])
@csrf_protect
def answer(request, token: str):
    """Show the respondent's form, pre-filled with what they saved; save a complete, valid submission."""
    respondent, refusal = _respondent_or_refusal(request, token)
    if refusal:
        return refusal
    language = _chosen_language(request) or respondent.language
    round_ = respondent.round
    state = selectors.round_state(round_)
    if state != "open":
        return _unavailable(request, respondent, state, language=language)
    if round_.instrument.pairwise:
        return _answer_pairwise(request, token, respondent, round_, language)
    items = list(
        Item.objects.filter(instrument_id=round_.instrument_id)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "pk")
    )
    with translation.override(language):  # error messages are made in the page's language
        if request.method == "POST":
            form = AnswerForm(request.POST, instrument=round_.instrument, items=items)
            if form.is_valid():
                try:
                    services.answers_save(respondent, form.values())
                except ValidationError as exc:
                    if getattr(exc, "code", None) == "closed":
                        return _unavailable(request, respondent, "closed", language=language)
                    if hasattr(exc, "error_dict"):
                        form.add_service_errors(exc.message_dict)
                    else:
                        form.add_error(None, exc)
                else:
                    return redirect(_with_language(reverse("assessments:answer-thanks", args=[token]), request))
        else:
            form = AnswerForm(instrument=round_.instrument, items=items, answers=list(respondent.answers.all()))
        summary = form.error_summary() if form.is_bound else []
        sections = form.sections()
    context = {
        "respondent": respondent,
        "round": round_,
        "instrument": round_.instrument,
        "agreement": round_.agreement,
        "form": form,
        "sections": sections,
        "error_summary": summary,
    }
    return _render(request, "assessments/answer/form.html", context, language=language)


def _answer_pairwise(request, token: str, respondent, round_, language: str):
    """The pairwise form (Levels of Collaboration): one question per other party of the agreement."""
    parties = pairwise.round_parties(round_)
    mine = pairwise.own_party(respondent, parties)
    others = [party for party in parties if party != mine]
    with translation.override(language):
        if request.method == "POST":
            form = pairwise.PairwiseForm(
                request.POST, instrument=round_.instrument, parties=others, language=language
            )
            if form.is_valid():
                try:
                    pairwise.pairwise_answers_save(respondent, form.values())
                except ValidationError as exc:
                    if getattr(exc, "code", None) == "closed":
                        return _unavailable(request, respondent, "closed", language=language)
                    form.add_error(None, exc)
                else:
                    return redirect(_with_language(reverse("assessments:answer-thanks", args=[token]), request))
        else:
            answers = PairwiseAnswer.objects.filter(respondent=respondent)
            form = pairwise.PairwiseForm(
                instrument=round_.instrument, parties=others, answers=answers, language=language
            )
        summary = form.error_summary() if form.is_bound else []
        if form.is_bound:
            summary = [("main", str(message)) for message in form.non_field_errors()] + summary
        rows = form.rows()
    context = {
        "respondent": respondent,
        "round": round_,
        "instrument": round_.instrument,
        "agreement": round_.agreement,
        "own_party": mine,
        "form": form,
        "rows": rows,
        "error_summary": summary,
    }
    return _render(request, "assessments/answer/form_pairwise.html", context, language=language)


@_private
@require_http_methods(["GET"])
def thanks(request, token: str):
    """After saving: the answers are in, and can be changed until the round closes."""
    respondent, refusal = _respondent_or_refusal(request, token)
    if refusal:
        return refusal
    language = _chosen_language(request) or respondent.language
    state = selectors.round_state(respondent.round)
    answer_url = _with_language(reverse("assessments:answer", args=[token]), request)
    if state == "not_open" or (state == "open" and not respondent.has_answered):
        return redirect(answer_url)
    context = {
        "respondent": respondent,
        "round": respondent.round,
        "instrument": respondent.round.instrument,
        "answer_url": answer_url,
        "is_open": state == "open",
    }
    if state == "closed":
        return _unavailable(request, respondent, state, language=language)
    return _render(request, "assessments/answer/thanks.html", context, language=language)
