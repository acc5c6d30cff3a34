"""mutua settings: one file, every knob an environment variable (see .env.example)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Django's generic classes (ModelAdmin[Member], QuerySet[Claim], forms.ModelForm[Plan]) subscriptable at run time,
# as the type hints write them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def mfa_development_key(secret_key: str) -> str:
    """The Fernet key that encrypts two-factor secrets while developing, when MFA_SECRET_KEYS is empty."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"mutua-mfa-secrets:" + secret_key.encode()).digest()).decode()


# An env file lists every variable (.env.example), so a variable set to nothing means its default here, as if unset.
def env_bool(name: str, default: bool) -> bool:
    return (os.environ.get(name) or str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name) or default)


VAR_DIR = env_path("MUTUA_VAR_DIR", BASE_DIR / "var")


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "anymail",
    "bootstrap_italia_template",
    "mutua.core",
    "mutua.accounts",
    "mutua.audit",
    "mutua.members",
    "mutua.plans",
    "mutua.providers",
    "mutua.claims",
    "mutua.bookings",
    "mutua.notifications",
    "mutua.documents",
    "mutua.portal",
    "mutua.backoffice",
    "mutua.payouts",
    "mutua.registry",
    "mutua.tax",
    "mutua.privacy",
    "mutua.demo",
]

MIDDLEWARE = [
    "mutua.core.requestid.RequestIdMiddleware",  # first: every log line of the request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "mutua.core.nostore.NoStoreForSignedInMiddleware",  # signed-in pages never kept by the browser
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mutua.accounts.session_limits.SessionLimitsMiddleware",  # idle and length limits of a session
    "mutua.accounts.middleware.SessionActivityMiddleware",  # allauth usersessions, throttled
    "mutua.accounts.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mutua" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mutua.core.context_processors.site",
                "mutua.notifications.context_processors.bell",
                "mutua.backoffice.context_processors.area",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process read while the other writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # The providers map's answers: the same for every member, but one per visible area, so they are kept in each
    # process with a bound (about 100 KB each) rather than in Redis, where panning members could fill the memory
    # that sessions and rate limits need. Their version token is in the shared cache (mutua.providers.selectors).
    "markers": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "markers",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, each loading the member with the user in one query.
    "mutua.accounts.backends.MemberModelBackend",
    "mutua.accounts.backends.MemberAuthenticationBackend",
    "mutua.accounts.backends.FirstAccessBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "mutua.accounts.passwords.GuidePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: login by 12-digit username; our own adapter, forms and stages.
ACCOUNT_ADAPTER = "mutua.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "mutua.accounts.forms.LoginForm",
    "change_password": "mutua.accounts.forms.ChangePasswordForm",
    "reauthenticate": "mutua.accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_ENABLED = False
ACCOUNT_EMAIL_VERIFICATION = "none"  # e-mail and mobile are verified by our own stage
ACCOUNT_USERNAME_MIN_LENGTH = 12
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_TIMEOUT = 1800  # the first-access journey must fit in it
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Wrong passwords: refused per IP (login_failed_ip); per username they only slow down, and never on a browser where
# the member signed in before (mutua.accounts.lockout). login_failed's per-user part counts wrong 2FA codes.
ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "20/m/ip,10/300s/key", "login_failed_ip": "20/m/ip"}
LOGIN_SLOWDOWN_FREE = int(os.environ.get("LOGIN_SLOWDOWN_FREE", "5"))  # failures before the first wait
LOGIN_SLOWDOWN_MAX = int(os.environ.get("LOGIN_SLOWDOWN_MAX", "8"))  # seconds, the longest wait
LOGIN_SLOWDOWN_WINDOW = int(os.environ.get("LOGIN_SLOWDOWN_WINDOW", "900"))  # seconds failures are remembered
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Step-up (mutua.accounts.decorators.step_up_required, and allauth before 2FA changes): the password, or a
# second factor when active, valid for 5 minutes.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Two-factor authentication: an authenticator app (6 digits, 30 s), recovery codes, passkeys (WebAuthn) also for
# passwordless login. WebAuthn needs HTTPS, or http://localhost (not 127.0.0.1) while developing.
MFA_ADAPTER = "mutua.accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "mutua.accounts.forms.AuthenticateForm",
    "reauthenticate": "mutua.accounts.forms.MFAReauthenticateForm",
    "activate_totp": "mutua.accounts.forms.ActivateTOTPForm",
    "add_webauthn": "mutua.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "mutua.accounts.forms.EditWebAuthnForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
