"""The coordinators' admin for risks: flags (acknowledge with a note), scans ("Scan now"), report
deliveries (retry) and subscriptions, and the risk dashboard on the admin start page.

Thin by design: querysets come from risks.selectors, actions and views call risks.scans and
risks.services (or the delivery task); flags are made by scans only, so their pages are
read-only.
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as KombuOperationalError

from agreements.admin import AgreementAdmin
from agreements.models import Agreement, Responsibility
from risks import engine, scans, selectors, services
from risks.choices import SEVERITY_ORDER, UNRESOLVED, DeliveryStatus, FlagStatus, ScanStatus, ScanTrigger, Severity
from risks.models import ReportDelivery, RiskFlag, RiskReportSubscription, RiskScan
from samverkan_project.admin_tools import LinkedObjectFilter, selected_id
from samverkan_project.fields import NOTE_MAX_LENGTH
from samverkan_project.history_admin import HistoryAdmin
from samverkan_project.rowcounts import CountedPaginator
from stakeholders.models import Organization, Person


def severity_badge(severity: str):
    """The severity as a coloured badge that also says it in words (see admin/risks/risk_style.html)."""
    label = Severity(severity).label if severity in Severity.values else severity
    return format_html('<span class="risk-severity risk-{}">{}</span>', severity, label)


def subject_url(flag: RiskFlag) -> str | None:
    """The admin page of what the flag is about (a responsibility's own page if it has one)."""
    if flag.subject_type == "party" and flag.party_id:
        return reverse("admin:agreements_party_change", args=[flag.party_id])
    if flag.subject_type == "person" and flag.person_id:
        return reverse("admin:stakeholders_person_change", args=[flag.person_id])
    if flag.subject_type == "responsibility" and flag.responsibility_id and admin.site.is_registered(Responsibility):
        return reverse("admin:agreements_responsibility_change", args=[flag.responsibility_id])
    if flag.agreement_id:
        return reverse("admin:agreements_agreement_change", args=[flag.agreement_id])
    return None


# --- filters ---------------------------------------------------------------------------------------


class RuleFilter(admin.SimpleListFilter):
    title = _("rule")
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return engine.rule_choices()

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class FlagStatusFilter(admin.SimpleListFilter):
    """Unresolved flags unless asked otherwise: what a coordinator has to act on."""

    title = _("status")
    parameter_name = "status"
    default = "unresolved"

    def lookups(self, request, model_admin):
        return ((self.default, _("Open or acknowledged")), *FlagStatus.choices, ("all", _("All")))

    def choices(self, changelist):
        # No "All" link of Django's own: "all" is a choice here, the default is "unresolved".
        value = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        if value == self.default:
            return queryset.filter(status__in=UNRESOLVED)
        if value in FlagStatus.values:
            return queryset.filter(status=value)
        return queryset


class AgreementFilter(LinkedObjectFilter):
    """One agreement's flags, from a link (the agreement list and page)."""

    title = _("agreement")
    parameter_name = "agreement__id__exact"
    model = Agreement
    lookup = "agreement_id"


class OrganizationFilter(admin.SimpleListFilter):
    """Flags about an organisation: in its agreements, about its party rows or its people."""

    title = _("organisation")
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        # The organisation asked for (from a link): listing every organisation with open risks would be
        # thousands of links in a large portfolio; the search box finds flags by a party's name.
        organization_id = selected_id(self.value())
        if organization_id is None:
            return []
        return list(Organization.objects.filter(pk=organization_id).values_list("id", "name"))

    def queryset(self, request, queryset):
        organization_id = selected_id(self.value())
        if organization_id is None:
            return queryset
        return selectors.flags_about_organization(queryset, organization_id)


class PersonFilter(LinkedObjectFilter):
    """Flags naming a person, from the link on the person's page (``?person=<id>``)."""

    title = _("person")
    parameter_name = "person"
    model = Person

    def filter_by(self, queryset, pk: int):
        return selectors.flags_about_person(queryset, pk)


# --- flags -----------------------------------------------------------------------------------------


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("What is being done about the risk, or why it is accepted."),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: viewable, never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ScanNowMixin:
    """The "Scan now" button above the change list (templates/admin/assessments/*/change_list.html)."""

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_scan": request.user.has_perm("risks.add_riskscan"),
            "scan_now_url": reverse("admin:risks_scan_now", current_app=self.admin_site.name),
        }
        return super().changelist_view(request, extra_context)


