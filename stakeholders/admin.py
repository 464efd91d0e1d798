"""The coordinators' admin for the register: lists, filters, history, import/export and the grid.

Thin by design: querysets come from selectors, actions call services, the grid's geometry lives
in stakeholders.grid and its page in stakeholders.views.
"""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from samverkan_project.history_admin import HistoryAdmin
from samverkan_project.rowcounts import CountedPaginator
from samverkan_project.spreadsheets import SafeImportExportMixin
from stakeholders import privacy, selectors, views
from stakeholders.models import SCALE_MAX, SCALE_MIN, Organization, Person, salience_type_for
from stakeholders.resources import OrganizationResource, PersonResource
from stakeholders.services import organization_update, person_update


class ScaleFieldListFilter(admin.FieldListFilter):
    """Filter on a 1–5 scale field, offering every step without asking the database."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = f"{field_path}__exact"
        self.lookup_val = params.get(self.lookup_kwarg)
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def choices(self, changelist):
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": _("All"),
        }
        for value in range(SCALE_MIN, SCALE_MAX + 1):
            yield {
                "selected": self.lookup_val is not None and str(value) in self.lookup_val,
                "query_string": changelist.get_query_string({self.lookup_kwarg: value}),
                "display": str(value),
            }


class PersonActiveFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("yes", _("Active")), ("no", _("Left")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.active()
        if self.value() == "no":
            return queryset.departed()
        return queryset


class RegisterAdmin(SafeImportExportMixin, ImportExportModelAdmin, HistoryAdmin):
    """History (who changed what) plus CSV/XLSX import and export, for people with the rights: formula-safe
    exports, bounded imports (samverkan_project.spreadsheets)."""

    import_template_name = "admin/stakeholders/import.html"

    def has_import_permission(self, request) -> bool:
        # An import adds and changes rows, so it needs both rights (a reader must not import).
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def ordered(self, request, queryset):
        """``queryset`` (from a selector) in the admin's ordering, as ModelAdmin.get_queryset does."""
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class PersonInline(admin.TabularInline):
    model = Person
    fields = ("first_name", "last_name", "title", "email", "phone", "language", "left_on")
    extra = 0
    show_change_link = True
    verbose_name_plural = _("people at this organisation")


