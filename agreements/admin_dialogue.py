"""The dialogue in the admin: the interaction log and follow-ups with their own lists, the timeline of
interactions (with the last contact) on the agreement, organisation and person pages, a person's career and
the move to another organisation (which offers the hand-over of the roles left behind).

The organisation and person pages belong to the register (stakeholders), which may not know of
agreements: this module extends whatever admin is registered for them, the way risks extends the
agreement's, so other extensions of the same pages compose with this one.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements import selectors, services
from agreements.models import FollowUp, Interaction
from samverkan_project.history_admin import HistoryAdmin
from stakeholders.models import Employment, Organization, Person

# The timeline shows this many of the latest interactions; the interaction list has them all.
TIMELINE_LENGTH = 50


# --- the interaction log and follow-ups ---------------------------------------------------------


class InteractionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ("kind", "date", "title", "agreement", "organizations", "participants", "notes", "decisions")

    def clean(self):
        data = super().clean()
        try:
            organizations, _people = services._interaction_people(
                data.get("organizations") or (), data.get("participants") or ()
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        else:
            data["organizations"] = organizations
        return data


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    fk_name = "interaction"
    fields = ("description", "responsible", "due_on", "status", "agreement")
    autocomplete_fields = ("responsible", "agreement")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsible", "agreement")


@admin.register(Interaction)
class InteractionAdmin(HistoryAdmin):
    form = InteractionForm
    list_display = ("date", "kind", "title", "organizations_display", "agreement")
    list_filter = (
        "kind",
        ("organizations", admin.RelatedOnlyFieldListFilter),
        ("participants", admin.RelatedOnlyFieldListFilter),
        ("agreement", admin.RelatedOnlyFieldListFilter),
        "date",
    )
    search_fields = ("title", "notes", "decisions")
    autocomplete_fields = ("agreement", "organizations", "participants")
    date_hierarchy = "date"
    readonly_fields = ("created_at", "updated_at")
    inlines = (FollowUpInline,)

    def get_queryset(self, request):
        return selectors.interaction_list()

    @admin.display(description=_("organisations"))
    def organizations_display(self, obj: Interaction) -> str:
        return ", ".join(organization.name for organization in obj.organizations.all())


@admin.register(FollowUp)
class FollowUpAdmin(HistoryAdmin):
    list_display = ("description", "responsible", "due_on", "status", "agreement", "is_overdue_display")
    list_filter = ("status", "due_on", ("responsible", admin.RelatedOnlyFieldListFilter))
    search_fields = ("description",)
    autocomplete_fields = ("responsible", "agreement", "interaction")
    list_select_related = ("responsible", "agreement")
    fields = ("description", "responsible", "due_on", "status", "interaction", "agreement")

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue_display(self, obj: FollowUp) -> bool:
        return obj.status == "open" and obj.due_on < timezone.localdate()


# --- the timeline on the agreement, organisation and person pages ---------------------------------


def participant_prefetch() -> Prefetch:
    return Prefetch("participants", queryset=Person.objects.order_by("last_name", "first_name", "id"))


class TimelineFormSet(forms.BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_timeline"):
            self._timeline = super().get_queryset()[:TIMELINE_LENGTH]
        return self._timeline


class TimelineInline(admin.TabularInline):
    """The latest interactions, newest first, read-only; the heading gives the last contact."""

    template = "admin/agreements/interaction_timeline.html"
    formset = TimelineFormSet
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("interaction")
    verbose_name_plural = _("Dialogue: interactions")
    last_contact_field = ""  # for Interaction.objects: "agreement" or "organizations"
    filter_field = ""  # the list's filter for "all interactions"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("agreements.view_interaction")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.last_contact = (
            selectors.last_contacts(self.last_contact_field, [obj.pk]).get(obj.pk)
            if obj is not None and self.last_contact_field
            else None
        )
        formset.all_url = (
            f"{reverse('admin:agreements_interaction_changelist')}?{self.filter_field}={obj.pk}"
            if obj is not None
            else ""
        )
        formset.add_url = reverse("admin:agreements_interaction_add")
        formset.show_last_contact = bool(self.last_contact_field)
        return formset


class AgreementTimelineInline(TimelineInline):
    model = Interaction
    fk_name = "agreement"
    fields = ("date", "kind", "title_link", "participants_display")
    readonly_fields = fields
    last_contact_field = "agreement"
    filter_field = "agreement__id__exact"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(participant_prefetch()).order_by("-date", "-id")

    @admin.display(description=_("title"))
    def title_link(self, obj: Interaction):
        url = reverse("admin:agreements_interaction_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description=_("participants"))
    def participants_display(self, obj: Interaction) -> str:
        return ", ".join(person.full_name for person in obj.participants.all())


class ThroughTimelineInline(TimelineInline):
    """Interactions through the many-to-many table (an organisation's, a person's)."""

    fields = ("date", "kind", "title_link", "agreement_display")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("interaction__agreement")
            .order_by("-interaction__date", "-interaction_id")
        )

    @admin.display(description=_("date"))
    def date(self, obj):
        return obj.interaction.date

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return obj.interaction.get_kind_display()

    @admin.display(description=_("title"))
    def title_link(self, obj):
        url = reverse("admin:agreements_interaction_change", args=[obj.interaction_id])
        return format_html('<a href="{}">{}</a>', url, obj.interaction.title)

    @admin.display(description=_("agreement"))
    def agreement_display(self, obj):
        return obj.interaction.agreement or "–"


class OrganizationTimelineInline(ThroughTimelineInline):
    model = Interaction.organizations.through
    last_contact_field = "organizations"
    filter_field = "organizations__id__exact"


class PersonTimelineInline(ThroughTimelineInline):
    model = Interaction.participants.through
    filter_field = "participants__id__exact"


class AgreementFollowUpInline(admin.TabularInline):
    model = FollowUp
    fk_name = "agreement"
    fields = ("description", "responsible", "due_on", "status", "interaction")
    autocomplete_fields = ("responsible", "interaction")
    extra = 0
    verbose_name_plural = _("Follow-ups")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsible", "interaction")


class EmploymentInline(admin.TabularInline):
    """The person's career, oldest first; a move (the button above) adds the next period."""

    model = Employment
    fields = ("organization", "title", "started_on", "ended_on")
    autocomplete_fields = ("organization",)
    extra = 0
    verbose_name_plural = _("Career")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization").order_by("started_on", "id")


