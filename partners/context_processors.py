from django.conf import settings


def service(request):
    public = request.path.startswith(settings.PUBLIC_PATH_PREFIX)
    return {
        # Public pages carry the public service's name, not the staff one.
        "service_name": settings.PUBLIC_SERVICE_NAME if public else settings.SERVICE_NAME,
        "service_url": settings.PUBLIC_PATH_PREFIX if public else "/",
        "partnership_name": settings.PARTNERSHIP_NAME,
        "service_contact_email": settings.SERVICE_CONTACT_EMAIL,
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
    }