@admin.register(RiskFlag)
class RiskFlagAdmin(ScanNowMixin, HistoryAdmin):
    list_display = (
        "severity_display",
        "rule_display",
        "subject_link",
        "agreement_link",
        "status",
        "first_seen_at",
        "last_seen_display",
    )
    list_filter = (
        FlagStatusFilter,
        "severity",
        RuleFilter,
        AgreementFilter,
        OrganizationFilter,
        PersonFilter,
    )
    list_select_related = ("agreement", "party__organization", "person", "responsibility", "acknowledged_by")
    show_full_result_count = False  # one COUNT over the whole table less per page
    paginator = CountedPaginator  # and an unfiltered list's total without counting
    search_fields = (
        "agreement__title",
        "agreement__reference",
        "person__first_name",
        "person__last_name",
        "party__organization__name",
    )
    actions = ("acknowledge_flags",)
    list_per_page = 50
    fields = (
        "severity_display",
        "rule_display",
        "message_display",
        "subject_link",
        "agreement_link",
        "status",
        "details_display",
        "first_seen_at",
        "last_seen_display",
        "resolved_at",
        "acknowledged_at",
        "acknowledged_by",
        "acknowledgement_note",
    )
    readonly_fields = fields
    # The History page lists who acknowledged the flag, when and why; a scan's bulk writes leave no rows there.
    history_list_display = ("status", "acknowledgement_note")
    object_history_list_template = "admin/risks/riskflag/object_history_list.html"

    def get_queryset(self, request):
        # flag_list() loads every subject the messages name (list_select_related says the same).
        return selectors.flag_list().annotate(severity_rank=selectors.severity_rank())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # The change permission allows acknowledging (an action); a flag's page stays read-only.
        return obj is None and super().has_change_permission(request, obj)

    # --- columns and fields ---

    @admin.display(description=_("severity"), ordering="-severity_rank")
    def severity_display(self, flag: RiskFlag):
        return severity_badge(flag.severity)

    @admin.display(description=_("rule"), ordering="rule")
    def rule_display(self, flag: RiskFlag):
        return format_html('<span title="{}">{}</span>', flag.message, engine.rule_label(flag.rule))

    @admin.display(description=_("message"))
    def message_display(self, flag: RiskFlag):
        return flag.message

    @admin.display(description=_("subject"))
    def subject_link(self, flag: RiskFlag):
        subject = flag.subject
        if subject is None:
            return "–"
        url = subject_url(flag)
        return format_html('<a href="{}">{}</a>', url, subject) if url else str(subject)

    @admin.display(description=_("agreement"), ordering="agreement__title")
    def agreement_link(self, flag: RiskFlag):
        if not flag.agreement_id:
            return "–"
        url = reverse("admin:agreements_agreement_change", args=[flag.agreement_id])
        return format_html('<a href="{}">{}</a>', url, flag.agreement)

    @admin.display(description=_("last seen"), ordering="seen_at")
    def last_seen_display(self, flag: RiskFlag):
        return flag.last_seen

    @admin.display(description=_("details"))
    def details_display(self, flag: RiskFlag):
        if not flag.details:
            return "–"
        return format_html("<pre>{}</pre>", json.dumps(flag.details, indent=2, ensure_ascii=False, sort_keys=True))

    # --- acknowledging ---

    @admin.action(description=_("Acknowledge selected risks (with a note)"), permissions=["change"])
    def acknowledge_flags(self, request, queryset):
        """Ask for a note on an intermediate page, then acknowledge each flag through the service."""
        form = AcknowledgeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            acknowledged, refusals = 0, []
            for flag in queryset:
                try:
                    services.flag_acknowledge(flag=flag, by=request.user, note=form.cleaned_data["note"])
                except ValidationError as exc:
                    refusals.append((flag, " ".join(exc.messages)))
                else:
                    acknowledged += 1
            if acknowledged:
                self.message_user(
                    request,
                    ngettext("%(count)d risk was acknowledged.", "%(count)d risks were acknowledged.", acknowledged)
                    % {"count": acknowledged},
                    messages.SUCCESS,
                )
            for flag, reason in refusals:
                self.message_user(
                    request, _("Not acknowledged: %(reason)s") % {"reason": f"{flag}: {reason}"}, messages.ERROR
                )
            return None
        flags = list(queryset)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Acknowledge risks"),
            "opts": self.opts,
            "flags": flags,
            "form": form,
            "action": "acknowledge_flags",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/risks/acknowledge.html", context)

    # --- "Scan now" ---

    def get_urls(self):
        scan_now = path("scan-now/", self.admin_site.admin_view(self.scan_now_view), name="risks_scan_now")
        return [scan_now, *super().get_urls()]

    def scan_now_view(self, request):
        """Queue a scan of the whole portfolio (POST only) and go back to where the button was."""
        if not request.user.has_perm("risks.add_riskscan"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            scan = scans.scan_request(trigger=ScanTrigger.ADMIN, requested_by=request.user)
        except scans.ScanUnavailable as exc:
            link = format_html('<a href="{}">{}</a>', self.scan_url(exc.scan), exc.scan)
            message = _(
                "The scan could not be started: the task broker is unavailable. It is recorded as failed (%(scan)s)."
            )
            # The sentence is escaped, the link built by format_html: safe to join.
            self.message_user(request, mark_safe(conditional_escape(message) % {"scan": link}), messages.ERROR)
        else:
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a> ({})',
                    _("The scan was started; follow it here:"),
                    self.scan_url(scan),
                    scan,
                    scan.get_status_display(),
                ),
                messages.SUCCESS,
            )
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("admin:risks_riskscan_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(next_url)

    def scan_url(self, scan: RiskScan) -> str:
        return reverse("admin:risks_riskscan_change", args=[scan.pk], current_app=self.admin_site.name)


# --- scans, deliveries, subscriptions ---------------------------------------------------------------


@admin.register(RiskScan)
class RiskScanAdmin(ScanNowMixin, ReadOnlyAdmin):
    list_display = (
        "__str__",
        "trigger",
        "status",
        "requested_by",
        "started_at",
        "finished_at",
        "duration_display",
        "agreements_scanned",
        "new_count",
        "persisting_count",
        "resolved_count",
        "error_display",
    )
    list_filter = ("status", "trigger")
    list_select_related = ("requested_by",)
    search_fields = ("error", "task_id", "requested_by__username")
    readonly_fields = (
        "trigger",
        "status",
        "requested_by",
        "task_id",
        "created_at",
        "started_at",
        "finished_at",
        "duration_display",
        "chunks_total",
        "chunks_done",
        "workers",
        "agreements_scanned",
        "findings",
        "new_count",
        "persisting_count",
        "resolved_count",
        "error",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return selectors.scan_list()

    @admin.display(description=_("duration"))
    def duration_display(self, scan: RiskScan):
        return f"{scan.duration.total_seconds():.2f} s" if scan.duration else "–"

    @admin.display(description=_("error"))
    def error_display(self, scan: RiskScan):
        return format_html('<span title="{}">{}</span>', scan.error, scan.error[:80]) if scan.error else ""


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "report",
        "period_start",
        "email",
        "language",
        "status",
        "attempts",
        "last_attempt_at",
        "sent_at",
        "last_error_display",
        "new_count",
        "open_count",
        "resolved_count",
    )
    list_filter = ("status", "report", "period_start")
    list_select_related = ("person", "user")
    search_fields = ("email", "subject")
    actions = ("retry_deliveries",)
    readonly_fields = [field.name for field in ReportDelivery._meta.fields]

    def get_queryset(self, request):
        return selectors.delivery_list()

    def has_retry_permission(self, request):
        # The rows are written by the report service only, so "change" here means "may retry".
        return request.user.has_perm("risks.change_reportdelivery")

    @admin.display(description=_("last error"))
    def last_error_display(self, delivery: ReportDelivery):
        if not delivery.last_error:
            return ""
        return format_html('<span title="{}">{}</span>', delivery.last_error, delivery.last_error[:80])

    @admin.action(description=_("Retry sending the selected unsent reports"), permissions=["retry"])
    def retry_deliveries(self, request, queryset):
        """Queue the delivery task again for each pending or failed delivery; sent ones are left alone."""
        from risks.tasks import risk_report_deliver

        unsent = list(queryset.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)).order_by("pk"))
        queued = 0
        for delivery in unsent:
            try:
                risk_report_deliver.delay(delivery.pk)
            except (KombuOperationalError, OSError) as exc:  # the broker is down (or, run eagerly, the mail server)
                self.message_user(
                    request,
                    _("%(delivery)s could not be queued: %(error)s") % {"delivery": delivery, "error": exc},
                    messages.ERROR,
                )
            else:
                queued += 1
        skipped = queryset.count() - len(unsent)
        self.message_user(
            request,
            ngettext("%(count)d report was queued again.", "%(count)d reports were queued again.", queued)
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report was already sent or skipped and is left alone.",
                    "%(count)d reports were already sent or skipped and are left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )


@admin.register(RiskReportSubscription)
class RiskReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "user_email", "language", "is_active", "created_at")
    list_filter = ("is_active", "language")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A plain list of the (few) active staff users, the only ones the report goes to: an
        # autocomplete would need the permission to view users, which coordinators do not have.
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("e-mail"), ordering="user__email")
    def user_email(self, subscription: RiskReportSubscription) -> str:
        return subscription.user.email


