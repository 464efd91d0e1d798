"""The coordinators' admin for agreements: the portfolio list, the agreement page with its parties,
roles and anchoring, the lifecycle actions and the hand-over of a leaving person's roles.

Thin by design: the list's queryset is selectors.agreement_list(), the summaries come from
agreements.admin_helpers (over the selectors' figures and the pure rules), and the actions and the
hand-over call agreements.services.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements import admin_helpers, selectors
from agreements.admin_dialogue import AgreementFollowUpInline, AgreementTimelineInline
from agreements.choices import PITFALL_QUESTIONS, AgreementStatus
from agreements.models import (
    Agreement,
    Anchoring,
    Commitment,
    Party,
    PartyConditions,
    Representative,
    Responsibility,
    StartingConditions,
)
from agreements.rules import EXACT_UP_TO
from agreements.services import (
    agreement_activate,
    agreement_renew,
    agreement_terminate,
    hand_over_deputy_conflicts,
    person_hand_over,
)
from samverkan_project.admin_tools import LinkedObjectFilter, VerboseUniqueInlineFormSet
from samverkan_project.history_admin import HistoryAdmin
from samverkan_project.rowcounts import CountedPaginator
from stakeholders.models import Organization, Person

TEXTAREA_OVERRIDES = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


# --- widgets and formsets that keep the agreement page at a constant number of queries -----------


class LoadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that renders its selected option from a label the formset already
    has (the row's related object, loaded with select_related) instead of a query per form."""

    labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(v not in self.labels for v in selected):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for v in selected:
            options.append(self.create_option(name, v, self.labels[v], True, len(options)))
        return [(None, options, 0)]


def unwrapped(widget):
    return widget.widget if isinstance(widget, RelatedFieldWidgetWrapper) else widget


class LoadedLabelsFormSet(VerboseUniqueInlineFormSet):
    """Gives each row's autocomplete widgets the label of the related object the row already holds."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        instance = form.instance
        for name, field in form.fields.items():
            widget = unwrapped(field.widget)
            if not isinstance(widget, LoadedAutocompleteSelect):
                continue
            model_field = instance._meta.get_field(name)
            if model_field.is_cached(instance) and getattr(instance, name) is not None:
                related = getattr(instance, name)
                widget.labels = {str(related.pk): field.label_from_instance(related)}
        return form


class LoadedAutocompleteMixin:
    """Autocomplete fields use LoadedAutocompleteSelect (see above)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LoadedRowsInline(LoadedAutocompleteMixin, admin.TabularInline):
    """A tabular inline whose rows come with the relations they show, so rendering them (labels,
    read-only links for readers) costs no query per row."""

    formset = LoadedLabelsFormSet
    extra = 0
    formfield_overrides = TEXTAREA_OVERRIDES
    related = ()  # relations each row shows, loaded with the rows

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class PartyInline(LoadedRowsInline):
    model = Party
    fields = ("organization", "role", "contribution")
    autocomplete_fields = ("organization",)
    related = ("organization",)
    show_change_link = True

    def get_extra(self, request, obj=None, **kwargs):
        # A new agreement needs at least two parties.
        return 2 if obj is None else 0


class PartyChildInline(LoadedRowsInline):
    """Representatives, anchorings and commitments on the agreement page: `party` offers only this
    agreement's parties (the rows' `agreement` mirrors their party's)."""

    fk_name = "agreement"
    related = ("party__organization",)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("party")
        if field is not None:
            # The page's agreement comes with its parties prefetched: no query for the choices.
            parties = list(obj.parties.all()) if obj is not None and obj.pk else []
            field.queryset = Party.objects.filter(agreement=obj) if parties else Party.objects.none()
            field.choices = [("", field.empty_label), *((party.pk, str(party)) for party in parties)]
            field.help_text = _("Only this agreement's parties can be chosen: add new parties and save first.")
            widget = field.widget
            if isinstance(widget, RelatedFieldWidgetWrapper):
                # Parties are added in the parties section, not through a pop-up.
                widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return formset


class RepresentativeInline(PartyChildInline):
    model = Representative
    fields = ("party", "person", "mandate", "hours_per_month", "is_primary")
    autocomplete_fields = ("person",)
    related = ("party__organization", "person")


