"""Build the request's viewer once (access.viewer), after authentication."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from access.viewer import viewer_for


class ViewerMiddleware:
    """`request.viewer`: who is asking, built on first use. The API's views replace it with
    the viewer of the authenticated API client (partners.api.base.PartnerAPIView)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: viewer_for(request.user))
        return self.get_response(request)
