from django.urls import path

from dashboards.walls import views

urlpatterns = [
    path("d/", views.dashboard_list, name="dashboards"),
    path("d/<slug:slug>/", views.dashboard, name="dashboard"),
    path("d/<slug:slug>/layout.json", views.layout_file, name="dashboard-layout"),
    path("k/<str:secret>/", views.kiosk, name="kiosk"),
]
