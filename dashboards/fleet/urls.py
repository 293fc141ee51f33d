from django.urls import path

from dashboards.fleet import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("hosts/<str:name>/", views.host_detail, name="host"),
]