MFA_TOTP_TOLERANCE = 1  # one step either side for phone clocks; a used code is refused for the whole window
MFA_RECOVERY_CODE_COUNT = 10
MFA_RECOVERY_CODE_DIGITS = 8
# Keys (Fernet, comma-separated) that encrypt TOTP secrets and recovery codes at rest: the first encrypts, all decrypt
# (rotation: docs/operations.md). Empty while developing: derived from SECRET_KEY; production refuses (accounts.E001).
MFA_SECRET_KEYS = [key.strip() for key in os.environ.get("MFA_SECRET_KEYS", "").split(",") if key.strip()]
if not MFA_SECRET_KEYS and DEBUG:
    MFA_SECRET_KEYS = [mfa_development_key(SECRET_KEY)]
USERSESSIONS_TRACK_ACTIVITY = True

# Verification codes (contacts and password reset) and rate limits of our own steps.
CODE_DIGITS = 6
CODE_TTL_SECONDS = int(os.environ.get("CODE_TTL_SECONDS", "900"))
CODE_RESEND_SECONDS = int(os.environ.get("CODE_RESEND_SECONDS", "60"))
CODE_MAX_ATTEMPTS = 5
# First access without an e-mail or mobile in the registry: how long an activation letter's code works.
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "mutua" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # Leaflet and its marker clusters for "Fornitori convenzionati", from the xstatic packages (no CDN).
    "mutua.providers.staticfiles.LeafletFinder",
]
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
# How many machines run the web or worker processes, and whether MEDIA_ROOT is a network disk they all mount: with
# more than one machine, `check --deploy` asks for a shared cache and for files in a bucket or on that shared disk.
APP_HOSTS = int(os.environ.get("APP_HOSTS") or "1")
MEDIA_ROOT_SHARED = env_bool("MEDIA_ROOT_SHARED", False)
# Malware scan of uploaded files by ClamAV's daemon, in the worker (mutua.documents.scanning): unix:///path/to/socket
# or tcp://host:3310. Empty: files are not scanned ("Non verificato"), and `check --deploy` warns (documents.W001).
CLAMD_URL = os.environ.get("CLAMD_URL", "")
CLAMD_TIMEOUT = int(os.environ.get("CLAMD_TIMEOUT", "60"))  # seconds for one file
SCAN_MAX_ATTEMPTS = int(os.environ.get("SCAN_MAX_ATTEMPTS", "8"))  # clamd unreachable: retried after 1, 2, 4 … min
# The worker reads the expense documents members add to a draft (Tesseract, mutua.claims.reading) and the draft page
# proposes their fields. 0: nothing is read, the form works as before.
DOCUMENT_READING = env_bool("DOCUMENT_READING", True)
# gunicorn's workers per machine (deploy/gunicorn.conf.py reads the same variable); 0: 2 per core. Read by the
# deploy check on the cache (mutua.core.checks).
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY") or "0")
# Uploaded and generated files: MEDIA_ROOT on the local disk, or a private S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set. Health documents are never public: objects get no ACL (the bucket's private
# default), and the portal streams every file through a view that checks who asks; a URL, if anything asked the
# storage for one, would be signed and short-lived. Static files stay on WhiteNoise either way.
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The S3 service and key, shared by the files' bucket and the registry's nightly exports (REGISTRY_IMPORT_URL).
S3_CONNECTION: dict[str, str | None] = {
    "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # unset: AWS itself
    "region_name": os.environ.get("AWS_S3_REGION_NAME") or "eu-south-1",
    # Unset: boto3 finds credentials itself (its environment variables, an instance or task role).
    "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID") or None,
    "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": S3_CONNECTION["endpoint_url"],
            "region_name": S3_CONNECTION["region_name"],
            "access_key": S3_CONNECTION["aws_access_key_id"],
            "secret_key": S3_CONNECTION["aws_secret_access_key"],
            "location": os.environ.get("AWS_LOCATION", ""),  # a key prefix, to share a bucket
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }

# E-mail: console while developing, SMTP in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mutua Esempio <noreply@mutua.example>")

