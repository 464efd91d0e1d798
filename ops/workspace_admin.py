"""The coordinator's workspace in the admin (imported by ops.admin): the start page's own sections, the
register search at /admin/search/, the agreement overview, and the roles, risks and agreements on the person
and organisation pages.

The lower apps' admins stay as they are; this module extends them (as risks.admin extends the agreement
admin) because only here may agreements, assessment rounds and risks meet. The figures come from
ops.workspace.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from agreements.rules import EXACT_UP_TO
from ops import workspace
from risks.admin import AgreementWithRisksAdmin
from stakeholders.models import Organization, Person

# --- the start page ---------------------------------------------------------------------------------

_previous_index = admin.site.index


def index_with_workspace(request, extra_context=None):
    """The start page: my agreements, what is due, the open rounds (and, from risks.admin, the risk figures)."""
    extra_context = dict(extra_context or {})
    user = request.user
    if user.is_active and user.has_perm("agreements.view_agreement"):
        page = workspace.start_page(user, scope=request.GET.get("due", ""))
        extra_context["workspace"] = page
        extra_context["show_rounds"] = user.has_perm("assessments.view_assessmentround")
        extra_context["show_risks"] = user.has_perm("risks.view_riskflag")
    return _previous_index(request, extra_context)


admin.site.index = index_with_workspace


# --- search -----------------------------------------------------------------------------------------


def search_view(request):
    """/admin/search/?q=: organisations, people and agreements the user may view, grouped by kind."""
    query = workspace.clean_query(request.GET.get("q", ""))
    groups = workspace.search(request.user, query)
    too_short = bool(query) and len(query) < workspace.SEARCH_MIN_LENGTH
    context = {
        **admin.site.each_context(request),
        "title": _("Search the register"),
        "subtitle": query or None,
        "query": query,
        "groups": groups,
        "too_short": too_short,
        "min_length": workspace.SEARCH_MIN_LENGTH,
        "searched": bool(query) and not too_short,
        "found": sum(len(group.rows) for group in groups),
    }
    return TemplateResponse(request, "admin/ops/search.html", context)


_previous_get_urls = admin.site.get_urls


def get_urls_with_search():
    return [path("search/", admin.site.admin_view(search_view), name="search"), *_previous_get_urls()]


# The site builds its URLs when samverkan_project.urls first reads admin.site.urls, after every admin module.
admin.site.get_urls = get_urls_with_search


# The pages use the whole width: the start page lists the apps, the header searches, breadcrumbs lead back.
admin.site.enable_nav_sidebar = False


# --- the agreement: its overview page ------------------------------------------------------------------


def agreement_list_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The agreement list's columns narrowed to fit 1366 px: the period in one column, the ambition as a
    filter only, a link to the overview after the title."""
    replaced = {"title": ("title_display", "overview_link"), "valid_from": ("period_display",)}
    replaced["next_review_on"] = ("next_review_display",)
    dropped = {"reference", "valid_to", "ambition"}  # the reference shows under the title
    narrowed = []
    for column in columns:
        if column not in dropped:
            narrowed.extend(replaced.get(column, (column,)))
    return tuple(narrowed)


