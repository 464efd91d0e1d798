"""The instrument admin: sections, items and bands inline; read-only once answered or shipped, changed through
"Create new version" (services.instrument_new_version)."""


from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments import selectors, services
from assessments.choices import ItemKind
from assessments.models import (
    Band,
    Instrument,
    InstrumentSection,
    Item,
)
from samverkan_project.admin_tools import VerboseUniqueInlineFormSet

TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class LockedInlineMixin:
    """An inline that is read-only on a shipped or answered instrument (see selectors.is_locked)."""

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and selectors.is_locked(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and selectors.is_locked(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and selectors.is_locked(obj)) and super().has_delete_permission(request, obj)


class SectionFormSet(VerboseUniqueInlineFormSet):
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


class ItemFormSet(VerboseUniqueInlineFormSet):
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


class BandFormSet(VerboseUniqueInlineFormSet):
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
            lowest, highest = selectors.possible_totals(scored, instrument.scale_min, instrument.scale_max)
        problems = selectors.band_problems(ranges, lowest, highest)
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
        return selectors.instrument_admin_list()

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
        if obj is not None and selectors.is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (selectors.is_locked(obj) or obj.rounds.exists()):
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
            context["locked"] = selectors.is_locked(obj)
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
        copy = services.instrument_new_version(instrument)
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
        copies = [services.instrument_new_version(instrument) for instrument in queryset.order_by("pk")]
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


