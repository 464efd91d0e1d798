"""The coordinators' admin for assessments: instruments (sections, items, bands; versioned once answered
or shipped), rounds (started, re-staffed, invited and closed through assessments.rounds) and, read-only,
the individual answers.

Thin by design: rounds are started with rounds.round_create, their respondents changed with
rounds.respondents_set, instruments copied with instrument_services.instrument_new_version; the
lists' querysets and counts come from instrument_services.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as KombuOperationalError

from agreements.models import Agreement
from assessments import instrument_services, rounds
from assessments.admin_results import results_urls
from assessments.choices import ItemKind, RoundStatus
from assessments.models import (
    Answer,
    AssessmentRound,
    Band,
    Instrument,
    InstrumentSection,
    Item,
    Respondent,
    localized,
)
from samverkan_project.api.filters import ID_MAX
from stakeholders.models import Person

TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def selected_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: under its fields where the form has them, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- instruments ---------------------------------------------------------------------------------------


class LockedInlineMixin:
    """An inline that is read-only on a shipped or answered instrument (see instrument_services.is_locked)."""

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and instrument_services.is_locked(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and instrument_services.is_locked(obj)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and instrument_services.is_locked(obj)) and super().has_delete_permission(
            request, obj
        )


class SectionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Deleting a section would silently delete its items with it.
        doomed = [form.instance for form in self.deleted_forms if form.instance.pk]
        with_items = [section for section in doomed if section.items.exists()]
        if with_items:
            raise ValidationError(
                _("Move or delete the items of %(sections)s and save before deleting the section.")
                % {"sections": ", ".join(str(section) for section in with_items)}
            )


class SectionInline(LockedInlineMixin, admin.StackedInline):
    model = InstrumentSection
    formset = SectionFormSet
    fields = (("position", "title_sv", "title_en"), ("description_sv", "description_en"))
    formfield_overrides = TEXTAREA
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None or not obj.pk else 0


class ItemFormSet(BaseInlineFormSet):
    def scored_count(self) -> int | None:
        """How many rated items the instrument has once this formset is saved (None if it is invalid)."""
        if not self.is_valid():
            return None
        return sum(
            1
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.instance.pk or form.has_changed())
            and form.cleaned_data.get("kind") == ItemKind.SCALE
        )

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if self.instance.is_active and self.scored_count() == 0:
            raise ValidationError(
                _(
                    "An instrument offered for new rounds needs at least one rated item: add one, or untick "
                    "“offered for new rounds”."
                )
            )


class ItemInline(LockedInlineMixin, admin.TabularInline):
    model = Item
    formset = ItemFormSet
    fields = ("position", "section", "kind", "label_sv", "label_en", "text_sv", "text_en")
    formfield_overrides = TEXTAREA
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("section")
        if field is not None:
            # This instrument's sections only, loaded once for every row.
            sections = list(obj.sections.order_by("position", "id")) if obj is not None and obj.pk else []
            field.queryset = InstrumentSection.objects.filter(instrument=obj) if sections else field.queryset.none()
            field.choices = [("", field.empty_label), *((section.pk, str(section)) for section in sections)]
            field.help_text = _(
                "Only this instrument's sections can be chosen: add new sections and save first, then add their items."
            )
            widget = field.widget
            if hasattr(widget, "can_add_related"):
                widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
                widget.can_view_related = False
        return formset


class BandFormSet(BaseInlineFormSet):
    item_formset: ItemFormSet | None = None  # set by InstrumentAdmin._create_formsets

    def scored_count(self) -> int | None:
        if self.item_formset is not None:
            return self.item_formset.scored_count()
        if not self.instance.pk:
            return 0
        return Item.objects.filter(instrument=self.instance, kind=ItemKind.SCALE).count()

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ranges = [
            (form.cleaned_data["min_total"], form.cleaned_data["max_total"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("min_total") is not None
            and form.cleaned_data.get("max_total") is not None
        ]
        if not ranges:
            return
        scored = self.scored_count()
        instrument = self.instance
        if scored is None or instrument.scale_min is None or instrument.scale_max is None:
            lowest, highest = -(10**6), 10**6  # the items or the scale are refused already; check overlaps only
        elif scored == 0:
            raise ValidationError(_("Bands read the total of the rated items: add rated items first."))
        else:
            lowest, highest = instrument_services.possible_totals(scored, instrument.scale_min, instrument.scale_max)
        problems = instrument_services.band_problems(ranges, lowest, highest)
        if problems:
            raise ValidationError(problems)


class BandInline(LockedInlineMixin, admin.StackedInline):
    model = Band
    formset = BandFormSet
    fields = (("min_total", "max_total"), ("label_sv", "label_en"), ("advice_sv", "advice_en"))
    formfield_overrides = TEXTAREA
    extra = 0


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = (
            "code", "name_sv", "name_en", "description_sv", "description_en", "is_active", "scale_min", "scale_max",
            "scale_min_label_sv", "scale_min_label_en", "scale_max_label_sv", "scale_max_label_en",
        )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("is_active"):
            self.add_error(
                "is_active",
                _("A new instrument has no items yet: save it with its sections, add the items, then offer it."),
            )
        return cleaned


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    form = InstrumentForm
    list_display = (
        "name_display",
        "code",
        "version",
        "scale_display",
        "item_count_display",
        "is_active",
        "is_builtin",
        "round_count_display",
    )
    list_filter = ("is_active", "is_builtin")
    search_fields = ("code", "name_sv", "name_en")
    actions = ("new_versions",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "version",
                    ("name_sv", "name_en"),
                    ("description_sv", "description_en"),
                    "is_active",
                ),
                "description": _(
                    "An instrument that has answers, or was shipped with Samverkan, is not changed: create a new "
                    "version of it instead, so past results keep the questions they were given. Items can be "
                    "added once the instrument and its sections are saved."
                ),
            },
        ),
        (
            _("Scale"),
            {
                "fields": (
                    ("scale_min", "scale_max"),
                    ("scale_min_label_sv", "scale_min_label_en"),
                    ("scale_max_label_sv", "scale_max_label_en"),
                )
            },
        ),
        (_("Record"), {"fields": ("is_builtin", "created_at"), "classes": ("collapse",)}),
    )
    formfield_overrides = TEXTAREA
    inlines = (SectionInline, ItemInline, BandInline)

    def get_queryset(self, request):
        return instrument_services.instrument_admin_list()

    def get_readonly_fields(self, request, obj=None):
        # The code is shared by the versions; versions are made by "Create new version".
        if obj is None:
            return ("version", "is_builtin", "created_at")
        return ("code", "version", "is_builtin", "created_at")

    def get_inlines(self, request, obj):
        # Items need saved sections, and bands the rated items; a new instrument starts with its sections.
        return self.inlines if obj is not None and obj.pk else (SectionInline,)

    def get_changeform_initial_data(self, request):
        return {"is_active": False, **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request, obj=None):
        if obj is not None and instrument_services.is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (instrument_services.is_locked(obj) or obj.rounds.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # The bands are checked against the totals the items (as posted) allow.
        items = next((formset for formset in formsets if formset.model is Item), None)
        for formset in formsets:
            if isinstance(formset, BandFormSet):
                formset.item_formset = items
        return formsets, inline_instances

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["locked"] = instrument_services.is_locked(obj)
            context["can_version"] = self.has_add_permission(request)
            context["new_version_url"] = reverse(
                "admin:assessments_instrument_new_version", args=[obj.pk], current_app=self.admin_site.name
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- columns ---

    @admin.display(description=_("name"), ordering="name_sv")
    def name_display(self, instrument: Instrument) -> str:
        return instrument.name

    @admin.display(description=_("scale"))
    def scale_display(self, instrument: Instrument) -> str:
        return f"{instrument.scale_min}–{instrument.scale_max}"

    @admin.display(description=_("items (rated)"), ordering="item_count")
    def item_count_display(self, instrument: Instrument) -> str:
        return f"{instrument.item_count} ({instrument.scored_item_count})"

    @admin.display(description=_("rounds"), ordering="round_count")
    def round_count_display(self, instrument: Instrument):
        if not instrument.round_count:
            return "0"
        url = reverse("admin:assessments_assessmentround_changelist", current_app=self.admin_site.name)
        return format_html('<a href="{}?instrument__id__exact={}">{}</a>', url, instrument.pk, instrument.round_count)

    # --- new versions ---

    def get_urls(self):
        new_version = path(
            "<int:instrument_id>/new-version/",
            self.admin_site.admin_view(self.new_version_view),
            name="assessments_instrument_new_version",
        )
        return [new_version, *super().get_urls()]

    def new_version_view(self, request, instrument_id: int):
        """Copy the instrument into its next version (POST only) and open the copy."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        instrument = Instrument.objects.filter(pk=instrument_id).first()
        if instrument is None:
            raise Http404(_("No such instrument."))
        copy = instrument_services.instrument_new_version(instrument)
        self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            _("Version %(version)s was created from version %(old)s and is now offered for new rounds.")
            % {"version": copy.version, "old": instrument.version},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:assessments_instrument_change", args=[copy.pk], current_app=self.admin_site.name)
        )

    @admin.action(description=_("Create a new version of the selected instruments"), permissions=["add"])
    def new_versions(self, request, queryset):
        copies = [instrument_services.instrument_new_version(instrument) for instrument in queryset.order_by("pk")]
        for copy in copies:
            self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            ngettext("%(count)d new version was created.", "%(count)d new versions were created.", len(copies))
            % {"count": len(copies)},
            messages.SUCCESS,
        )
        if len(copies) == 1:
            return HttpResponseRedirect(
                reverse("admin:assessments_instrument_change", args=[copies[0].pk], current_app=self.admin_site.name)
            )
        return None


