"""Individual answers, read-only, for those allowed to view them (``view_answer``: coordinators)."""


from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Answer,
    AssessmentRound,
    localized,
)
from samverkan_project.admin_tools import (
    LinkedObjectFilter,
)


class AnswerRoundFilter(LinkedObjectFilter):
    """One round's answers, from the link on the round's page."""

    title = _("round")
    parameter_name = "round"
    model = AssessmentRound
    lookup = "respondent__round_id"
    related = ("agreement", "instrument")


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
