from django.urls import path

from dashboards.walls import editor, views

urlpatterns = [
    path("d/", views.dashboard_list, name="dashboards"),
    path("d/<slug:slug>/", views.dashboard, name="dashboard"),
    path("d/<slug:slug>/layout.json", views.layout_file, name="dashboard-layout"),
    path("d/<slug:slug>/editor.json", editor.editor_options, name="dashboard-editor-options"),
    path("p/<slug:name>/", views.playlist, name="playlist"),
    path("k/<str:secret>/", views.kiosk, name="kiosk"),
]
