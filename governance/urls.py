from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("organisation/retention/", views.retention, name="retention"),
    path("organisation/retention/decide/", views.retention_decide, name="retention_decide"),
    path("organisation/retention/holds/add/", views.hold_place, name="hold_place"),
    path(
        "organisation/retention/holds/<int:hold_id>/release/",
        views.hold_release,
        name="hold_release",
    ),
    path("organisation/subject-access/", views.subject_access, name="subject_access"),
    path(
        "organisation/subject-access/<uuid:person_uuid>/",
        views.subject_access_bundle,
        name="subject_access_bundle",
    ),
    path(
        "organisation/subject-access/<uuid:person_uuid>/bundle.json",
        views.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "organisation/subject-access/<uuid:person_uuid>/bundle.pdf",
        views.subject_access_pdf,
        name="subject_access_pdf",
    ),
    path("organisation/who-viewed/", views.who_viewed, name="who_viewed"),
    path(
        "organisation/who-viewed/people/<uuid:person_uuid>/",
        views.who_viewed_person,
        name="who_viewed_person",
    ),
    path(
        "organisation/who-viewed/cases/<uuid:case_uuid>/",
        views.who_viewed_case,
        name="who_viewed_case",
    ),
    path("partnership/sharing-rules/", views.sharing_rules, name="sharing_rules"),
    path(
        "partnership/sharing-rules/<int:rule_id>/retire/",
        views.sharing_rule_retire,
        name="sharing_rule_retire",
    ),
]
