from rest_framework.routers import DefaultRouter

from risks.api.views import RiskFlagViewSet, RiskScanViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("risks", RiskFlagViewSet, basename="riskflag")
router.register("risk-scans", RiskScanViewSet, basename="riskscan")

urlpatterns = router.urls
