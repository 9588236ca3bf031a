from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("dashboards/", views.index, name="index"),
    path("dashboards/ownership/", views.dashboard, {"name": "ownership"}, name="ownership"),
    path("dashboards/victims/", views.dashboard, {"name": "victims"}, name="victims"),
    path(
        "dashboards/case-reviews/", views.dashboard, {"name": "case-reviews"}, name="case_reviews"
    ),
    path("dashboards/hotspots/", views.dashboard, {"name": "hotspots"}, name="hotspots"),
    path("dashboards/households/", views.dashboard, {"name": "households"}, name="households"),
    path("dashboards/costs/", views.dashboard, {"name": "costs"}, name="costs"),
    path("dashboards/trends/", views.dashboard, {"name": "trends"}, name="trends"),
    path("dashboards/<slug:name>/<slug:table>.csv", views.export, name="export"),
    path("open-data/", views.open_data, name="open_data"),
    path(
        "open-data/imports/<uuid:import_uuid>/",
        views.open_data_import,
        name="open_data_import",
    ),
    path(
        "open-data/imports/<uuid:import_uuid>/progress.json",
        views.open_data_progress,
        name="open_data_progress",
    ),
]
