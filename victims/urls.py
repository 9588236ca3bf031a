from django.urls import path

from victims import views

app_name = "victims"

urlpatterns = [
    path("people/", views.my_victims, name="my_victims"),
    path("people/search/", views.person_search, name="person_search"),
    path("people/definitions/", views.status_definition, name="status_definition"),
    path("people/<uuid:person_uuid>/", views.person_detail, name="person_detail"),
    path("people/<uuid:person_uuid>/edit/", views.person_edit, name="person_edit"),
    path("people/<uuid:person_uuid>/consent/", views.person_consent, name="person_consent"),
    path("people/<uuid:person_uuid>/merge/", views.person_merge, name="person_merge"),
    path(
        "people/<uuid:person_uuid>/merges/<int:merge_id>/undo/",
        views.person_merge_undo,
        name="person_merge_undo",
    ),
]