# --- the start page --------------------------------------------------------------------------------

_site_index = admin.site.index
SCAN_COUNTS = ("agreements_scanned", "new_count", "persisting_count", "resolved_count")


def last_scan_counts(scan: RiskScan | None) -> list[tuple[str, int]]:
    """What the last successful scan found, labelled with the fields' names."""
    if scan is None or scan.status != ScanStatus.SUCCEEDED:
        return []
    return [(RiskScan._meta.get_field(name).verbose_name, getattr(scan, name)) for name in SCAN_COUNTS]


def index_with_dashboard(request, extra_context=None):
    """The admin start page, with the risk dashboard for those who may see the engine."""
    extra_context = dict(extra_context or {})
    if request.user.is_active and request.user.has_perm("risks.view_riskflag"):
        extra_context["risk_dashboard"] = selectors.dashboard()
        days = settings.AGREEMENT_EXPIRING_WITHIN_DAYS
        extra_context["expiring_note"] = _("Active, ending within %(days)d days or already ended") % {"days": days}
        extra_context["last_scan_counts"] = last_scan_counts(extra_context["risk_dashboard"]["last_scan"])
        extra_context["risk_flag_list_url"] = reverse("admin:risks_riskflag_changelist")
        extra_context["can_scan"] = request.user.has_perm("risks.add_riskscan")
        extra_context["scan_now_url"] = reverse("admin:risks_scan_now")
    return _site_index(request, extra_context)


