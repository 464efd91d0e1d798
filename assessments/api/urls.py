from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api.instruments import AssessmentRoundViewSet, InstrumentViewSet
from assessments.api.results import RoundResultsView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("assessment-rounds", AssessmentRoundViewSet, basename="assessmentround")

urlpatterns = [
    *router.urls,
    path("assessment-rounds/<int:pk>/results/", RoundResultsView.as_view(), name="assessmentround-results"),
]
