from django.urls import path

from dashboards.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/ack", views.ack, name="alert-ack"),
    path("alerts/<int:alert_id>/unack", views.unack, name="alert-unack"),
    path("alerts/silences/", views.create_silence, name="silence-create"),
    path("alerts/silences/<int:silence_id>/expire", views.expire_silence, name="silence-expire"),
]
