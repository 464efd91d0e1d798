"""GET /api/v1/assessment-rounds/{id}/results/: a round's figures, trend and (for coordinators) answers."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import results
from assessments.models import AssessmentRound
from samverkan_project.api.permissions import requires
from samverkan_project.api.schema import DocumentedAutoSchema, ErrorSerializer, ValidationErrorSerializer

INCLUDE_ANSWERS = "answers"


class _Stats(serializers.Serializer):
    n = serializers.IntegerField(help_text=_("Respondents counted."))
    withheld = serializers.BooleanField(
        help_text=_("True when fewer than min_group answered: the figures are then null (readers' view).")
    )
    mean = serializers.FloatField(allow_null=True, help_text=_("Two decimals; null without answers."))
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    sd = serializers.FloatField(
        allow_null=True, help_text=_("Spread: the population standard deviation of the answers, two decimals.")
    )


class DistributionSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    count = serializers.IntegerField()


class ItemResultSerializer(_Stats):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    section = serializers.IntegerField(allow_null=True, help_text=_("The section's position."))
    label = serializers.CharField(help_text=_("Short name, e.g. the dimension; may be blank."))
    text = serializers.CharField()
    distribution = DistributionSerializer(
        many=True, help_text=_("How many gave each value of the scale; empty when withheld.")
    )
    change = serializers.FloatField(allow_null=True, help_text=_("Mean minus the previous round's mean."))


class SectionResultSerializer(_Stats):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    items = serializers.IntegerField(help_text=_("Scored items in the section."))
    minimum = serializers.IntegerField(help_text=_("Lowest possible sum."))
    maximum = serializers.IntegerField(help_text=_("Highest possible sum: items × the scale's top value."))
    change = serializers.FloatField(allow_null=True)


class BandSerializer(serializers.Serializer):
    min_total = serializers.IntegerField()
    max_total = serializers.IntegerField()
    label = serializers.CharField()
    advice = serializers.CharField()


class TotalResultSerializer(_Stats):
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField()
    rounded = serializers.IntegerField(
        allow_null=True, help_text=_("The mean total rounded to a whole number, halves up; read against the bands.")
    )
    band = BandSerializer(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class RoundSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement = serializers.IntegerField()
    agreement_title = serializers.CharField()
    instrument = serializers.IntegerField()
    instrument_code = serializers.CharField()
    instrument_name = serializers.CharField()
    instrument_version = serializers.IntegerField()
    status = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()


class ScaleSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    min_label = serializers.CharField()
    max_label = serializers.CharField()


class FreeTextSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()
    answers = serializers.ListField(child=serializers.CharField(), help_text=_("Without names, in text order."))


class PreviousRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    instrument_version = serializers.IntegerField()
    answered = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_('"total", or an item position.'))
    label = serializers.CharField()


class HistoryRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    status = serializers.CharField()
    instrument_version = serializers.IntegerField()
    answered = serializers.IntegerField()
    current = serializers.BooleanField()
    values = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text=_("Mean per series key."))


class HistorySerializer(serializers.Serializer):
    summed = serializers.BooleanField(help_text=_("True: one series, the total; false: one per dimension."))
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField()
    series = SeriesSerializer(many=True)
    rounds = HistoryRoundSerializer(many=True)


class IndividualAnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    position = serializers.IntegerField()
    label = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)


class RespondentAnswersSerializer(serializers.Serializer):
    respondent = serializers.IntegerField()
    person = serializers.IntegerField(
        allow_null=True, help_text=_("Null once retention or a deletion unlinked the person; the name then says so.")
    )
    name = serializers.CharField()
    responded_at = serializers.DateTimeField()
    answers = IndividualAnswerSerializer(many=True)


class RoundResultsSerializer(serializers.Serializer):
    min_group = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "For users who may not view answers: figures of fewer answers than this are withheld "
            "(ASSESSMENT_MIN_GROUP); null in the full view."
        ),
    )
    round = RoundSummarySerializer()
    scale = ScaleSerializer()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text=_("Answered / invited, 0–1."))
    items = ItemResultSerializer(many=True, help_text=_("Scored items (dimensions) in order."))
    sections = SectionResultSerializer(many=True, help_text=_("Section sums; only for instruments with bands."))
    total = TotalResultSerializer(allow_null=True, help_text=_("Only for instruments with bands."))
    bands = BandSerializer(many=True)
    free_text = FreeTextSerializer(many=True)
    previous = PreviousRoundSerializer(
        allow_null=True, help_text=_("The latest earlier closed round of the agreement with the same instrument.")
    )
    history = HistorySerializer()
    answers = RespondentAnswersSerializer(
        many=True, required=False, help_text=_("Only with ?include=answers, for users who may view answers.")
    )


class IncludeSerializer(serializers.Serializer):
    include = serializers.ChoiceField(choices=[INCLUDE_ANSWERS], required=False)


class RoundResultsView(APIView):
    """A round's results: response rate, figures per item and section, total and band, trend, free text."""

    schema = DocumentedAutoSchema()
    schema_tags = ["assessment-rounds"]
    permission_classes = [requires("assessments.view_assessmentround")]

    @extend_schema(
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The round.")),
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                enum=[INCLUDE_ANSWERS],
                description=_("answers: add each respondent's answers and name (needs assessments.view_answer)."),
            ),
        ],
        responses={
            200: RoundResultsSerializer,
            400: OpenApiResponse(
                response=ValidationErrorSerializer,
                description=_("Unknown include value."),
            ),
            403: OpenApiResponse(
                response=ErrorSerializer,
                description=_(
                    "No permission to view rounds, or to view answers; or a round that has not closed, for a user "
                    "who may not view answers."
                ),
            ),
            404: OpenApiResponse(response=ErrorSerializer, description=_("No such round.")),
        },
        summary=_("Read a round's results"),
        description=_(
            "Per scored item n, mean, min, max, spread (population standard deviation) and the distribution; "
            "section sums and the total with its band for instruments with bands; the change against the "
            "previous closed round of the same instrument (matched by item position); the totals or means of "
            "every closed round for a trend; free-text answers without names. Individual answers never "
            "appear unless asked for with include=answers by a user allowed to view answers. Users who may "
            "not view answers see closed rounds only, and no figure of fewer than min_group answers."
        ),
    )
    def get(self, request, pk: int):
        query = IncludeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        with_answers = query.validated_data.get("include") == INCLUDE_ANSWERS
        if with_answers and not request.user.has_perm("assessments.view_answer"):
            raise PermissionDenied(_("You may not view individual answers."))
        try:
            round_ = results.round_for_results(pk)
        except AssessmentRound.DoesNotExist:
            raise Http404 from None
        min_group = results.min_group_for(request.user)
        reason = results.withheld_reason(round_, min_group=min_group)
        if reason:
            raise PermissionDenied(reason)
        data = results.round_results(round_, min_group=min_group)
        data["history"] = results.round_history(
            round_.agreement_id, round_.instrument.code, current=round_, min_group=min_group
        )
        if with_answers:
            data["answers"] = results.individual_answers(round_)
        return Response(RoundResultsSerializer(data).data)
