from django.contrib.auth import views as auth_views
from django.urls import path

from partners import sso, views

app_name = "partners"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/two-factor/", views.two_factor_verify, name="two_factor"),
    path("sign-in/sso/callback/", sso.SSOCallbackView.as_view(), name="sso_callback"),
    path("sign-in/sso/<slug:slug>/", sso.SSOStartView.as_view(), name="sso_start"),
    path("sign-in/two-factor/set-up/", views.two_factor_set_up, name="two_factor_set_up"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("invitation/done/", views.invitation_done, name="invitation_done"),
    path("organisation/", views.organisation_detail, name="organisation"),
    path("organisation/users/", views.member_list, name="member_list"),
    path("organisation/users/add/", views.member_invite, name="member_invite"),
    path("organisation/users/<uuid:membership_id>/", views.member_detail, name="member_detail"),
    path(
        "organisation/users/<uuid:membership_id>/deactivate/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "organisation/users/<uuid:membership_id>/reactivate/",
        views.member_reactivate,
        name="member_reactivate",
    ),
    path(
        "organisation/users/<uuid:membership_id>/unlock/",
        views.member_unlock,
        name="member_unlock",
    ),
    path(
        "organisation/users/<uuid:membership_id>/reset-two-factor/",
        views.member_second_factor_reset,
        name="member_second_factor_reset",
    ),
    path(
        "organisation/users/<uuid:membership_id>/resend-invitation/",
        views.member_resend_invitation,
        name="member_resend_invitation",
    ),
    path("organisation/sign-in/", views.identity_provider, name="identity_provider"),
    path(
        "partnership/organisations/",
        views.partnership_organisations,
        name="partnership_organisations",
    ),
    path(
        "partnership/organisations/add/",
        views.partnership_organisation_add,
        name="partnership_organisation_add",
    ),
    path(
        "partnership/organisations/<slug:slug>/suspend/",
        views.partnership_organisation_suspend,
        name="partnership_organisation_suspend",
    ),
    path(
        "partnership/organisations/<slug:slug>/reinstate/",
        views.partnership_organisation_reinstate,
        name="partnership_organisation_reinstate",
    ),
    path(
        "partnership/organisations/<slug:slug>/sign-in/",
        views.partnership_identity_provider,
        name="partnership_identity_provider",
    ),
    path("organisation/api-clients/", views.api_client_list, name="api_client_list"),
    path("organisation/api-clients/add/", views.api_client_create, name="api_client_create"),
    path(
        "organisation/api-clients/<uuid:client_id>/revoke/",
        views.api_client_revoke,
        name="api_client_revoke",
    ),
]
