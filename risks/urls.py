from django.urls import path

from risks.calendar_views import calendar_feed, calendar_page

urlpatterns = [
    path("calendar/", calendar_page, name="calendar-page"),
    path("calendar/<str:secret>.ics", calendar_feed, name="calendar-feed"),
]
