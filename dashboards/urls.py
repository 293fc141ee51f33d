from django.urls import path

from dashboards import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("hosts/<str:name>/", views.host_detail, name="host"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
]
