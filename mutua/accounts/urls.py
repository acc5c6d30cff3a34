from django.urls import path

from mutua.accounts import views

app_name = "accounts"
urlpatterns = [
    path("primo-accesso/", views.first_access, name="first_access"),
    path("primo-accesso/istruzioni/", views.first_access_instructions, name="first_access_instructions"),
    path("verifica-contatti/", views.verify_contacts, name="verify_contacts"),
    path("password-dimenticata/", views.password_reset, name="password_reset"),
    path("password-dimenticata/codice/", views.password_reset_code, name="password_reset_code"),
    path("password-dimenticata/nuova-password/", views.password_reset_new, name="password_reset_new"),
    path("password-dimenticata/completata/", views.password_reset_done, name="password_reset_done"),
]
