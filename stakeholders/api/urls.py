from rest_framework.routers import DefaultRouter

from stakeholders.api.views import OrganizationViewSet, PersonViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("persons", PersonViewSet, basename="person")

urlpatterns = router.urls
