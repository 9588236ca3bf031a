from django.urls import include, path
from django.views.generic import TemplateView

from config.health import healthz, livez
from my_work import views as my_work_views

urlpatterns = [
    path("", my_work_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("api/", include("config.api_urls")),
    path("", include("partners.urls")),
    path("", include("asb_cases.urls")),
    path("", include("victims.urls")),
    path("", include("community_trigger.urls")),
    path("", include("oversight.urls")),
    path("", include("feedback.urls")),
    path("", include("documents.urls")),
    path("", include("reporting.urls")),
    path("", include("governance.urls")),
    path("", include("notifications.urls")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
]
