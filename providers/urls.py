from django.urls import path

from providers import views

app_name = "providers"

urlpatterns = [
    path("nha-cung-cap/<str:code>/callback/", views.callback, name="callback"),
]
