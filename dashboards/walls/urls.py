from django.urls import path

from dashboards.walls import views
from dashboards.walls.editor_options import editor_options

urlpatterns = [
    path("d/", views.dashboard_list, name="dashboards"),
    path("d/<slug:slug>/", views.dashboard, name="dashboard"),
    path("d/<slug:slug>/layout.json", views.layout_file, name="dashboard-layout"),
    path("d/<slug:slug>/editor.json", editor_options, name="dashboard-editor-options"),
    path("p/<slug:name>/", views.playlist, name="playlist"),
    path("k/<str:secret>/", views.kiosk, name="kiosk"),
]
