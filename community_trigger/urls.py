from django.urls import path
from django.views.generic import RedirectView

from community_trigger import views

app_name = "community_trigger"

urlpatterns = [
    # The public (no sign-in).
    path("case-review/", views.guidance, name="guidance"),
    path("case-review/apply/", views.apply, name="apply"),
    path("case-review/apply/done/", views.apply_done, name="apply_done"),
    path("case-review/apply/check/", views.apply_check, name="apply_check"),
    path("case-review/apply/save/", views.apply_save, name="apply_save"),
    path("case-review/apply/saved/", views.apply_saved, name="apply_saved"),
    path("case-review/apply/resume/<str:token>/", views.apply_resume, name="apply_resume"),
    path("case-review/apply/<slug:step>/", views.apply_step, name="apply_step"),
    path("case-review/status/", views.status, name="status"),
    path("case-review/statement/", views.statement, name="statement"),
    path("case-review/appeal/", views.appeal, name="appeal"),
    # The first published-figures page and its CSV, kept as addresses: the figures now live
    # with the PCC reviews and the open data (oversight), counted once.
    path(
        "case-review/figures/",
        RedirectView.as_view(pattern_name="oversight:figures", permanent=True),
        name="figures",
    ),
    path(
        "case-review/figures.csv",
        RedirectView.as_view(pattern_name="oversight:figures_csv", permanent=True),
        name="figures_csv",
    ),
    # The partnership.
    path("case-reviews/", views.pipeline, name="pipeline"),
    path("case-reviews/new/", views.staff_apply, name="staff_apply"),
    path("case-reviews/alerts/", views.alerts, name="alerts"),
    path("case-reviews/dashboard/", views.dashboard, name="dashboard"),
    path("case-reviews/explain/<uuid:explanation_uuid>/", views.explain, name="explain"),
    path(
        "case-reviews/alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("case-reviews/recommendations/", views.recommendations, name="recommendations"),
    path(
        "case-reviews/recommendations/<uuid:recommendation_uuid>/",
        views.recommendation_update,
        name="recommendation_update",
    ),
    path("case-reviews/policies/", views.policies, name="policies"),
    path("case-reviews/policies/<str:area_code>/new/", views.policy_new, name="policy_new"),
    path(
        "case-reviews/<uuid:application_uuid>/", views.application_detail, name="application_detail"
    ),
    path("case-reviews/<uuid:application_uuid>/verify/", views.verify, name="verify"),
    path("case-reviews/<uuid:application_uuid>/decide/", views.decide, name="decide"),
    path(
        "case-reviews/<uuid:application_uuid>/confirm-match/",
        views.confirm_match,
        name="confirm_match",
    ),
    path("case-reviews/<uuid:application_uuid>/tell/", views.tell_applicant, name="tell"),
    path("case-reviews/<uuid:application_uuid>/contact/", views.contact, name="contact"),
    path(
        "case-reviews/<uuid:application_uuid>/closure-notice/",
        views.closure_notice,
        name="closure_notice",
    ),
    path(
        "case-reviews/<uuid:application_uuid>/meetings/new/", views.meeting_new, name="meeting_new"
    ),
    path(
        "case-reviews/<uuid:application_uuid>/meetings/<uuid:meeting_uuid>/minutes/",
        views.meeting_minutes,
        name="meeting_minutes",
    ),
    path(
        "case-reviews/<uuid:application_uuid>/recommendations/add/",
        views.recommendation_add,
        name="recommendation_add",
    ),
    path("case-reviews/<uuid:application_uuid>/consult/", views.consult, name="consult"),
    path("case-reviews/<uuid:application_uuid>/outcome/", views.outcome_send, name="outcome"),
    path("case-reviews/<uuid:application_uuid>/letter/", views.letter, name="letter"),
    path("case-reviews/<uuid:application_uuid>/agenda/", views.agenda, name="agenda"),
    path(
        "case-reviews/<uuid:application_uuid>/appeals/<uuid:appeal_uuid>/",
        views.appeal_decide,
        name="appeal_decide",
    ),
]
