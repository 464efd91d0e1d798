from django.contrib import admin  # noqa: F401  (filled in by the admin work)
