"""The coordinators' admin for risks: flags (acknowledge with a note), scans ("Scan now"), report
deliveries and subscriptions, and the start page dashboard.

Thin by design: querysets come from assessments.selectors, actions and views call
assessments.services; flags are made by scans only, so their pages are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments import risks, selectors, services
from assessments.choices import UNRESOLVED, DeliveryStatus, FlagStatus, ScanTrigger, Severity
from assessments.models import ReportDelivery, RiskFlag, RiskReportSubscription, RiskScan
from stakeholders.models import Organization, Person

SEVERITY_STYLE = {
    # Text colour on a tinted background; the severity is also written out, never colour alone.
    Severity.HIGH: "background:#fde2e1;color:#8a1c14;border:1px solid #ba2121",
    Severity.MEDIUM: "background:#fff1cc;color:#6b4a00;border:1px solid #b38600",
    Severity.LOW: "background:#eceff1;color:#37474f;border:1px solid #78909c",
}


def severity_badge(severity: str):
    return format_html(
        '<span class="risk-severity risk-{}" style="{};padding:1px 6px;border-radius:3px;white-space:nowrap">{}</span>',
        severity,
        SEVERITY_STYLE.get(severity, ""),
        Severity(severity).label if severity in Severity.values else severity,
    )


def subject_url(flag: RiskFlag) -> str | None:
    if flag.subject_type == "agreement" and flag.agreement_id:
        return reverse("admin:agreements_agreement_change", args=[flag.agreement_id])
    if flag.subject_type == "party" and flag.party_id:
        return reverse("admin:agreements_party_change", args=[flag.party_id])
    if flag.subject_type == "person" and flag.person_id:
        return reverse("admin:stakeholders_person_change", args=[flag.person_id])
    if flag.subject_type == "responsibility" and flag.agreement_id:
        return reverse("admin:agreements_agreement_change", args=[flag.agreement_id])
    return None


# --- filters ---------------------------------------------------------------------------------------


class RuleFilter(admin.SimpleListFilter):
    title = _("rule")
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return risks.rule_choices()

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class FlagStatusFilter(admin.SimpleListFilter):
    """Unresolved flags by default: what a coordinator has to act on."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("unresolved", _("Open or acknowledged")), *FlagStatus.choices, ("all", _("All")))

    def choices(self, changelist):
        value = self.value() or "unresolved"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "unresolved"
        if value == "unresolved":
            return queryset.filter(status__in=UNRESOLVED)
        if value in FlagStatus.values:
            return queryset.filter(status=value)
        return queryset


