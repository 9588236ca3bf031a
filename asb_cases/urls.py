from django.urls import path

from asb_cases import views

app_name = "asb_cases"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/mine/", views.case_list, {"mine": True}, name="my_cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/transfers/", views.transfer_inbox, name="transfer_inbox"),
    path("cases/transfers/<uuid:transfer_uuid>/", views.transfer_decide, name="transfer_decide"),
    path(
        "cases/transfers/<uuid:transfer_uuid>/withdraw/",
        views.case_transfer_withdraw,
        name="transfer_withdraw",
    ),
    path("cases/tasks/<uuid:task_uuid>/done/", views.case_task_complete, name="task_complete"),
    path("cases/<uuid:case_uuid>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:case_uuid>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:case_uuid>/status/", views.case_status_change, name="case_status"),
    path(
        "cases/<uuid:case_uuid>/closure-notice/",
        views.case_closure_notice,
        name="case_closure_notice",
    ),
    path("cases/<uuid:case_uuid>/notes/add/", views.case_note_add, name="case_note_add"),
    path("cases/<uuid:case_uuid>/actions/add/", views.case_action_add, name="case_action_add"),
    path(
        "cases/<uuid:case_uuid>/risk-before-application/add/",
        views.case_pre_application_risk_add,
        name="case_pre_application_risk_add",
    ),
    path(
        "cases/<uuid:case_uuid>/actions/<uuid:action_uuid>/breaches/add/",
        views.case_action_breach_add,
        name="case_action_breach_add",
    ),
    path("cases/<uuid:case_uuid>/tasks/add/", views.case_task_add, name="case_task_add"),
    path("cases/<uuid:case_uuid>/people/add/", views.case_person_add, name="case_person_add"),
    path(
        "cases/<uuid:case_uuid>/locations/add/", views.case_location_add, name="case_location_add"
    ),
    path(
        "cases/<uuid:case_uuid>/incidents/add/", views.case_incident_link, name="case_incident_link"
    ),
    path("cases/<uuid:case_uuid>/share/", views.case_share, name="case_share"),
    path(
        "cases/<uuid:case_uuid>/shares/<uuid:share_uuid>/revoke/",
        views.case_share_revoke,
        name="case_share_revoke",
    ),
    path("cases/<uuid:case_uuid>/transfer/", views.case_transfer, name="case_transfer"),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/",
        views.case_victim,
        name="case_victim",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/risk/",
        views.case_victim_risk,
        name="case_victim_risk",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/contacts/add/",
        views.case_victim_contact,
        name="case_victim_contact",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/referrals/add/",
        views.case_victim_refer,
        name="case_victim_refer",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/referrals/<uuid:referral_uuid>/",
        views.case_victim_referral,
        name="case_victim_referral",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/statements/add/",
        views.case_victim_statement,
        name="case_victim_statement",
    ),
    path(
        "cases/<uuid:case_uuid>/people/<uuid:person_uuid>/statements/<uuid:statement_uuid>/"
        "correct/",
        views.case_victim_statement_correct,
        name="case_victim_statement_correct",
    ),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<uuid:incident_uuid>/", views.incident_detail, name="incident_detail"),
]
