from django.urls import path
from rest_framework.routers import DefaultRouter

from agreements.api.network import NetworkView
from agreements.api.starting_conditions import StartingConditionsEndpoint
from agreements.api.views import (
    AgreementViewSet,
    AnchoringViewSet,
    CommitmentViewSet,
    FollowUpViewSet,
    InteractionViewSet,
    PartyViewSet,
    PersonHandOverView,
    PersonMovedHandOverView,
    PersonMoveView,
    RepresentativeViewSet,
    ResponsibilityViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("parties", PartyViewSet, basename="party")
router.register("representatives", RepresentativeViewSet, basename="representative")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")
router.register("anchorings", AnchoringViewSet, basename="anchoring")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")

urlpatterns = [
    # Lives beside /persons/ (stakeholders) but is an agreements operation: it moves roles.
    path("persons/<int:pk>/hand-over/", PersonHandOverView.as_view(), name="person-hand-over"),
    path("persons/<int:pk>/move/", PersonMoveView.as_view(), name="person-move"),
    path("persons/<int:pk>/move/hand-over/", PersonMovedHandOverView.as_view(), name="person-moved-hand-over"),
    path(
        "agreements/<int:pk>/starting-conditions/",
        StartingConditionsEndpoint.as_view(),
        name="agreement-starting-conditions",
    ),
    path("network/", NetworkView.as_view(), name="network"),
    *router.urls,
]