class ResponsibilityInline(LoadedRowsInline):
    model = Responsibility
    fields = ("title", "kind", "responsible", "deputy", "description")
    autocomplete_fields = ("responsible", "deputy")
    related = ("responsible", "deputy")


class AnchoringInline(PartyChildInline):
    model = Anchoring
    fields = ("party", "kind", "body", "reference", "date", "person", "note")
    autocomplete_fields = ("person",)
    related = ("party__organization", "person")


class CommitmentInline(PartyChildInline):
    model = Commitment
    fields = ("party", "description", "due_on", "status", "responsible")
    autocomplete_fields = ("responsible",)
    related = ("party__organization", "responsible")


class StartingConditionsInline(admin.StackedInline):
    """The agreement's starting conditions (001, after Ansell & Gash) and the pitfall questions."""

    model = StartingConditions
    extra = 1
    max_num = 1
    can_delete = False
    formfield_overrides = TEXTAREA_OVERRIDES
    verbose_name_plural = _("starting conditions")
    fieldsets = (
        (
            _("Asymmetries and trust"),
            {
                "fields": (
                    ("power_asymmetry", "power_asymmetry_note"),
                    ("resource_asymmetry", "resource_asymmetry_note"),
                    ("knowledge_asymmetry", "knowledge_asymmetry_note"),
                    ("prior_trust", "prior_trust_note"),
                    "conflict_history",
                ),
                "description": _(
                    "Power, resources and knowledge seldom weigh the same for every party; name the "
                    "differences early, with the trust and the conflicts the parties bring."
                ),
            },
        ),
        (
            _("Pitfalls"),
            {
                "fields": tuple((f"pitfall_{code}", f"pitfall_{code}_note") for code in PITFALL_QUESTIONS),
                "description": _('The six questions of "Fällor och fallgropar": yes, no or unclear, with a note.'),
            },
        ),
    )


class PartyConditionsInline(PartyChildInline):
    model = PartyConditions
    fields = ("party", "incentives", "constraints")
    verbose_name_plural = _("parties' incentives and constraints for this agreement")


# --- changelist filters ------------------------------------------------------------------------