@admin.register(Organization)
class OrganizationAdmin(RegisterAdmin):
    resource_classes = [OrganizationResource]
    # import-export's change list with a link to the grid added (see the template)
    import_export_change_list_template = "admin/stakeholders/organization/change_list.html"
    list_display = (
        "name",
        "org_number",
        "sector",
        "parent",
        "power",
        "interest",
        "legitimacy",
        "urgency",
        "resource_level",
        "quadrant_display",
        "salience_type_display",
        "people_count_display",
        "is_active",
    )
    list_filter = (
        "sector",
        "is_active",
        ("power", ScaleFieldListFilter),
        ("interest", ScaleFieldListFilter),
        ("legitimacy", ScaleFieldListFilter),
        ("urgency", ScaleFieldListFilter),
    )
    search_fields = ("name", "org_number")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    show_full_result_count = False  # one COUNT over the whole table less per page
    paginator = CountedPaginator  # and an unfiltered list's total without counting
    readonly_fields = ("created_at", "updated_at", "salience_type_display")
    fieldsets = (
        (_("Identity"), {"fields": ("name", "org_number", "sector", "parent", "is_active")}),
        (
            _("Stakeholder analysis"),
            {
                "fields": (
                    ("power", "interest", "resource_level"),
                    ("legitimacy", "urgency"),
                    "salience_type_display",
                    "resources",
                    "drivers",
                    "constraints",
                ),
                "description": _(
                    "Power and interest place the organisation on the power/interest grid; power, legitimacy "
                    "and urgency give its salience type. The history keeps every earlier judgement and who made it."
                ),
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (PersonInline,)
    history_list_display = ("power", "interest", "legitimacy", "urgency", "salience_type_display")
    actions = ("deactivate_organizations",)

    def get_queryset(self, request):
        return self.ordered(request, selectors.organization_list())

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_grid"
        grid = path("grid/", self.admin_site.admin_view(self.grid_view), name=name)
        return [grid, *super().get_urls()]

    def grid_view(self, request):
        """The power/interest grid; anyone who may view organisations may see it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views.organization_grid(request, model_admin=self)

    @admin.display(description=_("quadrant"))
    def quadrant_display(self, obj: Organization) -> str:
        return obj.quadrant().label

    @admin.display(description=_("salience type"))
    def salience_type_display(self, obj) -> str:
        # Also called with a history row (no model methods there), so from the three fields.
        high_from = settings.STAKEHOLDER_GRID_HIGH_FROM
        return salience_type_for(obj.power, obj.legitimacy, obj.urgency, high_from).label

    @admin.display(description=_("people"), ordering="people_count")
    def people_count_display(self, obj: Organization) -> int:
        return obj.people_count

    @admin.action(description=_("Mark selected organisations as inactive"), permissions=["change"])
    def deactivate_organizations(self, request, queryset):
        changed = 0
        for organization in queryset.filter(is_active=True):
            organization_update(instance=organization, is_active=False)
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation was marked as inactive.",
                "%(count)d organisations were marked as inactive.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )


@admin.register(Person)
class PersonAdmin(RegisterAdmin):
    resource_classes = [PersonResource]
    list_display = (
        "full_name_display",
        "organization",
        "title",
        "email",
        "language",
        "is_active_display",
        "left_on",
    )
    list_filter = ("organization__sector", PersonActiveFilter, "language")
    search_fields = ("first_name", "last_name", "email", "title", "organization__name")
    autocomplete_fields = ("organization", "user")
    list_select_related = ("organization",)
    show_full_result_count = False  # one COUNT over the whole table less per page
    paginator = CountedPaginator  # and an unfiltered list's total without counting
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": (("first_name", "last_name"), "organization", "title")}),
        (_("Contact"), {"fields": ("email", "phone", "language")}),
        (_("Status"), {"fields": ("left_on", "user")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = ("mark_left_today", "export_personal_data", "anonymise_people")

    def get_queryset(self, request):
        return self.ordered(request, selectors.person_list())

    def get_readonly_fields(self, request, obj: Model | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Linking a login needs the right to see users; without it the user picker cannot work.
        if not request.user.has_perm("auth.view_user"):
            readonly.append("user")
        return readonly

    @admin.display(description=_("name"), ordering="last_name")
    def full_name_display(self, obj: Person) -> str:
        return obj.full_name

    @admin.display(description=_("active"), boolean=True, ordering="left_on")
    def is_active_display(self, obj: Person) -> bool:
        return obj.is_active

    @admin.action(description=_("Mark selected people as having left today"), permissions=["change"])
    def mark_left_today(self, request, queryset):
        today = timezone.localdate()
        changed = 0
        for person in queryset.active(on=today):
            person_update(instance=person, left_on=today)
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d person was marked as having left today.",
                "%(count)d people were marked as having left today.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Export personal data (JSON)"), permissions=["view"])
    def export_personal_data(self, request, queryset):
        """Everything stored about the selected people, as one JSON file (GDPR access request)."""
        include_answers = request.user.has_perm("assessments.view_answer")
        people = [privacy.person_export(person, include_answers=include_answers) for person in queryset.order_by("pk")]
        body = json.dumps({"exported_at": timezone.now().isoformat(), "people": people}, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"person-{people[0]['person']['id']}" if len(people) == 1 else "people"
        response["Content-Disposition"] = f'attachment; filename="{name}-personal-data.json"'
        return response

    @admin.action(description=_("Anonymise (GDPR)"), permissions=["change"])
    def anonymise_people(self, request, queryset):
        """Ask first (listing who), then anonymise each selected person."""
        people = list(queryset.order_by("last_name", "first_name", "pk"))
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Anonymise people"),
                "people": people,
                "action": "anonymise_people",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/stakeholders/person/anonymise_confirmation.html", context)
        done = already = 0
        for person in people:
            try:
                result = privacy.person_anonymise(person, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{person}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            if result.anonymisation.already:
                already += 1
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d person was anonymised.", "%(count)d people were anonymised.", done) % {"count": done},
            messages.SUCCESS,
        )
        if already:
            self.message_user(
                request,
                ngettext(
                    "%(count)d person was already anonymised.", "%(count)d people were already anonymised.", already
                )
                % {"count": already},
                messages.INFO,
            )
