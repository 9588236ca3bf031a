from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("case-review/pcc-review/", views.pcc_review_public, name="pcc_review_public"),
    path("case-review/published-figures/", views.figures_page, name="figures"),
    # Stable open-data addresses.
    path("open-data/asb-case-review-figures.csv", views.figures_csv, name="figures_csv"),
    path("open-data/asb-case-review-figures.json", views.figures_json, name="figures_json"),
    path(
        "case-reviews/<uuid:application_uuid>/pcc-review/",
        views.pcc_review_request_for_victim,
        name="pcc_review_request",
    ),
    path("tenant-satisfaction/", views.tsm, name="tsm"),
    path("tenant-satisfaction/tsm.csv", views.tsm_csv, name="tsm_csv"),
    path("pcc-reviews/", views.pcc_review_queue, name="pcc_review_queue"),
    path("pcc-reviews/<uuid:review_uuid>/", views.pcc_review_decide, name="pcc_review_decide"),
]
