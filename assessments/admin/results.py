"""The admin page with a round's results: figures, charts, free text and (with permission) answers.

The round admin includes ``results_urls(self.admin_site)`` in its ``get_urls`` (before the default ones),
so the page lives at ``admin/assessments/assessmentround/<round_id>/results/``.
"""

from functools import partial

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _

from assessments import charts, pairwise, results
from assessments.models import AssessmentRound


def _admin_url(name: str, *args, site_name: str = "admin") -> str | None:
    # The round admin may not be registered (yet) on this site; the page then shows no link back.
    try:
        return reverse(f"{site_name}:{name}", args=args)
    except NoReverseMatch:
        return None


def round_results_view(request, round_id: int, admin_site=None):
    """The results of one round for users who may view rounds; answers per person need view_answer too, and
    without it (readers) only closed rounds and figures of at least ASSESSMENT_MIN_GROUP answers are shown."""
    site = admin_site or admin.site
    if not request.user.has_perm("assessments.view_assessmentround"):
        raise PermissionDenied
    try:
        round_ = results.round_for_results(round_id)
    except AssessmentRound.DoesNotExist:
        raise Http404(_("No such assessment round.")) from None
    opts = AssessmentRound._meta
    page = {
        **site.each_context(request),
        "title": _("Results: %(round)s") % {"round": round_},
        "opts": opts,
        "round": round_,
        "changelist_url": _admin_url("assessments_assessmentround_changelist", site_name=site.name),
        "change_url": _admin_url("assessments_assessmentround_change", round_.pk, site_name=site.name),
    }
    min_group = results.min_group_for(request.user)
    reason = results.withheld_reason(round_, min_group=min_group)
    if reason:
        # The page says why, with the round's name and dates, and no figure at all.
        return TemplateResponse(
            request, "admin/assessments/assessmentround/results.html", {**page, "withheld": reason}, status=403
        )
    if round_.instrument.pairwise:
        matrix = pairwise.pairwise_results(round_, threshold=settings.RISK_ASYMMETRY_MIN, min_group=min_group)
        return TemplateResponse(
            request, "admin/assessments/assessmentround/results_pairwise.html", {**page, "pairwise": matrix}
        )
    data = results.round_results(round_, min_group=min_group)
    history = results.round_history(round_.agreement_id, round_.instrument.code, current=round_, min_group=min_group)
    show_answers = min_group is None
    context = {
        **page,
        "results": data,
        "history": history,
        # The trend table: one row per round, one cell per series (templates cannot index by a variable key).
        "history_rows": [
            {"round": entry, "cells": [entry["values"].get(line["key"]) for line in history["series"]]}
            for entry in history["rounds"]
        ],
        "items_svg": charts.items_chart(data),
        "trend_svg": charts.trend_chart(history),
        "individual": results.individual_answers(round_) if show_answers else None,
    }
    return TemplateResponse(request, "admin/assessments/assessmentround/results.html", context)


def results_urls(admin_site) -> list:
    """URL patterns for the round admin's ``get_urls``: ``<round_id>/results/``."""
    view = admin_site.admin_view(partial(round_results_view, admin_site=admin_site))
    return [path("<int:round_id>/results/", view, name="assessments_assessmentround_results")]