class AgreementWorkspaceAdmin(AgreementWithRisksAdmin):
    """The agreement admin with the overview page, linked from the list and from the edit page."""

    list_display = agreement_list_columns(AgreementWithRisksAdmin.list_display)
    change_form_template = "admin/ops/agreement_change_form.html"

    def get_urls(self):
        overview = path(
            "<int:object_id>/overview/",
            self.admin_site.admin_view(self.overview_view),
            name="agreements_agreement_overview",
        )
        return [overview, *super().get_urls()]

    @admin.display(description=_("overview"))
    def overview_link(self, obj: Agreement):
        return format_html(
            '<a href="{}" class="overview-link" aria-label="{}">{}</a>',
            workspace.overview_url(obj.pk),
            _("Overview of %(agreement)s") % {"agreement": obj},
            _("Overview"),
        )

    @admin.display(description=_("title"), ordering="title")
    def title_display(self, obj: Agreement):
        if not obj.reference:
            return obj.title
        return format_html('{}<br><span class="quiet">{}</span>', obj.title, obj.reference)

    @admin.display(description=_("next review"), ordering="next_review_on")
    def next_review_display(self, obj: Agreement):
        if obj.next_review_on is None:
            return "–"
        text = obj.next_review_on.isoformat()
        return (
            format_html('<strong class="bus-factor-critical nowrap">{}</strong>', text)
            if obj.is_review_overdue
            else text
        )

    @admin.display(description=_("period"), ordering="valid_from")
    def period_display(self, obj: Agreement):
        if not obj.valid_from and not obj.valid_to:
            return "–"
        start = obj.valid_from.isoformat() if obj.valid_from else "…"
        end = obj.valid_to.isoformat() if obj.valid_to else "…"
        return format_html('<span class="nowrap">{} –</span> <span class="nowrap">{}</span>', start, end)

    def overview_view(self, request, object_id: int):
        user = request.user
        page = workspace.agreement_page(
            object_id,
            show_risks=user.has_perm("risks.view_riskflag"),
            show_rounds=user.has_perm("assessments.view_assessmentround"),
        )
        if page is None:
            raise Http404(_("No agreement with this id."))
        if not self.has_view_or_change_permission(request, page.agreement):
            raise PermissionDenied
        agreement = page.agreement
        context = {
            **self.admin_site.each_context(request),
            "title": _("Overview: %(agreement)s") % {"agreement": agreement},
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": agreement,
            "page": page,
            "agreement_overview": page.overview,
            "exact_up_to": EXACT_UP_TO,
            "role_matrix": page.matrix,
            "change_url": reverse("admin:agreements_agreement_change", args=[agreement.pk]),
            "history_url": reverse("admin:agreements_agreement_history", args=[agreement.pk]),
            "can_change": self.has_change_permission(request, agreement),
            "show_risks": page.open_risks is not None,
            "show_rounds": user.has_perm("assessments.view_assessmentround"),
            "can_add_round": user.has_perm("assessments.add_assessmentround"),
        }
        return TemplateResponse(request, "admin/ops/agreement_overview.html", context)


admin.site.unregister(Agreement)
admin.site.register(Agreement, AgreementWorkspaceAdmin)


# --- the person's page: their roles, risks and invitations ------------------------------------------------


# Built on whatever admin is registered (agreements adds the timeline, the career and the move page).
class PersonWorkspaceAdmin(type(admin.site._registry[Person])):
    change_form_template = "admin/ops/person_change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            user = request.user
            context["person_roles"] = workspace.person_roles(
                obj,
                show_risks=user.has_perm("risks.view_riskflag"),
                show_invitations=user.has_perm("assessments.view_respondent")
                or user.has_perm("assessments.view_assessmentround"),
            )
            context["row_limit"] = workspace.PAGE_ROWS
        return super().render_change_form(request, context, add, change, form_url, obj)


admin.site.unregister(Person)
admin.site.register(Person, PersonWorkspaceAdmin)


# --- the organisation's page: sub-organisations and agreements -----------------------------------------


class OrganizationWorkspaceAdmin(type(admin.site._registry[Organization])):
    change_form_template = "admin/ops/organization_change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            user = request.user
            context["organization_page"] = workspace.organization_page(
                obj,
                show_risks=user.has_perm("risks.view_riskflag"),
                show_agreements=user.has_perm("agreements.view_agreement"),
            )
            context["show_agreements"] = user.has_perm("agreements.view_agreement")
            context["show_risks"] = user.has_perm("risks.view_riskflag")
            context["row_limit"] = workspace.PAGE_ROWS
        return super().render_change_form(request, context, add, change, form_url, obj)


admin.site.unregister(Organization)
admin.site.register(Organization, OrganizationWorkspaceAdmin)