# SMS: a console backend while developing, an HTTP gateway in production.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "mutua.notifications.sms.ConsoleSmsBackend")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "MutuaEsempio")
# Twilio (SMS_BACKEND=mutua.notifications.twilio.TwilioSmsBackend): the account, the sender (an alphanumeric sender
# ID registered for Italy, or a number; SMS_SENDER when empty) or a Messaging Service, and the API's address.
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_URL = os.environ.get("TWILIO_API_URL", "https://api.twilio.com")
# Bounces and complaints from Mailgun's tracking webhook (/webhooks/mailgun/tracking/, through django-anymail), checked
# with the domain's HTTP webhook signing key. MAILGUN_API_KEY and MAILGUN_API_URL serve EMAIL_BACKEND=
# anymail.backends.mailgun.EmailBackend, for sending through Mailgun's API instead of its SMTP relay.
ANYMAIL = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "MAILGUN_API_KEY": os.environ.get("MAILGUN_API_KEY", ""),
    "MAILGUN_API_URL": os.environ.get("MAILGUN_API_URL", "https://api.eu.mailgun.net/v3"),
}
MESSAGE_MAX_ATTEMPTS = 5
# "Posta in uscita": a page listing every e-mail and SMS, for development only.
MUTUA_SHOW_OUTBOX = env_bool("MUTUA_SHOW_OUTBOX", DEBUG)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task (an e-mail or SMS being sent) still running after this long was left by a worker that died: it is run again,
# and the message's claim taken over (mutua.core.tasks, mutua.notifications.outbox). Well above the longest send:
# an SMTP exchange is a handful of steps of up to EMAIL_TIMEOUT each.
TASK_LEASE_SECONDS = int(os.environ.get("TASK_LEASE_SECONDS") or "300")
# /readyz and the workers' healthcheck fail when a task due this long ago has not been started.
TASK_MAX_WAIT_SECONDS = int(os.environ.get("TASK_MAX_WAIT_SECONDS") or "300")

