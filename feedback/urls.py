from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("feedback/thanks/", views.thanks, name="thanks"),
    path("feedback/dashboard/", views.dashboard, name="dashboard"),
    path("feedback/<str:token>/", views.survey, name="survey"),
]
