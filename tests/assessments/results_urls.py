"""The project's URLs with the round results page mounted where the round admin puts it, so the page can be
tested on its own (the round admin includes ``results_urls`` in its ``get_urls``)."""

from django.contrib import admin
from django.urls import include, path

from assessments.admin.results import results_urls
from samverkan_project.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("admin/assessments/assessmentround/", include(results_urls(admin.site))), *project_urlpatterns]