# The mutual.
MUTUA_NAME = os.environ.get("MUTUA_NAME", "Mutua Esempio SMS")
MUTUA_LOGO = os.environ.get("MUTUA_LOGO", "img/logo.svg")
# The account reimbursements are paid from (debtor of the SEPA credit transfer files, mutua.payouts).
MUTUA_SEPA_NAME = os.environ.get("MUTUA_SEPA_NAME") or MUTUA_NAME
# A sample account only while developing: in production the payouts check (payouts.E001) refuses to start without it.
MUTUA_SEPA_IBAN = os.environ.get("MUTUA_SEPA_IBAN") or ("IT60X0542811101000000123456" if DEBUG else "")
MUTUA_SEPA_BIC = os.environ.get("MUTUA_SEPA_BIC", "")
MUTUA_PDF_LOGO = os.environ.get("MUTUA_PDF_LOGO", "img/logo.png")  # PNG or JPEG under static/, drawn on every PDF
MUTUA_EMAIL_LOGO = os.environ.get("MUTUA_EMAIL_LOGO", "img/logo.png")  # PNG under static/, at the top of every e-mail
MUTUA_FISCAL_CODE = os.environ.get("MUTUA_FISCAL_CODE", "")  # printed on contribution certificates
MUTUA_REGISTERED_OFFICE = os.environ.get("MUTUA_REGISTERED_OFFICE", "")
# Header of the yearly communication to the Agenzia delle Entrate (docs/tax-communication.md): 1 art. 51 c. 2
# lett. a TUIR, 2 art. 10 c. 1 lett. e-ter TUIR.
MUTUA_TAX_FUND_TYPE = int(os.environ.get("MUTUA_TAX_FUND_TYPE") or "1")
MUTUA_INFOCENTER_EMAIL = os.environ.get("MUTUA_INFOCENTER_EMAIL", "infocenter@mutua.example")
MUTUA_WEBSITE = os.environ.get("MUTUA_WEBSITE", "https://www.mutua.example")
# Registry import (docs/registry-import.md): the largest file accepted, and where error files are written.
REGISTRY_IMPORT_MAX_MB = int(os.environ.get("REGISTRY_IMPORT_MAX_MB", "512"))
REGISTRY_ERRORS_DIR = env_path("REGISTRY_ERRORS_DIR", VAR_DIR / "registry-errors")
# The folder the registry drops its nightly exports in (empty: no nightly import); its members file is the full list.
REGISTRY_IMPORT_DIR = os.environ.get("REGISTRY_IMPORT_DIR", "")
# Or an S3 prefix the registry uploads them to, s3://bucket/prefix/, reached with S3_CONNECTION (empty: none).
REGISTRY_IMPORT_URL = os.environ.get("REGISTRY_IMPORT_URL", "")
# Dichiarazione di accessibilità: the day the mutual last reviewed it (ISO date), printed on the statement.
MUTUA_ACCESSIBILITY_REVIEWED_ON = os.environ.get("MUTUA_ACCESSIBILITY_REVIEWED_ON", "2026-12-07")
# Where members reach this portal: verification links printed (as QR codes) on the documents it issues.
MUTUA_PUBLIC_URL = os.environ.get("MUTUA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Fornitori convenzionati: the map's tile server ({z}/{x}/{y} template; empty shows the markers on a blank map).
MUTUA_MAP_TILE_URL = os.environ.get("MUTUA_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MUTUA_MAP_ATTRIBUTION = os.environ.get("MUTUA_MAP_ATTRIBUTION", "© OpenStreetMap contributors")

# Security. Production (DEBUG off) gets secure cookies, HSTS and a strict CSP.
# With Redis, sessions are read from it and written through to the database: a signed-in request costs no session
# query and a flush of Redis signs nobody out. Without it the cache is each process's own, where a session ended in
# one process (logout, "Sessioni attive") would live on in the others: then sessions stay in the database only.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
# mutua.accounts.session_limits: a session unused this long asks for the password again; a session lasts at most this
# long from its sign-in, shorter for operators (and everyone else with back-office access) than for members.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
MEMBER_SESSION_SECONDS = int(os.environ.get("MEMBER_SESSION_SECONDS", str(SESSION_COOKIE_AGE)))
OPERATOR_SESSION_SECONDS = int(os.environ.get("OPERATOR_SESSION_SECONDS", str(60 * 60 * 4)))
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes on the private network speak plain HTTP: the health endpoints answer them instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
from csp.constants import NONE, SELF  # noqa: E402


def _tile_origin(url: str) -> list[str]:
    """The map tiles' origin, allowed as an image source; nothing when tiles come from the project or are off."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origin(MUTUA_MAP_TILE_URL)],
        "font-src": [SELF, "data:"],
        "style-src": [SELF],
        "script-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# Logs: one JSON line per event in production (json), a readable line while developing (text); every line with the
# request id and the user id, codici fiscali, IBANs, e-mail addresses, phone numbers and file names scrubbed
# (mutua.core.logs). Django's own loggers write through the same handler, once.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "mutua.core.logs.ContextFilter"}},
    "formatters": {"json": {"()": "mutua.core.logs.JsonFormatter"}, "text": {"()": "mutua.core.logs.TextFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Error reports to Sentry or GlitchTip (a project's DSN), nothing about members in them (mutua.core.errors).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT") or "production"
if SENTRY_DSN:
    from mutua.core.errors import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# Claims: drafts untouched for this long are deleted by `manage.py purge_drafts` (run it daily).
DRAFT_RETENTION_DAYS = int(os.environ.get("DRAFT_RETENTION_DAYS", "180"))
# Suspended claims: `manage.py send_suspension_reminders` (daily) reminds the member this many days before the
# deadline for the documents asked, once per suspension.
SUSPENSION_REMINDER_DAYS = int(os.environ.get("SUSPENSION_REMINDER_DAYS", "3"))

# Scheduled jobs: `manage.py run_scheduler` (one process per deployment, the compose stack's `scheduler`) runs each
# daily job at its crontab time (minute hour day-of-month month day-of-week) in TIME_ZONE; "off" turns a job off.
SCHEDULE_PURGE_DRAFTS = os.environ.get("SCHEDULE_PURGE_DRAFTS") or "30 2 * * *"
SCHEDULE_SUSPENSION_REMINDERS = os.environ.get("SCHEDULE_SUSPENSION_REMINDERS") or "0 8 * * *"
SCHEDULE_PRUNE_TASK_RESULTS = os.environ.get("SCHEDULE_PRUNE_TASK_RESULTS") or "0 3 * * *"
# Nightly: the newest registry files in REGISTRY_IMPORT_DIR or REGISTRY_IMPORT_URL, each imported once
# (manage.py import_registry_nightly).
SCHEDULE_REGISTRY_IMPORT = os.environ.get("SCHEDULE_REGISTRY_IMPORT") or "30 1 * * *"
# Every minute: tasks and messages left by a worker that died are taken up again (manage.py recover_deliveries).
SCHEDULE_RECOVER_DELIVERIES = os.environ.get("SCHEDULE_RECOVER_DELIVERIES") or "* * * * *"
# Daily: the files of the members' data copies ("Scarica i miei dati") past their 7 days are deleted.
SCHEDULE_PURGE_DATA_EXPORTS = os.environ.get("SCHEDULE_PURGE_DATA_EXPORTS") or "45 2 * * *"
# Finished background tasks (the e-mails and SMS sent) are deleted from the task table after this many days; each
# message's own record (OutboundMessage) stays.
TASK_RESULT_RETENTION_DAYS = int(os.environ.get("TASK_RESULT_RETENTION_DAYS") or "14")