# --- rounds --------------------------------------------------------------------------------------------


class RoundAgreementFilter(admin.SimpleListFilter):
    """One agreement's rounds, from a link (``?agreement__id__exact=<id>``); the search box finds the rest."""

    title = _("agreement")
    parameter_name = "agreement__id__exact"

    def lookups(self, request, model_admin):
        agreement_id = selected_id(self.value())
        agreement = Agreement.objects.filter(pk=agreement_id).first() if agreement_id is not None else None
        return [(str(agreement.pk), str(agreement))] if agreement else []

    def queryset(self, request, queryset):
        agreement_id = selected_id(self.value())
        return queryset if agreement_id is None else queryset.filter(agreement_id=agreement_id)


def _out_of_range(value) -> bool:
    # An id no database column holds: refused as an invalid choice before it reaches the database.
    return str(value).strip().lstrip("-").isdigit() and not 0 < int(value) <= ID_MAX


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and _out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if _out_of_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class IdAutocompleteMixin:
    """Renders only well-formed ids as chosen: odd input sent back with the form's errors never reaches the
    query that labels the chosen options."""

    def optgroups(self, name, value, attr=None):
        value = [v for v in value if str(v).isdigit() and not _out_of_range(v)]
        return super().optgroups(name, value, attr)


class IdAutocompleteSelect(IdAutocompleteMixin, AutocompleteSelect):
    pass


