"""The round admin: starting a round (services.round_create), changing its respondents (services.respondents_set),
inviting and closing; the results page is mounted under it (admin/results.py)."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as KombuOperationalError

from agreements.models import Agreement
from assessments import selectors, services
from assessments.admin.results import results_urls
from assessments.choices import RoundStatus
from assessments.models import (
    AssessmentRound,
    Instrument,
    Respondent,
)
from samverkan_project.admin_tools import (
    IdAutocompleteSelect,
    IdAutocompleteSelectMultiple,
    IdChoiceField,
    IdMultipleChoiceField,
    LinkedObjectFilter,
    add_service_errors,
    selected_id,
)
from stakeholders.models import Person

TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class RoundAgreementFilter(LinkedObjectFilter):
    """One agreement's rounds, from a link (``?agreement__id__exact=<id>``); the search box finds the rest."""

    title = _("agreement")
    parameter_name = "agreement__id__exact"
    model = Agreement
    lookup = "agreement_id"


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
        self.fields["opens_on"] = forms.DateField(
            label=_("opens"),
            widget=AdminDateWidget,
            help_text=_(
                "A round that opens today or earlier opens when you save it, and its invitations are e-mailed at "
                "once (you are asked to confirm first)."
            ),
        )
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
        problem = services.closes_on_problem(self.instance, closes_on)
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

    def get_fields(self, request, obj=None):
        # When each person answered (or was reminded, i.e. had not yet) is for those who may view answers:
        # with it a reader could tell one person's answers apart from two views of the results.
        if request.user.has_perm("assessments.view_answer"):
            return self.fields
        return ("person", "language", "last_error")

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
        return selectors.round_list()

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
        if obj is not None and services.round_has_answers(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.round_delete(round_=obj)

    def delete_queryset(self, request, queryset):
        for round_ in queryset:
            try:
                services.round_delete(round_=round_)
            except ValidationError as exc:
                self.message_user(request, f"{round_}: {' '.join(exc.messages)}", messages.ERROR)

    def save_model(self, request, obj, form, change):
        if "closes_on" in form.changed_data:
            services.round_closes_on_set(round_=obj, closes_on=form.cleaned_data["closes_on"])

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
                invited = list(values["persons"]) or services.default_respondents(values["agreement"])
                acceptable = invited and not services.round_create_errors(
                    agreement=values["agreement"],
                    instrument=values["instrument"],
                    opens_on=values["opens_on"],
                    closes_on=values["closes_on"],
                    today=today,
                )
                if acceptable and values["opens_on"] <= today and "_send_confirmed" not in request.POST:
                    # Saving would e-mail the invitations at once: say so, and save only when confirmed.
                    extra_context = {**(extra_context or {}), "confirm_invitations": len(invited)}
                    return self.render_add_form(request, form, form_url, extra_context)
                try:
                    round_ = services.round_create(
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
                "instrument": services.due_instrument(None, None),
            }
            agreement = Agreement.objects.filter(pk=selected_id(request.GET.get("agreement"))).first()
            if agreement is not None:
                initial["agreement"] = agreement
                initial["persons"] = [person.pk for person in services.default_respondents(agreement)]
            form = RoundAddForm(initial=initial, admin_site=self.admin_site)
        return self.render_add_form(request, form, form_url, extra_context)

    def prefilled_form(self, request) -> RoundAddForm:
        """The form as posted, with the respondents replaced by the agreement's defaults (nothing saved)."""
        posted = RoundAddForm(request.POST, admin_site=self.admin_site)
        posted.is_valid()
        agreement = posted.cleaned_data.get("agreement")
        if agreement is None:
            return posted  # bound: the page says the agreement is missing
        defaults = [person.pk for person in services.default_respondents(agreement)]
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
        """Change who is asked, through services.respondents_set."""
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
                added, removed = services.respondents_set(round_, list(form.cleaned_data["persons"]))
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
            if form.is_bound:
                form.add_error(None, _("The round is closed."))
            else:  # an unbound form holds no errors (add_error would fail): say it above the form
                self.message_user(request, _("The round is closed."), messages.WARNING)
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

    def round_action_view(self, request, round_id: int, act, confirmation):
        """GET: a page saying what the action will do; POST (from that page, CSRF-protected): do it."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        round_ = self.round_or_404(round_id)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        if request.method == "POST":
            act(request, [round_])
            return HttpResponseRedirect(self.url("change", round_))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "round": round_,
            "change_url": self.url("change", round_),
            **confirmation(round_),
        }
        return TemplateResponse(request, "admin/assessments/assessmentround/confirm_action.html", context)

    def send_invitations_view(self, request, round_id: int):
        return self.round_action_view(request, round_id, self.invite, self.invite_confirmation)

    def close_view(self, request, round_id: int):
        return self.round_action_view(request, round_id, self.close, self.close_confirmation)

    def invite_confirmation(self, round_: AssessmentRound) -> dict:
        owed = list(
            round_.respondents.filter(invited_at__isnull=True)
            .select_related("person")
            .order_by("person__last_name", "person__first_name", "pk")
        )
        possible = round_.status == RoundStatus.OPEN and bool(owed)
        if round_.status != RoundStatus.OPEN:
            summary = _("The round is not open, so no invitations can be sent now.")
        elif not owed:
            summary = _("Everybody in this round has been invited already; nothing would be sent.")
        else:
            summary = ngettext(
                "%(count)d invitation will be e-mailed now, with a personal answer link, to:",
                "%(count)d invitations will be e-mailed now, each with a personal answer link, to:",
                len(owed),
            ) % {"count": len(owed)}
        return {
            "title": _("Send the invitations of %(round)s?") % {"round": round_},
            "summary": summary,
            "people": [respondent.person for respondent in owed if respondent.person_id] if possible else [],
            "possible": possible,
            "confirm_label": _("Yes, send the invitations"),
            "action_id": "confirm-send-invitations",
        }

    def close_confirmation(self, round_: AssessmentRound) -> dict:
        counts = round_.respondents.aggregate(
            asked=models.Count("pk"), answered=models.Count("pk", filter=models.Q(responded_at__isnull=False))
        )
        unanswered = counts["asked"] - counts["answered"]
        possible = round_.status != RoundStatus.CLOSED
        summary = (
            _(
                "Closing the round ends it now, before its closing date %(date)s. %(answered)d of %(asked)d "
                "have answered; the links of the %(unanswered)d who have not stop working and nobody can "
                "change their answers any more. This cannot be undone."
            )
            % {
                "date": date_format(round_.closes_on, "j F Y"),
                "answered": counts["answered"],
                "asked": counts["asked"],
                "unanswered": unanswered,
            }
            if possible
            else _("The round is closed already.")
        )
        return {
            "title": _("Close %(round)s now?") % {"round": round_},
            "summary": summary,
            "people": [],
            "possible": possible,
            "confirm_label": _("Yes, close the round now"),
            "action_id": "confirm-close-round",
        }

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
                services.round_close(round_)
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
        """Ask first (listing, per round, who would be e-mailed), then send."""
        rounds_ = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            listed = []
            for round_ in rounds_:
                confirmation = self.invite_confirmation(round_)
                people = ", ".join(str(person) for person in confirmation["people"])
                listed.append((round_, f"{confirmation['summary']} {people}".strip()))
            return self.rounds_confirmation(
                request,
                title=_("Send the invitations of the selected rounds now?"),
                rounds=listed,
                action="send_invitations",
                confirm_label=_("Yes, send the invitations"),
                confirm_id="confirm-send-invitations",
            )
        self.invite(request, rounds_)

    def rounds_confirmation(self, request, *, title, rounds, action, confirm_label, confirm_id):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "rounds": rounds,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirm_label": confirm_label,
            "confirm_id": confirm_id,
        }
        return TemplateResponse(request, "admin/assessments/assessmentround/close_rounds_confirmation.html", context)

    @admin.action(description=_("Close the selected rounds now"), permissions=["change"])
    def close_rounds(self, request, queryset):
        """Ask first (listing the rounds and who has answered), then close them."""
        rounds_ = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            return self.rounds_confirmation(
                request,
                title=_("Close assessment rounds now?"),
                rounds=[(round_, self.close_confirmation(round_)["summary"]) for round_ in rounds_],
                action="close_rounds",
                confirm_label=_("Yes, close the round now"),
                confirm_id="confirm-close-rounds",
            )
        self.close(request, rounds_)


