from django.urls import path

from mutua.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("<str:code>/", views.verify, name="verify_code"),
]