class ExpiringFilter(admin.SimpleListFilter):
    title = _("expiring")
    parameter_name = "expiring"

    # "soon" lists what the agreement_expiring risk and the start page list: active agreements ending within
    # the window, and those whose end date has passed while they are still marked active.
    def lookups(self, request, model_admin):
        days = settings.AGREEMENT_EXPIRING_WITHIN_DAYS
        return (
            ("soon", _("Active, ending within %(days)d days or already ended") % {"days": days}),
            ("ended", _("Active, but already ended")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "soon":
            until = today + timedelta(days=settings.AGREEMENT_EXPIRING_WITHIN_DAYS)
            return queryset.filter(status=AgreementStatus.ACTIVE, valid_to__lte=until)
        if self.value() == "ended":
            return queryset.filter(status=AgreementStatus.ACTIVE, valid_to__lt=today)
        return queryset


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = _("follow-up")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return (("overdue", _("Review overdue")),)

    def queryset(self, request, queryset):
        if self.value() != "overdue":
            return queryset
        # A closed agreement is not reviewed any more, so only drafts and active ones are overdue.
        return queryset.filter(
            next_review_on__lt=timezone.localdate(), status__in=(AgreementStatus.DRAFT, AgreementStatus.ACTIVE)
        )


class PartyOrganizationFilter(LinkedObjectFilter):
    """One organisation's agreements (from a link, or the organisation's page): only the organisation asked
    for is offered, not every party's; the search box finds agreements by a party's name."""

    title = _("party")
    parameter_name = "parties__organization__id__exact"
    model = Organization

    def filter_by(self, queryset, pk: int):
        return queryset.filter(Exists(Party.objects.filter(agreement_id=OuterRef("pk"), organization_id=pk)))


class CoordinatorFilter(LinkedObjectFilter):
    """One person's agreements as coordinator: only the person asked for is offered (the search box finds
    agreements by the coordinator's name), not a list of every coordinator."""

    title = _("coordinator")
    parameter_name = "coordinator__id__exact"
    model = Person
    lookup = "coordinator_id"


class PartySectorFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("sector of a party")


# --- the agreement -----------------------------------------------------------------------------


@admin.register(Agreement)
class AgreementAdmin(HistoryAdmin):
    list_display = (
        "title",
        "reference",
        "status",
        "ambition",
        "coordinator",
        "valid_from",
        "valid_to",
        "next_review_on",
        "bus_factor_display",
        "anchoring_display",
        "mandate_display",
        "party_count_display",
    )
    list_filter = (
        "status",
        ExpiringFilter,
        ReviewOverdueFilter,
        PartyOrganizationFilter,
        ("parties__organization__sector", PartySectorFilter),
        CoordinatorFilter,
        "ambition",
    )
    search_fields = ("title", "reference", "purpose", "coordinator__first_name", "coordinator__last_name")
    autocomplete_fields = ("coordinator",)
    list_select_related = ("coordinator",)
    show_full_result_count = False  # one COUNT over the whole table less per page
    paginator = CountedPaginator  # and an unfiltered list's total without counting
    date_hierarchy = "valid_from"
    readonly_fields = ("status", "renewed_from", "terminated_on", "termination_reason", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "reference", "purpose", "goals", "ambition", "coordinator")}),
        (
            _("Period and follow-up"),
            {
                "fields": (
                    ("valid_from", "valid_to"),
                    "notice_period_months",
                    ("review_interval_months", "next_review_on"),
                    "assessment_interval_months",
                )
            },
        ),
        (_("Signed document"), {"fields": ("document",)}),
        (
            _("Status"),
            {
                "fields": ("status", "renewed_from", "terminated_on", "termination_reason"),
                "description": _("The status changes through the actions in the list of agreements."),
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (
        PartyInline,
        RepresentativeInline,
        ResponsibilityInline,
        AnchoringInline,
        CommitmentInline,
        StartingConditionsInline,
        PartyConditionsInline,
        AgreementFollowUpInline,
        AgreementTimelineInline,
    )
    actions = ("activate_agreements", "renew_agreements", "terminate_agreements")
    history_list_display = ("status",)

    def get_queryset(self, request):
        if getattr(request, "agreement_changelist", False):
            # The list's figures come from plain rows for its page (admin_helpers.page_overviews).
            return selectors.agreement_rows().select_related("coordinator", "renewed_from")
        return selectors.agreement_list().select_related("renewed_from")

    def changelist_view(self, request, extra_context=None):
        request.agreement_changelist = True
        return super().changelist_view(request, extra_context)

    def lookup_allowed(self, lookup, value, request=None):
        # The linked-object filters keep the parameters of the related-field filters they replace (bookmarks).
        linked = (PartyOrganizationFilter.parameter_name, CoordinatorFilter.parameter_name)
        return lookup in linked or super().lookup_allowed(lookup, value, request)

    def get_inlines(self, request, obj):
        # Roles and party rows need saved parties (the people must belong to them), so a new
        # agreement starts with its parties only.
        return self.inlines if obj is not None and obj.pk else (PartyInline,)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One pass over the page: the columns below read what this attaches.
        admin_helpers.attach_overviews(list(changelist.result_list))
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["agreement_overview"] = admin_helpers.overview_of(obj)
            context["role_matrix"] = admin_helpers.role_matrix(obj)
            context["exact_up_to"] = EXACT_UP_TO
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- columns ---

    @admin.display(description=_("bus factor"))
    def bus_factor_display(self, obj: Agreement):
        overview = admin_helpers.overview_of(obj)
        factor = overview.bus_factor
        if factor.value is None:
            return format_html('<span title="{}">–</span>', _("No responsibilities yet."))
        people = ", ".join(str(person) for person in overview.critical_people)
        if factor.exact:
            text = str(factor.value)
            title = _("Critical: %(people)s") % {"people": people}
        else:
            text = f"{overview.bus_factor_lower_bound}–{factor.value}"
            title = _("Estimate (greedy bound); one such group: %(people)s") % {"people": people}
        if factor.value == 1:
            return format_html(
                '<strong class="bus-factor-critical" title="{}">{} ⚠</strong>',
                title,
                text,
            )
        return format_html('<span title="{}">{}</span>', title, text)

    @admin.display(description=_("anchoring"))
    def anchoring_display(self, obj: Agreement):
        overview = admin_helpers.overview_of(obj)
        if not overview.parties:
            return "–"
        text = _("%(complete)d/%(total)d complete") % {
            "complete": overview.anchoring_complete_count,
            "total": len(overview.parties),
        }
        missing = "; ".join(f"{s.party}: {s.anchoring.label}" for s in overview.incomplete_anchorings)
        return format_html('<span title="{}">{}</span>', missing or _("Every party has anchored it."), text)

    @admin.display(description=_("mandate to decide"))
    def mandate_display(self, obj: Agreement):
        coverage = admin_helpers.overview_of(obj).mandate
        if not coverage.parties:
            return "–"
        missing = ", ".join(str(party) for party in coverage.missing)
        title = _("Without a representative who may decide: %(parties)s") % {"parties": missing} if missing else ""
        return format_html('<span title="{}">{}/{}</span>', title, coverage.with_decide, coverage.parties)

    @admin.display(description=_("parties"), ordering="party_count")
    def party_count_display(self, obj: Agreement) -> int:
        return obj.party_count

    # --- lifecycle actions ---

    def _run_for_each(self, request, queryset, change, done_message):
        """Call ``change(agreement)`` for each selected agreement; report successes and refusals."""
        done = []
        for agreement in queryset.prefetch_related(None):
            try:
                done.append((agreement, change(agreement)))
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("«%(agreement)s» was not changed: %(reason)s")
                    % {"agreement": agreement, "reason": " ".join(exc.messages)},
                    messages.ERROR,
                )
        if done:
            self.message_user(request, done_message(len(done)), messages.SUCCESS)
        return done

    @admin.action(description=_("Activate selected agreements"), permissions=["change"])
    def activate_agreements(self, request, queryset):
        self._run_for_each(
            request,
            queryset,
            lambda agreement: agreement_activate(agreement=agreement),
            lambda n: (
                ngettext("%(count)d agreement was activated.", "%(count)d agreements were activated.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Renew selected agreements (a new draft for the next period)"), permissions=["change"])
    def renew_agreements(self, request, queryset):
        done = self._run_for_each(
            request,
            queryset,
            lambda agreement: agreement_renew(agreement=agreement),
            lambda n: (
                ngettext(
                    "%(count)d agreement was renewed as a new draft.",
                    "%(count)d agreements were renewed as new drafts.",
                    n,
                )
                % {"count": n}
            ),
        )
        if done:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:agreements_agreement_change", args=[renewal.pk]), renewal) for _old, renewal in done),
            )
            self.message_user(request, format_html("{} {}", _("New drafts:"), links), messages.INFO)

    @admin.action(description=_("Terminate selected agreements today"), permissions=["change"])
    def terminate_agreements(self, request, queryset):
        """Ask first (listing the agreements, with a reason to give), then terminate each one today."""
        reason = request.POST.get("termination_reason", "")
        if request.POST.get("post") != "yes":
            agreements = list(queryset.order_by("title", "pk").prefetch_related(None))
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Terminate agreements"),
                "agreements": agreements,
                "today": timezone.localdate(),
                "action": "terminate_agreements",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "reason_max_length": Agreement._meta.get_field("termination_reason").max_length,
            }
            return TemplateResponse(request, "admin/agreements/agreement/terminate_confirmation.html", context)
        self._run_for_each(
            request,
            queryset,
            lambda agreement: agreement_terminate(agreement=agreement, reason=reason),
            lambda n: (
                ngettext("%(count)d agreement was terminated today.", "%(count)d agreements were terminated today.", n)
                % {"count": n}
            ),
        )

    # --- hand-over of a leaving person's roles ---

    def get_urls(self):
        hand_over = path(
            "hand-over/<int:person_id>/",
            self.admin_site.admin_view(self.hand_over_view),
            name="agreements_hand_over",
        )
        return [hand_over, *super().get_urls()]

    def hand_over_view(self, request, person_id: int):
        """Show what a leaving person's hand-over moves; on POST move it and record the departure."""
        user = request.user
        if not (user.has_perm("agreements.change_responsibility") and user.has_perm("stakeholders.change_person")):
            raise PermissionDenied
        person = get_object_or_404(Person.objects.select_related("organization"), pk=person_id)
        form = admin_helpers.HandOverForm(request.POST or None, person=person, admin_site=self.admin_site)
        deputies_form = None
        if request.method == "POST" and form.is_valid():
            successor = form.cleaned_data["successor"]
            # Roles whose deputy slot the successor would empty: listed, with a new deputy to name, before
            # anything moves (again if the successor was changed since they were shown).
            conflicts = hand_over_deputy_conflicts(person, successor)
            shown = request.POST.get("_deputies_for") == str(successor.pk)
            deputies_form = admin_helpers.HandOverDeputiesForm(
                request.POST if shown else None,
                conflicts=conflicts,
                person=person,
                successor=successor,
                admin_site=self.admin_site,
            )
            if not conflicts or (shown and deputies_form.is_valid()):
                try:
                    summary = person_hand_over(
                        person=person,
                        successor=successor,
                        left_on=form.cleaned_data["left_on"],
                        deputies=deputies_form.chosen() if conflicts else None,
                    )
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    self.message_user(
                        request, admin_helpers.hand_over_message(person, successor, summary), messages.SUCCESS
                    )
                    if summary.without_deputy:
                        self.message_user(request, admin_helpers.without_deputy_message(summary), messages.WARNING)
                    return redirect("admin:stakeholders_person_change", person.pk)
            if not conflicts:
                deputies_form = None
        person_opts = Person._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hand over the roles of %(person)s") % {"person": person},
            "subtitle": None,
            "opts": person_opts,
            "app_label": person_opts.app_label,
            "person": person,
            "form": form,
            "media": self.media + form.media,
            "preview": admin_helpers.hand_over_preview(person),
            "deputies_form": deputies_form,
            "deputies_for": form.cleaned_data["successor"].pk if deputies_form is not None else None,
        }
        return TemplateResponse(request, "admin/agreements/hand_over.html", context)


