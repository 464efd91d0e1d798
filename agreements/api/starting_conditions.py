"""``GET``/``PUT /api/v1/agreements/{id}/starting-conditions/``: the agreement's starting conditions, at
their own endpoint (the agreement's representation stays as it is)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from agreements.choices import PITFALL_QUESTIONS, ConditionLevel, PitfallAnswer
from agreements.models import Agreement
from agreements.starting_conditions import (
    SCALAR_FIELDS,
    StartingConditionsView,
    starting_conditions_of,
    starting_conditions_update,
)
from samverkan_project.api.permissions import requires
from samverkan_project.api.schema import VALIDATION_RESPONSE, DocumentedAutoSchema
from samverkan_project.api.serializers import validation_detail
from samverkan_project.fields import NOTE_MAX_LENGTH
from samverkan_project.validators import ID_MAX


def note_field(**kwargs):
    return serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, **kwargs)


def level_field(help_text):
    return serializers.ChoiceField(
        choices=ConditionLevel.choices, allow_blank=True, required=False, help_text=help_text
    )


class PitfallSerializer(serializers.Serializer):
    question = serializers.ChoiceField(choices=list(PITFALL_QUESTIONS), help_text=_("The question's code."))
    text = serializers.CharField(read_only=True, help_text=_("The question, in the request's language."))
    answer = serializers.ChoiceField(
        choices=PitfallAnswer.choices, allow_blank=True, required=False, help_text=_("Blank: not answered yet.")
    )
    note = note_field()


class PartyConditionsSerializer(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text=_("A party of this agreement."))
    organization = serializers.IntegerField(read_only=True)
    organization_name = serializers.CharField(read_only=True)
    sector = serializers.CharField(read_only=True)
    incentives = note_field(help_text=_("What the party gains from taking part in this agreement."))
    constraints = note_field(help_text=_("What limits the party here."))


class StartingConditionsSerializer(serializers.Serializer):
    agreement = serializers.IntegerField(read_only=True)
    power_asymmetry = level_field(_("Asymmetry in power between the parties; blank: not assessed."))
    power_asymmetry_note = note_field()
    resource_asymmetry = level_field(_("Asymmetry in resources; blank: not assessed."))
    resource_asymmetry_note = note_field()
    knowledge_asymmetry = level_field(_("Asymmetry in knowledge; blank: not assessed."))
    knowledge_asymmetry_note = note_field()
    prior_trust = level_field(_("Trust between the parties at the start; blank: not assessed."))
    prior_trust_note = note_field()
    conflict_history = note_field(help_text=_("Earlier conflicts or cooperation between the parties."))
    parties = PartyConditionsSerializer(many=True, required=False)
    pitfalls = PitfallSerializer(
        many=True, required=False, help_text=_('The six questions of "Fällor och fallgropar" (001).')
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate_pitfalls(self, rows):
        codes = [row["question"] for row in rows]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Each question is answered at most once."))
        return rows

    def validate_parties(self, rows):
        ids = [row["party"] for row in rows]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each party is given at most once."))
        return rows


def represent(view: StartingConditionsView) -> dict:
    conditions = view.conditions
    data = {field: getattr(conditions, field) for field in SCALAR_FIELDS}
    data.update(
        agreement=view.agreement.pk,
        parties=[
            {
                "party": row.party.pk,
                "organization": row.party.organization_id,
                "organization_name": row.party.organization.name,
                "sector": row.party.organization.sector,
                "incentives": row.incentives,
                "constraints": row.constraints,
            }
            for row in view.parties
        ],
        pitfalls=view.pitfalls,
        updated_at=conditions.updated_at if conditions.pk else None,
    )
    return StartingConditionsSerializer(data).data


EXAMPLE = {
    "agreement": 12,
    "power_asymmetry": "high",
    "power_asymmetry_note": "The region finances most of the work.",
    "resource_asymmetry": "medium",
    "resource_asymmetry_note": "",
    "knowledge_asymmetry": "low",
    "knowledge_asymmetry_note": "",
    "prior_trust": "medium",
    "prior_trust_note": "Worked together on the 2024 youth project.",
    "conflict_history": "",
    "parties": [
        {
            "party": 40,
            "organization": 7,
            "organization_name": "Malmö stad",
            "sector": "municipality",
            "incentives": "Fewer young people outside work and studies.",
            "constraints": "Decisions go through the committee every other month.",
        }
    ],
    "pitfalls": [
        {
            "question": "is_collaboration",
            "text": "Is it really collaboration this is about?",
            "answer": "yes",
            "note": "",
        }
    ],
    "updated_at": "2026-03-02T10:15:00+01:00",
}


class StartingConditionsEndpoint(generics.GenericAPIView):
    """An agreement's starting conditions: asymmetries, trust, the parties' incentives and constraints, and the
    pitfall questions. Reading needs the right to view agreements, writing the right to change them."""

    schema = DocumentedAutoSchema()
    schema_tags = ["agreements"]
    serializer_class = StartingConditionsSerializer
    filter_backends = []
    pagination_class = None

    def get_permissions(self):
        reading = self.request.method in ("GET", "HEAD", "OPTIONS")
        return [requires("agreements.view_agreement" if reading else "agreements.change_agreement")()]

    queryset = Agreement.objects.all()

    def get_object(self) -> Agreement:
        # Also what OPTIONS asks for (the metadata of PUT), so it gets a 404 too, not a server error.
        return self.get_agreement()

    def get_agreement(self) -> Agreement:
        pk = self.kwargs["pk"]
        agreement = Agreement.objects.filter(pk=pk).first() if 1 <= pk <= ID_MAX else None
        if agreement is None:
            raise Http404
        return agreement

    @extend_schema(
        responses={200: StartingConditionsSerializer},
        summary=_("An agreement's starting conditions"),
        examples=[OpenApiExample("Starting conditions", value=EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(represent(starting_conditions_of(self.get_agreement())))

    @extend_schema(
        request=StartingConditionsSerializer,
        responses={200: StartingConditionsSerializer, 400: VALIDATION_RESPONSE},
        summary=_("Record an agreement's starting conditions"),
        description=_(
            "Fields left out keep their value; a pitfall or party row changes only that question or party. "
            "The answer is the starting conditions as read."
        ),
        examples=[
            OpenApiExample(
                "Record",
                value={
                    "power_asymmetry": "high",
                    "pitfalls": [{"question": "mandate", "answer": "unclear", "note": "Ask the board."}],
                    "parties": [{"party": 40, "incentives": "Fewer young people outside work and studies."}],
                },
                request_only=True,
            )
        ],
    )
    def put(self, request, pk: int):
        agreement = self.get_agreement()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pitfalls = data.pop("pitfalls", None)
        parties = data.pop("parties", None)
        try:
            view = starting_conditions_update(agreement=agreement, values=data, pitfalls=pitfalls, parties=parties)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(validation_detail(exc)) from exc
        return Response(represent(view))
