"""The signed-in home page: My work for those who work on cases, the plain home otherwise."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from my_work.selectors import my_work_for, shows_my_work
from partners import views as partner_views


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if request.method == "POST" or not shows_my_work(viewer):
        # Marking Case Review notices read, and everyone who does not work on cases.
        return partner_views.home(request)
    team = request.GET.get("team") == "1" and viewer.is_supervisor
    work = my_work_for(viewer=viewer, team=team, params=request.GET)
    return render(request, "my_work/home.html", {"work": work, "team": team})
