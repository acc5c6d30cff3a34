from django.urls import path

from mutua.notifications import views

app_name = "notifications"
urlpatterns = [
    path("posta-in-uscita/", views.outbox, name="outbox"),
    path("posta-in-uscita/<int:pk>/html/", views.outbox_html, name="outbox_html"),
]