class IdAutocompleteSelectMultiple(IdAutocompleteMixin, AutocompleteSelectMultiple):
    pass


def persons_field(admin_site, **kwargs) -> forms.ModelMultipleChoiceField:
    """People chosen with the admin's autocomplete (the people's search)."""
    widget = IdAutocompleteSelectMultiple(Respondent._meta.get_field("person"), admin_site)
    return IdMultipleChoiceField(Person.objects.all(), required=False, widget=widget, **kwargs)


class RoundAddForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"] = IdChoiceField(
            Agreement.objects.all(),
            label=_("agreement"),
            widget=IdAutocompleteSelect(AssessmentRound._meta.get_field("agreement"), admin_site),
        )
        self.fields["instrument"] = IdChoiceField(
            Instrument.objects.filter(is_active=True).order_by("code", "-version"),
            label=_("instrument"),
            help_text=_("Instruments offered for new rounds."),
        )
        self.fields["opens_on"] = forms.DateField(label=_("opens"), widget=AdminDateWidget)
        self.fields["closes_on"] = forms.DateField(label=_("closes"), widget=AdminDateWidget)
        self.fields["persons"] = persons_field(
            admin_site,
            label=_("respondents"),
            help_text=_(
                "Leave empty to ask the agreement's default respondents: its representatives, role holders and "
                "coordinator who are active and have an e-mail address. To see and change that list first, "
                "choose the agreement and press “Fill in the default respondents”."
            ),
        )


class RoundChangeForm(forms.ModelForm):
    class Meta:
        model = AssessmentRound
        fields = ("closes_on",)
        widgets = {"closes_on": AdminDateWidget}

    def clean_closes_on(self):
        closes_on = self.cleaned_data["closes_on"]
        problem = rounds.closes_on_problem(self.instance, closes_on)
        if problem:
            raise ValidationError(problem)
        return closes_on


class RespondentsForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"] = persons_field(
            admin_site,
            label=_("respondents"),
            help_text=_(
                "Remove people to stop asking them (those who have answered stay); people added are invited at "
                "once if the round is open."
            ),
        )


class RespondentInline(admin.TabularInline):
    """Who is asked and how far each has come; links and tokens are never shown."""

    model = Respondent
    fields = ("person", "language", "invited_at", "reminded_at", "responded_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(admin.ModelAdmin):
    form = RoundChangeForm
    list_display = (
        "agreement",
        "instrument",
        "opens_on",
        "closes_on",
        "status",
        "respondent_count_display",
        "answered_count_display",
        "results_link",
    )
    list_filter = ("status", "instrument", RoundAgreementFilter)
    list_select_related = ("agreement", "instrument")
    search_fields = ("agreement__title", "agreement__reference")
    autocomplete_fields = ("agreement",)
    date_hierarchy = "opens_on"
    actions = ("send_invitations", "close_rounds")
    fields = (
        "agreement",
        "instrument",
        "status",
        ("opens_on", "closes_on"),
        ("opened_at", "closed_at"),
        "counts_display",
        ("created_by", "created_automatically", "created_at"),
    )
    inlines = (RespondentInline,)

    def get_queryset(self, request):
        return instrument_services.round_list()

    def get_readonly_fields(self, request, obj=None):
        fixed = (
            "agreement",
            "instrument",
            "status",
            "opens_on",
            "opened_at",
            "closed_at",
            "counts_display",
            "created_by",
            "created_automatically",
            "created_at",
        )
        # The closing date moves while the round has not closed.
        return (*fixed, "closes_on") if obj is not None and obj.status == RoundStatus.CLOSED else fixed

    def has_delete_permission(self, request, obj=None):
        if obj is not None and rounds.round_has_answers(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        rounds.round_delete(round_=obj)

    def delete_queryset(self, request, queryset):
        for round_ in queryset:
            try:
                rounds.round_delete(round_=round_)
            except ValidationError as exc:
                self.message_user(request, f"{round_}: {' '.join(exc.messages)}", messages.ERROR)

    def save_model(self, request, obj, form, change):
        if "closes_on" in form.changed_data:
            rounds.round_closes_on_set(round_=obj, closes_on=form.cleaned_data["closes_on"])

    # --- columns ---

    @admin.display(description=_("asked"), ordering="respondent_count")
    def respondent_count_display(self, round_: AssessmentRound) -> int:
        return round_.respondent_count

    @admin.display(description=_("answered"), ordering="answered_count")
    def answered_count_display(self, round_: AssessmentRound) -> int:
        return round_.answered_count

    @admin.display(description=_("results"))
    def results_link(self, round_: AssessmentRound):
        url = reverse("admin:assessments_assessmentround_results", args=[round_.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, _("Results"))

    @admin.display(description=_("respondents"))
    def counts_display(self, round_: AssessmentRound) -> str:
        return _("%(asked)d asked, %(invited)d invited, %(answered)d answered") % {
            "asked": round_.respondent_count,
            "invited": round_.invited_count,
            "answered": round_.answered_count,
        }

    # --- pages of their own ---

    def get_urls(self):
        def view(function, suffix: str):
            return path(
                f"<int:round_id>/{suffix}/",
                self.admin_site.admin_view(function),
                name=f"assessments_assessmentround_{suffix.replace('-', '_')}",
            )

        return [
            *results_urls(self.admin_site),
            view(self.respondents_view, "respondents"),
            view(self.send_invitations_view, "send-invitations"),
            view(self.close_view, "close"),
            *super().get_urls(),
        ]

    def url(self, name: str, round_: AssessmentRound) -> str:
        return reverse(f"admin:assessments_assessmentround_{name}", args=[round_.pk], current_app=self.admin_site.name)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            may_change = self.has_change_permission(request, obj)
            context.update(
                {
                    "round": obj,
                    "results_url": self.url("results", obj),
                    "may_change_round": may_change and obj.status != RoundStatus.CLOSED,
                    "respondents_url": self.url("respondents", obj),
                    "send_invitations_url": self.url("send_invitations", obj),
                    "close_url": self.url("close", obj),
                    "answers_url": (
                        reverse("admin:assessments_answer_changelist", current_app=self.admin_site.name)
                        + f"?round={obj.pk}"
                        if request.user.has_perm("assessments.view_answer")
                        else None
                    ),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def round_or_404(self, round_id: int) -> AssessmentRound:
        round_ = self.get_queryset(None).filter(pk=round_id).first()
        if round_ is None:
            raise Http404(_("No such assessment round."))
        return round_

    # --- starting a round ---

    def add_view(self, request, form_url="", extra_context=None):
        """Choose agreement, instrument and dates; the respondents are the defaults unless chosen here."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        if request.method == "POST" and "_defaults" in request.POST:
            form = self.prefilled_form(request)
        elif request.method == "POST":
            form = RoundAddForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                values = form.cleaned_data
                try:
                    round_ = rounds.round_create(
                        agreement=values["agreement"],
                        instrument=values["instrument"],
                        opens_on=values["opens_on"],
                        closes_on=values["closes_on"],
                        persons=list(values["persons"]) or None,
                        user=request.user,
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    self.log_addition(request, round_, [{"added": {}}])
                    return self.response_add(request, round_)
        else:
            initial = {
                "opens_on": today,
                "closes_on": today + datetime.timedelta(days=settings.ASSESSMENT_ROUND_DAYS),
                "instrument": rounds.due_instrument(None, None),
            }
            agreement = Agreement.objects.filter(pk=selected_id(request.GET.get("agreement"))).first()
            if agreement is not None:
                initial["agreement"] = agreement
                initial["persons"] = [person.pk for person in rounds.default_respondents(agreement)]
            form = RoundAddForm(initial=initial, admin_site=self.admin_site)
        return self.render_add_form(request, form, form_url, extra_context)

    def prefilled_form(self, request) -> RoundAddForm:
        """The form as posted, with the respondents replaced by the agreement's defaults (nothing saved)."""
        posted = RoundAddForm(request.POST, admin_site=self.admin_site)
        posted.is_valid()
        agreement = posted.cleaned_data.get("agreement")
        if agreement is None:
            return posted  # bound: the page says the agreement is missing
        defaults = [person.pk for person in rounds.default_respondents(agreement)]
        initial = {name: value for name, value in posted.cleaned_data.items() if name != "persons"}
        self.message_user(
            request,
            ngettext(
                "%(count)d default respondent was filled in; change the list if needed and save.",
                "%(count)d default respondents were filled in; change the list if needed and save.",
                len(defaults),
            )
            % {"count": len(defaults)},
            messages.INFO,
        )
        return RoundAddForm(initial={**initial, "persons": defaults}, admin_site=self.admin_site)

    def render_add_form(self, request, form, form_url, extra_context):
        fieldsets = [(None, {"fields": ["agreement", "instrument", ("opens_on", "closes_on"), "persons"]})]
        adminform = helpers.AdminForm(form, fieldsets, {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start an assessment round"),
            "subtitle": None,
            "adminform": adminform,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "fill_defaults": True,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    # --- respondents, invitations, closing ---

    def respondents_view(self, request, round_id: int):
        """Change who is asked, through rounds.respondents_set."""
        round_ = self.round_or_404(round_id)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        current = list(round_.respondents.exclude(person=None).values_list("person_id", flat=True))
        form = RespondentsForm(
            request.POST if request.method == "POST" else None,
            initial={"persons": current},
            admin_site=self.admin_site,
        )
        if request.method == "POST" and form.is_valid():
            try:
                added, removed = rounds.respondents_set(round_, list(form.cleaned_data["persons"]))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.log_change(request, round_, [{"changed": {"fields": ["respondents"]}}])
                self.message_user(
                    request,
                    _("Respondents changed: %(added)d added, %(removed)d removed.")
                    % {"added": added, "removed": removed},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self.url("change", round_))
        if round_.status == RoundStatus.CLOSED:
            form.add_error(None, _("The round is closed."))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Respondents of %(round)s") % {"round": round_},
            "opts": self.opts,
            "round": round_,
            "form": form,
            "media": self.media + form.media,
            "change_url": self.url("change", round_),
        }
        return TemplateResponse(request, "admin/assessments/assessmentround/respondents.html", context)

    def round_action_view(self, request, round_id: int, act):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        round_ = self.round_or_404(round_id)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        act(request, [round_])
        return HttpResponseRedirect(self.url("change", round_))

    def send_invitations_view(self, request, round_id: int):
        return self.round_action_view(request, round_id, self.invite)

    def close_view(self, request, round_id: int):
        return self.round_action_view(request, round_id, self.close)

    def invite(self, request, rounds_) -> None:
        """Queue the invitations still owed by each open round; other rounds are explained."""
        from assessments.tasks import assessment_invitations_send

        for round_ in rounds_:
            if round_.status != RoundStatus.OPEN:
                message = (
                    _("%(round)s is closed.")
                    if round_.status == RoundStatus.CLOSED
                    else _("%(round)s opens on %(date)s; its invitations go out then.")
                )
                self.message_user(request, message % {"round": round_, "date": round_.opens_on}, messages.WARNING)
                continue
            owed = round_.respondents.filter(invited_at__isnull=True).count()
            if not owed:
                self.message_user(
                    request, _("Everybody in %(round)s has been invited.") % {"round": round_}, messages.INFO
                )
                continue
            try:
                assessment_invitations_send.delay(round_.pk)
            except (KombuOperationalError, OSError) as exc:  # broker down (or, run eagerly, the mail server)
                self.message_user(
                    request,
                    _("The invitations of %(round)s could not be sent now (%(error)s); the daily job sends them.")
                    % {"round": round_, "error": exc},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d invitation of %(round)s is being sent.",
                        "%(count)d invitations of %(round)s are being sent.",
                        owed,
                    )
                    % {"count": owed, "round": round_},
                    messages.SUCCESS,
                )

    def close(self, request, rounds_) -> None:
        closed = 0
        for round_ in rounds_:
            if round_.status != RoundStatus.CLOSED:
                rounds.round_close(round_)
                self.log_change(request, round_, [{"changed": {"fields": ["status"]}}])
                closed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d round was closed; its links no longer work.",
                "%(count)d rounds were closed; their links no longer work.",
                closed,
            )
            % {"count": closed},
            messages.SUCCESS if closed else messages.INFO,
        )

    @admin.action(description=_("Send the invitations still owed now"), permissions=["change"])
    def send_invitations(self, request, queryset):
        self.invite(request, list(queryset.order_by("pk")))

    @admin.action(description=_("Close the selected rounds now"), permissions=["change"])
    def close_rounds(self, request, queryset):
        self.close(request, list(queryset.order_by("pk")))


# --- answers (read-only, for those allowed to view them) -----------------------------------------------


class AnswerRoundFilter(admin.SimpleListFilter):
    """One round's answers, from the link on the round's page."""

    title = _("round")
    parameter_name = "round"

    def lookups(self, request, model_admin):
        round_id = selected_id(self.value())
        round_ = (
            AssessmentRound.objects.select_related("agreement", "instrument").filter(pk=round_id).first()
            if round_id is not None
            else None
        )
        return [(str(round_.pk), str(round_))] if round_ else []

    def queryset(self, request, queryset):
        round_id = selected_id(self.value())
        return queryset if round_id is None else queryset.filter(respondent__round_id=round_id)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("person_display", "round_display", "item_display", "value", "comment_display")
    list_filter = (AnswerRoundFilter,)
    list_select_related = (
        "respondent__person",
        "respondent__round__agreement",
        "respondent__round__instrument",
        "item",
    )
    search_fields = (
        "respondent__person__first_name",
        "respondent__person__last_name",
        "respondent__round__agreement__title",
    )
    fields = ("person_display", "round_display", "item_display", "value", "comment")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("person"), ordering="respondent__person__last_name")
    def person_display(self, answer: Answer) -> str:
        person = answer.respondent.person
        # The person is removed once the retention period has passed; the answer stays, anonymous.
        return str(person) if person is not None else _("(anonymous)")

    @admin.display(description=_("round"), ordering="respondent__round__opens_on")
    def round_display(self, answer: Answer) -> str:
        return str(answer.respondent.round)

    @admin.display(description=_("item"), ordering="item__position")
    def item_display(self, answer: Answer) -> str:
        item = answer.item
        label = localized(item, "label")
        return f"{item.position}. {label}" if label else f"{item.position}. {localized(item, 'text')[:80]}"

    @admin.display(description=_("comment"))
    def comment_display(self, answer: Answer) -> str:
        return answer.comment[:80]
