from django.urls import path

from mutua.accounts import profile as views

app_name = "profile"
urlpatterns = [
    path("", views.profile, name="home"),
    path("avvisi/", views.profile_notices, name="notices"),
    path("foto/", views.profile_photo, name="photo"),
    path("foto/immagine/", views.profile_photo_image, name="photo_image"),
    path("foto/rimuovi/", views.profile_photo_remove, name="photo_remove"),
    path("sessioni/<int:pk>/termina/", views.session_end, name="session_end"),
    path("sessioni/termina-altre/", views.sessions_end_others, name="sessions_end_others"),
]
