"""Certification URLs: the catalogue and comparison, and the learner's tracker under mine/."""

from django.urls import path

from certifications import views

app_name = "certifications"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("compare/", views.compare, name="compare"),
    path("track/<slug:slug>/", views.track, name="track"),
    path("mine/", views.my_certifications, name="mine"),
    path("mine/custom/", views.track_custom, name="track_custom"),
    path("mine/<int:pk>/", views.tracker_detail, name="tracker_detail"),
    path("mine/<int:pk>/status/", views.tracker_status, name="tracker_status"),
    path("mine/<int:pk>/expiry/", views.tracker_expiry, name="tracker_expiry"),
    path("mine/<int:pk>/renew/", views.tracker_renew, name="tracker_renew"),
    path(
        "mine/<int:pk>/renewals/<int:renewal_id>/undo/",
        views.renewal_undo,
        name="renewal_undo",
    ),
    path("mine/<int:pk>/credits/", views.credit_add, name="credit_add"),
    path(
        "mine/<int:pk>/credits/<int:activity_id>/delete/",
        views.credit_delete,
        name="credit_delete",
    ),
]
