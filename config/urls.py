from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from mutua.accounts.profile import sessions_redirect
from mutua.core.health import healthz, readyz
from mutua.portal.views import password_reset_redirect

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # the process answers (docs/operations.md, Monitor)
    path("readyz", readyz, name="readyz"),  # database, cache, storage and task queue answer
    path("", include("mutua.portal.urls")),
    path("accesso/", include("mutua.accounts.urls")),
    path("accounts/password/reset/", password_reset_redirect),
    path("accounts/sessions/", sessions_redirect),  # sessions are listed, and ended one by one, on Profilo
    path("profilo/", include("mutua.accounts.profile_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),  # visitors choose too
    path("backoffice/", include("mutua.backoffice.urls")),
    path("admin/", admin.site.urls),
    path("sviluppo/", include("mutua.notifications.urls")),
    path("webhooks/", include("mutua.notifications.webhook_urls")),  # public: providers' reports, signed
    path("verifica/", include("mutua.documents.urls")),  # public: anyone checks a document's code
]