class OrganizationFilter(admin.SimpleListFilter):
    """Flags about an organisation: in its agreements, about its party rows or its people."""

    title = _("organisation")
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        # Parties of agreements with unresolved risks, and the organisation asked for (from a link).
        value = self.value()
        selected = Q(pk=int(value)) if value and value.isdigit() else Q(pk__in=[])
        with_risks = Q(parties__agreement__risk_flags__status__in=UNRESOLVED)
        return list(
            Organization.objects.filter(with_risks | selected).distinct().order_by("name").values_list("id", "name")
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return selectors.flags_about_organization(queryset, int(value))
        return queryset


class PersonFilter(admin.SimpleListFilter):
    """Flags naming a person (linked from the person's page: ``?person=<id>``)."""

    title = _("person")
    parameter_name = "person"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and value.isdigit():
            person = Person.objects.filter(pk=int(value)).first()
            if person is not None:
                return [(value, str(person))]
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return selectors.flags_about_person(queryset, int(value))
        return queryset


class AgreementFilter(admin.RelatedOnlyFieldListFilter):
    pass


# --- flags -----------------------------------------------------------------------------------------


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What is being done about the risk, or why it is accepted."),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: viewable, never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScanNowMixin:
    """A "Scan now" button on the change list, posting to a view that queues a scan."""

    change_list_template = "admin/assessments/scan_now_change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "scan_now_url": reverse("admin:assessments_scan_now")}
        extra_context["can_scan"] = request.user.has_perm("assessments.add_riskscan")
        return super().changelist_view(request, extra_context)


@admin.register(RiskFlag)
class RiskFlagAdmin(ScanNowMixin, admin.ModelAdmin):
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
        ("agreement", AgreementFilter),
        OrganizationFilter,
        PersonFilter,
    )
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
        "details",
        "first_seen_at",
        "last_seen_display",
        "resolved_at",
        "acknowledged_at",
        "acknowledged_by",
        "acknowledgement_note",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.flag_list()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # The change permission allows acknowledging (an action); the page itself stays read-only.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("severity"), ordering="severity")
    def severity_display(self, flag: RiskFlag):
        return severity_badge(flag.severity)

    @admin.display(description=_("rule"), ordering="rule")
    def rule_display(self, flag: RiskFlag):
        return format_html('<span title="{}">{}</span>', flag.message, risks.rule_label(flag.rule))

    @admin.display(description=_("message"))
    def message_display(self, flag: RiskFlag):
        return flag.message

    @admin.display(description=_("subject"))
    def subject_link(self, flag: RiskFlag):
        url = subject_url(flag)
        subject = flag.subject
        if subject is None:
            return "–"
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

    @admin.action(description=_("Acknowledge selected risks (with a note)"), permissions=["change"])
    def acknowledge_flags(self, request, queryset):
        form = AcknowledgeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refused = 0, []
            for flag in queryset:
                try:
                    services.flag_acknowledge(flag=flag, by=request.user, note=form.cleaned_data["note"])
                    done += 1
                except ValidationError as exc:
                    refused.append(f"{flag}: {' '.join(exc.messages)}")
            if done:
                self.message_user(
                    request,
                    ngettext("%(count)d risk was acknowledged.", "%(count)d risks were acknowledged.", done)
                    % {"count": done},
                    messages.SUCCESS,
                )
            for refusal in refused:
                self.message_user(request, _("Not acknowledged: %(reason)s") % {"reason": refusal}, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Acknowledge risks"),
            "opts": self.model._meta,
            "flags": list(queryset),
            "form": form,
            "action": "acknowledge_flags",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/assessments/acknowledge.html", context)

    def get_urls(self):
        scan_now = path("scan-now/", self.admin_site.admin_view(scan_now_view), name="assessments_scan_now")
        return [scan_now, *super().get_urls()]


def scan_now_view(request):
    """Queue a scan of the whole portfolio (POST only) and go back to the list of scans."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("assessments.add_riskscan"):
        raise PermissionDenied
    site = admin.site
    try:
        scan = services.scan_request(trigger=ScanTrigger.ADMIN, requested_by=request.user)
    except services.ScanUnavailable as exc:
        messages.error(
            request,
            _("The scan could not be started: the task broker is unavailable. It is recorded as failed (%(scan)s).")
            % {"scan": exc.scan},
        )
    else:
        url = reverse("admin:assessments_riskscan_change", args=[scan.pk], current_app=site.name)
        messages.success(
            request,
            format_html('{} <a href="{}">{}</a>', _("The scan was started; follow it here:"), url, scan),
        )
    return HttpResponseRedirect(request.POST.get("next") or reverse("admin:assessments_riskscan_changelist"))


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
    readonly_fields = (
        "trigger",
        "status",
        "requested_by",
        "task_id",
        "created_at",
        "started_at",
        "finished_at",
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

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("duration"))
    def duration_display(self, scan: RiskScan):
        return f"{scan.duration.total_seconds():.2f} s" if scan.duration else "–"

    @admin.display(description=_("error"))
    def error_display(self, scan: RiskScan):
        return scan.error[:80] if scan.error else ""


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "period_start",
        "report",
        "email",
        "language",
        "status",
        "attempts",
        "last_attempt_at",
        "sent_at",
        "new_count",
        "open_count",
        "resolved_count",
        "last_error_display",
    )
    list_filter = ("status", "report", "period_start")
    search_fields = ("email", "subject")
    actions = ("retry_deliveries",)
    readonly_fields = [field.name for field in ReportDelivery._meta.fields]

    def get_queryset(self, request):
        return selectors.delivery_list()

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_retry_permission(self, request):
        return request.user.has_perm("assessments.view_reportdelivery") and request.user.has_perm(
            "assessments.add_riskscan"
        )

    @admin.display(description=_("last error"))
    def last_error_display(self, delivery: ReportDelivery):
        return delivery.last_error[:80]

    @admin.action(description=_("Retry sending the selected unsent reports"), permissions=["retry"])
    def retry_deliveries(self, request, queryset):
        from assessments.tasks import risk_report_deliver

        unsent = list(queryset.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
        queued = 0
        for delivery in unsent:
            try:
                risk_report_deliver.delay(delivery.pk)
                queued += 1
            except Exception as exc:  # the broker is down, or (eagerly) the send failed again
                self.message_user(request, f"{delivery.email}: {type(exc).__name__}: {exc}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d report was queued again.", "%(count)d reports were queued again.", queued)
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )


@admin.register(RiskReportSubscription)
class RiskReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "is_active", "created_at")
    list_filter = ("is_active", "language")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)


# --- the start page --------------------------------------------------------------------------------

_original_index = admin.site.index


def index_with_dashboard(request, extra_context=None):
    """The admin start page, with the risk dashboard for those who may see the risks."""
    extra_context = dict(extra_context or {})
    if request.user.is_active and request.user.has_perm("assessments.view_riskflag"):
        extra_context["risk_dashboard"] = selectors.dashboard()
        extra_context["risk_flag_list_url"] = reverse("admin:assessments_riskflag_changelist")
        extra_context["can_scan"] = request.user.has_perm("assessments.add_riskscan")
        extra_context["scan_now_url"] = reverse("admin:assessments_scan_now")
    return _original_index(request, extra_context)


admin.site.index = index_with_dashboard
