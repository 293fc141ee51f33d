from django.urls import path

from dashboards.screens import views

urlpatterns = [
    path("screens/", views.screen_list, name="screens"),
    path("screens/screens.json", views.screens_json, name="screens-json"),
    path("screens/<int:pk>/reload", views.reload, name="screen-reload"),
    path("screens/<int:pk>/identify", views.identify, name="screen-identify"),
    path("screens/<int:pk>/show", views.show, name="screen-show"),
]
