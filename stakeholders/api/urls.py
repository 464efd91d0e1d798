from rest_framework.routers import DefaultRouter

from stakeholders.api.views import EmploymentViewSet, OrganizationViewSet, PersonViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("persons", PersonViewSet, basename="person")
router.register("employments", EmploymentViewSet, basename="employment")

urlpatterns = router.urls
