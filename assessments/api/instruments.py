"""REST endpoints for instruments (read-only, with sections, items, scale and bands) and assessment rounds
(list, start, move the closing date, delete an unanswered round).

Rounds are started through services.round_create and changed through services; the answer to a
write is the row read again through selectors.round_list(). Links, tokens and answers never
appear here; a round's results are at /api/v1/assessment-rounds/{id}/results/.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from agreements.models import Agreement
from assessments import selectors, services
from assessments.filters import AssessmentRoundFilterSet, InstrumentFilterSet
from assessments.models import AssessmentRound, Band, Instrument, InstrumentSection, Item
from samverkan_project.api.schema import VALIDATION_RESPONSE, DocumentedAutoSchema
from samverkan_project.api.serializers import IdRelatedField, PlausibleDateField, validation_detail
from stakeholders.models import Person

# --- instruments -----------------------------------------------------------------------------------------


class InstrumentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "position", "kind", "label_sv", "label_en", "text_sv", "text_en"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": _("scale: rated on the instrument's scale and counted; text: a free-text answer.")},
            "label_sv": {"help_text": _("Short name, e.g. the dimension; may be blank.")},
        }


class InstrumentSectionSerializer(serializers.ModelSerializer):
    items = InstrumentItemSerializer(many=True, read_only=True)

    class Meta:
        model = InstrumentSection
        fields = ["id", "position", "title_sv", "title_en", "description_sv", "description_en", "items"]
        read_only_fields = fields


class InstrumentBandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Band
        fields = ["id", "min_total", "max_total", "label_sv", "label_en", "advice_sv", "advice_en"]
        read_only_fields = fields


class InstrumentScaleSerializer(serializers.Serializer):
    min = serializers.IntegerField(source="scale_min", read_only=True)
    max = serializers.IntegerField(source="scale_max", read_only=True)
    min_label_sv = serializers.CharField(source="scale_min_label_sv", read_only=True)
    min_label_en = serializers.CharField(source="scale_min_label_en", read_only=True)
    max_label_sv = serializers.CharField(source="scale_max_label_sv", read_only=True)
    max_label_en = serializers.CharField(source="scale_max_label_en", read_only=True)


class InstrumentTotalsSerializer(serializers.Serializer):
    min = serializers.IntegerField(help_text=_("The lowest total: rated items × the scale's lowest value."))
    max = serializers.IntegerField(help_text=_("The highest total: rated items × the scale's highest value."))


class InstrumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language (Swedish if untranslated)."))
    scale = InstrumentScaleSerializer(source="*", read_only=True)
    totals = serializers.SerializerMethodField(help_text=_("The possible totals, which the bands divide."))
    sections = InstrumentSectionSerializer(many=True, read_only=True)
    bands = InstrumentBandSerializer(many=True, read_only=True, help_text=_("Lowest band first; may be empty."))

    class Meta:
        model = Instrument
        fields = [
            "id", "code", "version", "name", "name_sv", "name_en", "description_sv", "description_en",
            "scale", "totals", "is_active", "is_builtin", "pairwise", "created_at", "sections", "bands",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(InstrumentTotalsSerializer)
    def get_totals(self, instrument: Instrument) -> dict:
        # From the prefetched items: no query per instrument.
        scored = sum(1 for section in instrument.sections.all() for item in section.items.all() if item.is_scored)
        low, high = selectors.possible_totals(scored, instrument.scale_min, instrument.scale_max)
        return {"min": low, "max": high}


INSTRUMENT_EXAMPLE = {
    "id": 2,
    "code": "samverkansmodellen",
    "version": 1,
    "name": "Samverkansmodellen",
    "name_sv": "Samverkansmodellen",
    "name_en": "The collaboration model",
    "description_sv": "",
    "description_en": "",
    "scale": {
        "min": 0,
        "max": 10,
        "min_label_sv": "Inte alls",
        "min_label_en": "Not at all",
        "max_label_sv": "Helt",
        "max_label_en": "Completely",
    },
    "totals": {"min": 0, "max": 10},
    "is_active": True,
    "is_builtin": True,
    "pairwise": False,
    "created_at": "2026-01-01T00:00:00+01:00",
    "sections": [
        {
            "id": 3,
            "position": 1,
            "title_sv": "Samverkan",
            "title_en": "Collaboration",
            "description_sv": "",
            "description_en": "",
            "items": [
                {
                    "id": 11,
                    "position": 1,
                    "kind": "scale",
                    "label_sv": "Mål",
                    "label_en": "Goals",
                    "text_sv": "Vi har gemensamma mål.",
                    "text_en": "We share goals.",
                }
            ],
        }
    ],
    "bands": [],
}
INSTRUMENT_EXAMPLES = [OpenApiExample("Instrument", value=INSTRUMENT_EXAMPLE, response_only=True)]


@extend_schema_view(
    list=extend_schema(summary=_("List assessment instruments"), examples=INSTRUMENT_EXAMPLES),
    retrieve=extend_schema(summary=_("Read an assessment instrument"), examples=INSTRUMENT_EXAMPLES),
)
class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires with their sections, items (Swedish and English), scale and result bands.

    Versions share a `code`; a version with answers never changes, so past results keep their questions.
    Only versions with `is_active` are offered for new rounds.
    """

    schema = DocumentedAutoSchema()
    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilterSet
    ordering_fields = ["code", "version", "created_at"]
    ordering = ["code", "-version"]

    def get_queryset(self):
        return selectors.instrument_list()


