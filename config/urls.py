from django.urls import include, path
from django.views.generic import TemplateView

from config.health import healthz
from partners import views as partner_views

urlpatterns = [
    path("", partner_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("config.api_urls")),
    path("", include("partners.urls")),
    path("", include("asb_cases.urls")),
    path("", include("victims.urls")),
    path("", include("community_trigger.urls")),
    path("", include("documents.urls")),
    path("", include("reporting.urls")),
    path("", include("governance.urls")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
]