# --- extending the register's pages ---------------------------------------------------------------


class MoveForm(forms.Form):
    moved_on = forms.DateField(label=_("First day there"), widget=AdminDateWidget, initial=timezone.localdate)
    title = forms.CharField(label=_("Title there"), max_length=200, required=False)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "organization": forms.ModelChoiceField(
                label=_("New organisation"),
                queryset=Organization.objects.all(),
                widget=AutocompleteSelect(Person._meta.get_field("organization"), admin_site),
            ),
            **self.fields,
        }


class PersonMoveMixin:
    """The move page on the person's admin, and a link to it among the page's buttons."""

    change_form_template = "admin/agreements/person_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:person_id>/move/", view(self.move_view), name="stakeholders_person_move"),
            path("<int:person_id>/move/hand-over/", view(self.moved_hand_over_view), name="stakeholders_person_moved"),
            *super().get_urls(),
        ]

    def moved_hand_over_view(self, request, person_id: int):
        """After a move: hand the roles the person can no longer hold to a successor (the person stays active)."""
        if not request.user.has_perms(("stakeholders.change_person", "agreements.change_responsibility")):
            raise PermissionDenied
        person = get_object_or_404(Person.objects.select_related("organization"), pk=person_id)
        form = SuccessorForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                moved = services.moved_roles_hand_over(person=person, successor=form.cleaned_data["successor"])
            except ValidationError as exc:
                form.add_error("successor" if hasattr(exc, "error_dict") else None, exc.messages)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d role handed over to %(successor)s.",
                        "%(count)d roles handed over to %(successor)s.",
                        moved,
                    )
                    % {"count": moved, "successor": form.cleaned_data["successor"]},
                )
                return redirect("admin:stakeholders_person_change", person.pk)
        return self._page(request, person, form, "hand_over")

    def _page(self, request, person, form, mode: str):
        title = (
            _("Move %(person)s to another organisation")
            if mode == "move"
            else _("Hand over the roles %(person)s left behind")
        ) % {"person": person}
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "mode": mode,
            "person": person,
            "form": form,
            "media": self.media + form.media,
            "opts": Person._meta,
            "roles": [services.role_display(role) for role in services.roles_outside(person)],
        }
        return TemplateResponse(request, "admin/agreements/person_move.html", context)

    def move_view(self, request, person_id: int):
        """The move: the new organisation, the day and the title; afterwards the hand-over is offered."""
        if not request.user.has_perms(("stakeholders.change_person", "agreements.delete_representative")):
            raise PermissionDenied
        person = get_object_or_404(Person.objects.select_related("organization"), pk=person_id)
        form = MoveForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                summary = services.person_move(person=person, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return self._moved(request, person, form.cleaned_data["organization"], summary)
        return self._page(request, person, form, "move")

    def _moved(self, request, person, organization, summary):
        text = _("%(person)s now works at %(organization)s.") % {"person": person, "organization": organization}
        if summary.representations_ended:
            text += " " + ngettext(
                "%(count)d representation of another organisation ended.",
                "%(count)d representations of other organisations ended.",
                summary.representations_ended,
            ) % {"count": summary.representations_ended}
        messages.success(request, text)
        if not summary.roles_to_hand_over:
            return redirect("admin:stakeholders_person_change", person.pk)
        messages.warning(
            request,
            ngettext(
                "%(count)d role cannot be held from the new organisation: hand it over to a successor.",
                "%(count)d roles cannot be held from the new organisation: hand them over to a successor.",
                len(summary.roles_to_hand_over),
            )
            % {"count": len(summary.roles_to_hand_over)},
        )
        return redirect("admin:stakeholders_person_moved", person.pk)


class SuccessorForm(forms.Form):
    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"] = forms.ModelChoiceField(
            label=_("Successor"),
            queryset=Person.objects.active(),
            widget=AutocompleteSelect(FollowUp._meta.get_field("responsible"), admin_site),
        )


def _extend(model, inlines: tuple, mixin=None):
    """Register a subclass of ``model``'s current admin with ``inlines`` added (and a mixin's pages)."""
    base = type(admin.site._registry[model])
    bases = (mixin, base) if mixin is not None else (base,)
    extended = type(
        f"Dialogue{base.__name__}", bases, {"inlines": (*base.inlines, *inlines), "__module__": __name__}
    )
    admin.site.unregister(model)
    admin.site.register(model, extended)
    return extended


_extend(Organization, (OrganizationTimelineInline,))
_extend(Person, (EmploymentInline, PersonTimelineInline), PersonMoveMixin)
