from django.urls import path

from marblejar.pulse import views

app_name = "pulse"

urlpatterns = [
    path("t/<slug:slug>/pulses/", views.pulse_list, name="list"),
    path("t/<slug:slug>/pulses/new/", views.pulse_create, name="create"),
    path(
        "t/<slug:slug>/pulses/instruments/new/", views.instrument_create, name="instrument_create"
    ),
    path("t/<slug:slug>/pulses/<int:pulse_id>/answer/", views.pulse_answer, name="answer"),
    path("t/<slug:slug>/pulses/<int:pulse_id>/results/", views.pulse_results, name="results"),
    path("t/<slug:slug>/pulses/<int:pulse_id>/respond/", views.pulse_respond, name="respond"),
    path("t/<slug:slug>/pulses/<int:pulse_id>/close/", views.pulse_close, name="close"),
    path("organization/pulses/", views.overview, name="overview"),
    path("organization/pulses/settings/", views.pulse_settings, name="settings"),
]
