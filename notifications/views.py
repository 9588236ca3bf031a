"""A person's notifications and how often they are e-mailed. Each person sees only their own,
so nothing here reads a case: the link in a notification opens the case through its own
access-checked page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from notifications import selectors, services
from notifications.forms import PreferenceForm
from partners.paging import paginate

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("notification") if pk.isdigit()]
        marked = services.notifications_mark_read(user=request.user, notification_ids=ids or None)
        messages.success(
            request, f"{marked} notification{'s' if marked != 1 else ''} marked as read."
        )
        return redirect("notifications:list")
    page = paginate(selectors.notifications_for(user=request.user), request.GET, per_page=PAGE_SIZE)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "preference": selectors.preference_for(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def preference_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.preference_for(user=request.user)
    form = PreferenceForm(request.POST or None, initial={"email": current})
    if request.method == "POST" and form.is_valid():
        services.preference_set(user=request.user, email=form.cleaned_data["email"])
        messages.success(request, "Your notification settings have been saved.")
        return redirect("notifications:list")
    return render(request, "notifications/preference.html", {"form": form})