# --- parties and responsibilities on their own (link targets, history); hidden from the index -----


class HiddenFromIndexMixin:
    def get_model_perms(self, request):
        # Edited on the agreement page; the own pages exist for links (risks, inlines) and history.
        return {}


class PartyPageInline(LoadedRowsInline):
    """A party's representatives, anchorings and commitments on the party's own page."""

    fk_name = "party"


class PartyRepresentativeInline(PartyPageInline):
    model = Representative
    fields = ("person", "mandate", "hours_per_month", "is_primary")
    autocomplete_fields = ("person",)
    related = ("person",)


class PartyAnchoringInline(PartyPageInline):
    model = Anchoring
    fields = ("kind", "body", "reference", "date", "person", "note")
    autocomplete_fields = ("person",)
    related = ("person",)


class PartyCommitmentInline(PartyPageInline):
    model = Commitment
    fields = ("description", "due_on", "status", "responsible")
    autocomplete_fields = ("responsible",)
    related = ("responsible",)


@admin.register(Party)
class PartyAdmin(HiddenFromIndexMixin, HistoryAdmin):
    list_display = ("organization", "agreement", "role")
    list_filter = ("role", "organization__sector", "agreement__status")
    search_fields = ("organization__name", "agreement__title", "agreement__reference")
    autocomplete_fields = ("agreement", "organization")
    list_select_related = ("organization", "agreement")
    fields = ("agreement", "organization", "role", "contribution")
    inlines = (PartyRepresentativeInline, PartyAnchoringInline, PartyCommitmentInline)

    def get_readonly_fields(self, request, obj=None):
        # Moving a party to another agreement would strand its rows' mirrored agreement.
        return ("agreement",) if obj is not None else ()

    def get_inlines(self, request, obj):
        # A party's rows are checked against its organisation, so they wait until it is saved.
        return self.inlines if obj is not None and obj.pk else ()


@admin.register(Responsibility)
class ResponsibilityAdmin(HiddenFromIndexMixin, HistoryAdmin):
    list_display = ("title", "agreement", "kind", "responsible", "deputy")
    list_filter = ("kind", "agreement__status", ("deputy", admin.EmptyFieldListFilter))
    search_fields = (
        "title",
        "agreement__title",
        "agreement__reference",
        "responsible__first_name",
        "responsible__last_name",
        "deputy__first_name",
        "deputy__last_name",
    )
    autocomplete_fields = ("agreement", "responsible", "deputy")
    list_select_related = ("agreement", "responsible", "deputy")
    fields = ("agreement", "title", "kind", "description", "responsible", "deputy")
    history_list_display = ("responsible", "deputy")

