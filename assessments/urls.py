from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("a/<str:token>/", views.answer, name="answer"),
    path("a/<str:token>/thanks/", views.thanks, name="answer-thanks"),
]