# The site's URLs wrap ``admin.site.index`` when they are first built, after every admin module is
# imported, so replacing it here is enough: no AdminSite subclass to swap in.
admin.site.index = index_with_dashboard


# --- the agreement admin, with its open risks ------------------------------------------------------------


class AgreementWithRisksAdmin(AgreementAdmin):
    """The agreement list and page of the agreements app, plus the open-risk column and the page's risk
    section. The agreements app knows nothing of risks; this app extends its admin, as it registers rules."""

    list_display = (*AgreementAdmin.list_display, "open_risks_display")
    change_form_template = "admin/risks/agreement_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_risk_count=selectors.open_risk_count())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and request.user.has_perm("risks.view_riskflag"):
            flags = selectors.flag_list().filter(agreement=obj, status__in=UNRESOLVED).order_by("id")
            context["open_risks"] = sorted(flags, key=lambda flag: SEVERITY_ORDER.index(flag.severity))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("open risks"), ordering="open_risk_count")
    def open_risks_display(self, obj: Agreement):
        if not obj.open_risk_count:
            return "0"
        url = reverse("admin:risks_riskflag_changelist")
        return format_html('<a href="{}?agreement__id__exact={}">{}</a>', url, obj.pk, obj.open_risk_count)


admin.site.unregister(Agreement)
admin.site.register(Agreement, AgreementWithRisksAdmin)

from risks import admin_calendar  # noqa: E402, F401  (the calendar link on the user page)
