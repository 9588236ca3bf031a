from django.conf import settings


def service(request):
    return {
        "service_name": settings.SERVICE_NAME,
        "partnership_name": settings.PARTNERSHIP_NAME,
        "service_contact_email": settings.SERVICE_CONTACT_EMAIL,
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
    }
