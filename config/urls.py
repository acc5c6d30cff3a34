from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mutua.portal.views import password_reset_redirect

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("mutua.portal.urls")),
    path("accesso/", include("mutua.accounts.urls")),
    path("accounts/password/reset/", password_reset_redirect),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("sviluppo/", include("mutua.notifications.urls")),
]