# --- rounds ----------------------------------------------------------------------------------------------


class AssessmentRoundSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="assessmentround-detail")
    results_url = serializers.HyperlinkedIdentityField(
        view_name="assessmentround-results", help_text=_("The round's figures, trend and free text.")
    )
    agreement_title = serializers.CharField(source="agreement.title", read_only=True)
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    instrument_name = serializers.CharField(source="instrument.name", read_only=True)
    instrument_version = serializers.IntegerField(source="instrument.version", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None, allow_null=True)
    respondent_count = serializers.IntegerField(read_only=True, help_text=_("People asked."))
    invited_count = serializers.IntegerField(read_only=True, help_text=_("People whose invitation has been sent."))
    answered_count = serializers.IntegerField(read_only=True, help_text=_("People who have answered."))

    class Meta:
        model = AssessmentRound
        fields = [
            "id", "url", "results_url", "agreement", "agreement_title", "instrument", "instrument_code",
            "instrument_name", "instrument_version", "opens_on", "closes_on", "status", "opened_at",
            "closed_at", "created_automatically", "created_by", "created_at", "respondent_count",
            "invited_count", "answered_count",
        ]  # fmt: skip
        read_only_fields = fields


class AssessmentRoundInputSerializer(serializers.Serializer):
    agreement = IdRelatedField(
        queryset=Agreement.objects.all(), help_text=_("A draft or active agreement.")
    )
    instrument = IdRelatedField(
        queryset=Instrument.objects.all(), help_text=_("An instrument version offered for new rounds (is_active).")
    )
    opens_on = PlausibleDateField(help_text=_("Today or earlier opens the round at once and sends the invitations."))
    closes_on = PlausibleDateField(help_text=_("Not before opens_on, and not in the past."))
    persons = IdRelatedField(
        queryset=Person.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "The people to ask (ids). Leave out to ask the agreement's default respondents: its active "
            "representatives, role holders and coordinator with an e-mail address."
        ),
    )

    def validate_persons(self, persons):
        if not persons:
            raise serializers.ValidationError(_("Name at least one person, or leave persons out for the defaults."))
        return persons

    def create(self, validated_data):
        request = self.context.get("request")
        try:
            return services.round_create(
                agreement=validated_data["agreement"],
                instrument=validated_data["instrument"],
                opens_on=validated_data["opens_on"],
                closes_on=validated_data["closes_on"],
                persons=validated_data.get("persons"),
                user=getattr(request, "user", None),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(validation_detail(exc, AssessmentRound)) from exc


class AssessmentRoundUpdateSerializer(serializers.Serializer):
    closes_on = PlausibleDateField(help_text=_("A new closing date for a round that has not closed; not in the past."))

    def update(self, instance, validated_data):
        try:
            return services.round_closes_on_set(round_=instance, closes_on=validated_data["closes_on"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(validation_detail(exc, AssessmentRound)) from exc


ROUND_CONFLICT = OpenApiResponse(
    response=inline_serializer("AssessmentRoundConflict", fields={"detail": serializers.CharField()}),
    description=_("Somebody has answered the round: it is kept with its results (close it instead)."),
)

ROUND_EXAMPLE = {
    "id": 140,
    "url": "https://samverkan.example.se/api/v1/assessment-rounds/140/",
    "results_url": "https://samverkan.example.se/api/v1/assessment-rounds/140/results/",
    "agreement": 12,
    "agreement_title": "Unga till arbete eller studier",
    "instrument": 2,
    "instrument_code": "samverkansmodellen",
    "instrument_name": "Samverkansmodellen",
    "instrument_version": 1,
    "opens_on": "2026-03-02",
    "closes_on": "2026-03-23",
    "status": "open",
    "opened_at": "2026-03-02T06:00:02+01:00",
    "closed_at": None,
    "created_automatically": False,
    "created_by": "samordnare",
    "created_at": "2026-02-20T13:40:00+01:00",
    "respondent_count": 9,
    "invited_count": 9,
    "answered_count": 4,
}
ROUND_EXAMPLES = [OpenApiExample("Open round", value=ROUND_EXAMPLE, response_only=True)]

CREATE_EXAMPLES = [
    *ROUND_EXAMPLES,
    OpenApiExample(
        "Default respondents",
        value={"agreement": 12, "instrument": 2, "opens_on": "2026-03-02", "closes_on": "2026-03-23"},
        request_only=True,
    ),
    OpenApiExample(
        "Chosen respondents",
        value={
            "agreement": 12,
            "instrument": 2,
            "opens_on": "2026-03-02",
            "closes_on": "2026-03-23",
            "persons": [4, 9],
        },
        request_only=True,
    ),
    OpenApiExample(
        "Refused",
        value={
            "closes_on": ["A round cannot close before it opens."],
            "persons": ['Invalid pk "999" - object does not exist.'],
        },
        response_only=True,
        status_codes=["400"],
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List assessment rounds"),
        description=_("Rounds, newest opening first, with how many were asked and have answered."),
        examples=ROUND_EXAMPLES,
    ),
    retrieve=extend_schema(summary=_("Read an assessment round"), examples=ROUND_EXAMPLES),
    create=extend_schema(
        summary=_("Start an assessment round"),
        request=AssessmentRoundInputSerializer,
        responses={201: AssessmentRoundSerializer, 400: VALIDATION_RESPONSE},
        examples=CREATE_EXAMPLES,
        description=_(
            "Start a round. Without `persons` the agreement's default respondents are asked. A round opening "
            "today or earlier opens at once and its invitations are sent; otherwise it opens on its date."
        ),
    ),
    partial_update=extend_schema(
        summary=_("Move a round's closing date"),
        examples=[
            OpenApiExample("New closing date", value={"closes_on": "2026-03-30"}, request_only=True),
            *ROUND_EXAMPLES,
        ],
        request=AssessmentRoundUpdateSerializer,
        responses={200: AssessmentRoundSerializer, 400: VALIDATION_RESPONSE},
        description=_("Move the closing date of a round that has not closed (refused for a closed round)."),
    ),
    destroy=extend_schema(
        summary=_("Delete an unanswered round"),
        responses={204: None, 409: ROUND_CONFLICT},
        description=_("Delete a round nobody has answered, with its unused links."),
    ),
)
class AssessmentRoundViewSet(viewsets.ModelViewSet):
    """Assessment rounds: one agreement, one instrument version, the dates and who is asked.

    Respondents' links, tokens and answers are never shown here; the round's figures are at `results_url`.
    """

    schema = DocumentedAutoSchema()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = AssessmentRoundFilterSet
    ordering_fields = ["opens_on", "closes_on", "created_at", "status", "respondent_count", "answered_count"]
    ordering = ["-opens_on", "-id"]

    def get_queryset(self):
        return selectors.round_list()

    def filter_queryset(self, queryset):
        # Filters and ordering shape lists; the round to change is found by its id alone.
        if self.action in ("partial_update", "destroy"):
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "create":
            return AssessmentRoundInputSerializer
        if self.action == "partial_update":
            return AssessmentRoundUpdateSerializer
        return AssessmentRoundSerializer

    def represent(self, round_: AssessmentRound) -> dict:
        row = selectors.round_list().get(pk=round_.pk)
        return AssessmentRoundSerializer(row, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round_ = serializer.save()
        location = reverse("assessmentround-detail", args=[round_.pk], request=request)
        return Response(self.represent(round_), status=status.HTTP_201_CREATED, headers={"Location": location})

    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(self.represent(serializer.save()))

    def destroy(self, request, *args, **kwargs):
        try:
            services.round_delete(round_=self.get_object())
        except services.RoundHasAnswers as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)
