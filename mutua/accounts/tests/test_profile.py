"""Profilo: photo, password change, signed-in sessions, step-up; every URL tried anonymously and as another member."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from PIL import Image

from config import urls as config_urls
from mutua.accounts.decorators import step_up_required
from mutua.accounts.devices import describe_device
from mutua.accounts.models import User
from mutua.accounts.tests.factories import totp_code, totp_enable
from mutua.audit.models import AuditEvent
from mutua.documents.tests import samples

LOGIN = "/accounts/login/"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(member, *, user_agent: str = CHROME_WINDOWS, ip: str = "127.0.0.1") -> Client:
    """A browser where the member signed in with username and password (a real session, tracked by allauth)."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(LOGIN, {"login": member.code, "password": "Segreta123"})
    assert response.status_code == 302 and response["Location"] == "/", response.content[:500]
    return browser


def upload_photo(client: Client, name: str, content: bytes):
    return client.post(reverse("profile:photo"), {"photo": SimpleUploadedFile(name, content, "image/jpeg")})


def stored_photo(user: User) -> Image.Image:
    user.refresh_from_db()
    with user.photo.storage.open(user.photo.name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- Who may open what -------------------------------------------------------------------------------------

PROFILE_URLS = [
    ("get", "/profilo/"),
    ("get", "/profilo/foto/"),
    ("post", "/profilo/foto/"),
    ("get", "/profilo/foto/immagine/"),
    ("post", "/profilo/foto/rimuovi/"),
    ("post", "/profilo/sessioni/1/termina/"),
    ("post", "/profilo/sessioni/termina-altre/"),
    ("get", "/accounts/sessions/"),
    ("get", "/accounts/password/change/"),
    ("get", "/accounts/reauthenticate/"),
    ("get", "/accounts/2fa/"),
    ("get", "/accounts/2fa/totp/activate/"),
    ("get", "/accounts/2fa/totp/deactivate/"),
    ("get", "/accounts/2fa/recovery-codes/"),
    ("get", "/accounts/2fa/recovery-codes/generate/"),
    ("get", "/accounts/2fa/recovery-codes/download/"),
    ("get", "/accounts/2fa/reauthenticate/"),
    ("get", "/accounts/2fa/webauthn/"),
    ("get", "/accounts/2fa/webauthn/add/"),
    ("get", "/accounts/2fa/webauthn/keys/1/edit/"),
    ("get", "/accounts/2fa/webauthn/keys/1/remove/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), PROFILE_URLS)
def test_anonymous_visitors_are_sent_to_login(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_the_user_menu_leads_to_the_profile(client, member):
    client.force_login(member.user)
    page = client.get("/").content.decode()
    assert 'href="/profilo/"' in page and ">Profilo</a>" in page
    profile = client.get("/profilo/").content.decode()
    for heading in ("Foto del profilo", "Password", "Autenticazione a due fattori", "Sessioni attive"):
        assert heading in profile


# --- Foto del profilo -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPhoto:
    def test_upload_is_resized_upright_without_exif_under_a_random_name(self, client, member):
        client.force_login(member.user)
        response = upload_photo(client, "IMG_1234 Mario Rossi.jpg", samples.jpeg_with_exif())
        assert response.status_code == 302 and response["Location"] == "/profilo/"
        member.user.refresh_from_db()
        name = member.user.photo.name
        assert re.fullmatch(r"profile-photos/[0-9a-f]{32}\.jpg", name)
        image = stored_photo(member.user)
        assert image.format == "JPEG" and image.size == (512, 512)
        assert not image.getexif() and "exif" not in image.info
        event = AuditEvent.objects.get(action="profile.photo_changed")
        assert event.actor == member.user and event.data == {"kind": "jpeg", "size": len(samples.jpeg_with_exif())}

    def test_a_small_png_is_kept_small(self, client, member):
        client.force_login(member.user)
        upload_photo(client, "avatar.png", samples.png_bytes(size=(120, 90)))
        assert stored_photo(member.user).size == (90, 90)

    def test_replacing_deletes_the_old_file(self, client, member, django_capture_on_commit_callbacks):
        client.force_login(member.user)
        upload_photo(client, "prima.jpg", samples.jpeg_bytes())
        member.user.refresh_from_db()
        first = member.user.photo.name
        storage = member.user.photo.storage
        with django_capture_on_commit_callbacks(execute=True):
            upload_photo(client, "seconda.png", samples.png_bytes())
        member.user.refresh_from_db()
        assert member.user.photo.name != first
        assert not storage.exists(first) and storage.exists(member.user.photo.name)

    def test_remove(self, client, member, django_capture_on_commit_callbacks):
        client.force_login(member.user)
        upload_photo(client, "foto.jpg", samples.jpeg_bytes())
        member.user.refresh_from_db()
        name, storage = member.user.photo.name, member.user.photo.storage
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("profile:photo_remove"))
        assert response.status_code == 302
        member.user.refresh_from_db()
        assert not member.user.photo and not storage.exists(name)
        assert AuditEvent.objects.filter(action="profile.photo_removed", actor=member.user).count() == 1
        assert client.get(reverse("profile:photo_image")).status_code == 404

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            (
                "foto.jpg",
                samples.HTML_PAGE,
                "«foto.jpg» non è un&#x27;immagine valida: sono ammessi i formati JPEG e PNG.",
            ),
            ("foto.jpg", samples.PE_EXECUTABLE, "«foto.jpg» non è un&#x27;immagine valida"),
            ("grande.jpg", samples.jpeg_bytes() + bytes(2 * 1024 * 1024), "«grande.jpg» supera i 2 MB."),
            ("bomba.png", samples.tiff_header_only(60_000, 60_000), "«bomba.png» non è un&#x27;immagine valida"),
            ("scansione.tif", samples.tiff_bytes(), "«scansione.tif» non è un&#x27;immagine valida"),
            ("fattura.pdf", samples.pdf_bytes(), "«fattura.pdf» non è un&#x27;immagine valida"),
            ("IMG_0042.jpg", b"", "«IMG_0042.jpg» è vuoto."),  # an empty file's message names it
        ],
    )
    def test_rejected_files_get_a_message_next_to_the_field(self, client, member, name, content, message):
        client.force_login(member.user)
        response = upload_photo(client, name, content)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="id_photo-error"' in page and message in page
        assert 'aria-invalid="true"' in page
        member.user.refresh_from_db()
        assert not member.user.photo
        assert not AuditEvent.objects.filter(action="profile.photo_changed").exists()

    def test_no_file_chosen(self, client, member):
        client.force_login(member.user)
        assert "Scegli la foto da caricare." in client.post(reverse("profile:photo")).content.decode()

    def test_served_only_to_its_owner_never_as_a_public_url(self, client, member, other_member):
        owner = Client()
        owner.force_login(member.user)
        upload_photo(owner, "foto.jpg", samples.jpeg_bytes())
        response = owner.get(reverse("profile:photo_image"))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
        member.user.refresh_from_db()
        assert member.user.photo.name not in owner.get("/profilo/").content.decode()  # only the view's URL
        # The other member has no photo: the same URL serves nothing of the owner's.
        client.force_login(other_member.user)
        assert client.get(reverse("profile:photo_image")).status_code == 404
        assert "profile:photo_image" not in client.get("/").content.decode()

    def test_another_member_cannot_remove_it(self, client, member, other_member):
        owner = Client()
        owner.force_login(member.user)
        upload_photo(owner, "foto.jpg", samples.jpeg_bytes())
        client.force_login(other_member.user)
        client.post(reverse("profile:photo_remove"))
        member.user.refresh_from_db()
        assert member.user.photo

    def test_shown_in_the_header_with_a_version(self, client, member):
        client.force_login(member.user)
        assert 'data-testid="header-photo"' not in client.get("/").content.decode()
        upload_photo(client, "foto.jpg", samples.jpeg_bytes())
        member.user.refresh_from_db()
        page = client.get("/").content.decode()
        assert f'src="/profilo/foto/immagine/?v={member.user.photo_version}"' in page


# --- Modifica la password ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPasswordChange:
    URL = "/accounts/password/change/"

    def post(self, client, old="Segreta123", new="NuovaPass2026", again=None):
        return client.post(
            self.URL, {"oldpassword": old, "password1": new, "password2": new if again is None else again}
        )

    def test_page_in_italian_with_the_rule(self, client, member):
        client.force_login(member.user)
        page = client.get(self.URL).content.decode()
        for text in ("Modifica la password", "Password attuale", "Nuova password", "Conferma la nuova password"):
            assert text in page
        assert "Almeno 8 caratteri, con almeno un numero, una lettera maiuscola e una minuscola." in page

    def test_wrong_current_password(self, client, member):
        client.force_login(member.user)
        assert "La password attuale non è corretta." in self.post(client, old="Sbagliata1").content.decode()

    @pytest.mark.parametrize("weak", ["corta1A", "senzanumeriA", "senzamaiuscole1", "SENZAMINUSCOLE1"])
    def test_the_guides_rule(self, client, member, weak):
        client.force_login(member.user)
        page = self.post(client, new=weak).content.decode()
        assert "almeno 8 caratteri e contenere almeno un numero" in page

    def test_the_two_new_passwords_must_match(self, client, member):
        client.force_login(member.user)
        assert "Le due password non coincidono." in self.post(client, again="NuovaPass2027").content.decode()

    def test_success_audits_notifies_and_keeps_this_session(self, client, member):
        client.force_login(member.user)
        response = self.post(client)
        assert response.status_code == 302 and response["Location"] == "/profilo/"
        assert "Password modificata." in client.get("/profilo/").content.decode()
        member.user.refresh_from_db()
        assert member.user.check_password("NuovaPass2026")
        assert AuditEvent.objects.filter(action="password.changed", actor=member.user).count() == 1
        assert [m.to for m in mail.outbox] == [[member.email]]
        assert "Password modificata" in mail.outbox[0].subject


# --- Sessioni attive --------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSessions:
    def test_each_session_with_device_ip_and_last_activity(self, member):
        laptop = signed_in(member, ip="10.0.0.7")
        signed_in(member, user_agent=SAFARI_IPHONE, ip="10.0.0.8")
        page = laptop.get("/profilo/").content.decode()
        rows = page.split('data-testid="session"')[1:]
        assert len(rows) == 2
        assert "Chrome su Windows" in rows[0] and "Questo dispositivo" in rows[0] and "10.0.0.7" in rows[0]
        assert "Safari su iPhone" in rows[1] and "10.0.0.8" in rows[1] and ">Termina</button>" in rows[1]
        assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", rows[1])

    def test_activity_is_recorded_at_most_once_a_minute(self, member):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        laptop = signed_in(member)
        session = UserSession.objects.get(session_key=laptop.session.session_key)
        UserSession.objects.filter(pk=session.pk).update(last_seen_at=session.last_seen_at - dt.timedelta(hours=1))
        from mutua.accounts import middleware

        cache.clear()  # a minute has passed: for the cache and for this process's own memory
        middleware._seen_here.clear()
        laptop.get("/")
        seen = UserSession.objects.get(pk=session.pk).last_seen_at
        assert seen > session.last_seen_at - dt.timedelta(minutes=1)  # brought up to date
        with CaptureQueriesContext(connection) as queries:
            laptop.get("/")  # the same minute: the session row is neither read nor written
        assert not [q for q in queries.captured_queries if "usersessions_usersession" in q["sql"]]
        assert UserSession.objects.get(pk=session.pk).last_seen_at == seen

    def test_the_first_page_after_signing_in_leaves_the_new_row_alone(self, member):
        """allauth has just written the session's row: Panoramica, right after, does not write it again."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        laptop = signed_in(member)
        with CaptureQueriesContext(connection) as queries:
            assert laptop.get("/").status_code == 200
        assert not [q for q in queries.captured_queries if "usersessions_usersession" in q["sql"]]

    def test_activity_is_one_update_and_a_new_address_is_recorded(self, member):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from mutua.accounts import middleware

        laptop = signed_in(member, ip="10.0.0.7")
        session = UserSession.objects.get(session_key=laptop.session.session_key)
        cache.clear()  # a minute has passed
        middleware._seen_here.clear()
        with CaptureQueriesContext(connection) as queries:
            laptop.get("/")
        tracking = [q["sql"] for q in queries.captured_queries if "usersessions_usersession" in q["sql"]]
        assert len(tracking) == 1 and tracking[0].startswith("UPDATE")
        cache.clear()
        middleware._seen_here.clear()
        laptop.get("/", REMOTE_ADDR="10.0.0.9")  # another network: allauth records the change
        session.refresh_from_db()
        assert session.ip == "10.0.0.9"
        assert UserSession.objects.filter(user=member.user).count() == 1

    def test_end_one_signs_that_device_out(self, member):
        laptop = signed_in(member)
        phone = signed_in(member, user_agent=SAFARI_IPHONE)
        tablet = signed_in(member, user_agent=SAFARI_IPHONE.replace("iPhone", "iPad"))
        phone_session = UserSession.objects.get(session_key=phone.session.session_key)
        response = laptop.post(reverse("profile:session_end", args=[phone_session.pk]))
        assert response.status_code == 302 and response["Location"] == "/profilo/#sessioni"
        assert phone.get("/").status_code == 302  # back to the login page
        assert tablet.get("/").status_code == 200 and laptop.get("/").status_code == 200
        assert AuditEvent.objects.get(action="session.ended").data == {"sessions": 1}

    def test_with_sessions_in_redis_an_ended_session_is_signed_out_at_once(self, member, settings):
        """Production reads sessions from Redis (cached_db): ending one must not leave its copy there."""
        import uuid

        from django.core.cache import caches

        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/12",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            },
        }
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        try:
            laptop, phone, tablet = signed_in(member), signed_in(member, user_agent=SAFARI_IPHONE), signed_in(member)
            assert phone.get("/").status_code == 200
            cached = f"django.contrib.sessions.cached_db{phone.session.session_key}"
            assert caches["default"].get(cached)  # its session is in Redis
            phone_session = UserSession.objects.get(session_key=phone.session.session_key)
            laptop.post(reverse("profile:session_end", args=[phone_session.pk]))
            assert phone.get("/").status_code == 302 and caches["default"].get(cached) is None
            tablet.post(reverse("account_logout"))
            assert tablet.get("/").status_code == 302 and laptop.get("/").status_code == 200
        finally:
            caches["default"].clear()

    def test_end_all_the_others(self, member):
        laptop = signed_in(member)
        others = [signed_in(member, user_agent=SAFARI_IPHONE) for _ in range(2)]
        laptop.post(reverse("profile:sessions_end_others"))
        assert "2 sessioni terminate." in laptop.get("/profilo/").content.decode()
        assert all(other.get("/").status_code == 302 for other in others)
        assert UserSession.objects.filter(user=member.user).count() == 1

    def test_this_session_is_ended_with_esci_not_here(self, member):
        laptop = signed_in(member)
        mine = UserSession.objects.get(session_key=laptop.session.session_key)
        laptop.post(reverse("profile:session_end", args=[mine.pk]))
        assert laptop.get("/").status_code == 200

    def test_another_members_sessions_are_neither_shown_nor_ended(self, member, other_member):
        victim = signed_in(member, user_agent=SAFARI_IPHONE, ip="10.9.9.9")
        intruder = signed_in(other_member)
        victim_session = UserSession.objects.get(session_key=victim.session.session_key)
        page = intruder.get("/profilo/").content.decode()
        assert "10.9.9.9" not in page and "Safari su iPhone" not in page
        assert intruder.post(reverse("profile:session_end", args=[victim_session.pk])).status_code == 404
        intruder.post(reverse("profile:sessions_end_others"))
        assert victim.get("/").status_code == 200

    def test_allauths_session_page_leads_here(self, client, member):
        client.force_login(member.user)
        assert client.get("/accounts/sessions/")["Location"] == "/profilo/#sessioni"

    @pytest.mark.parametrize(
        ("user_agent", "device"),
        [
            (CHROME_WINDOWS, "Chrome su Windows"),
            (SAFARI_IPHONE, "Safari su iPhone"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox su Linux"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605 Chrome/126.0 Safari/537 Edg/126.0",
                "Edge su macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
                "Chrome su Android",
            ),
            ("curl/8.5.0", "Dispositivo sconosciuto"),
            ("", "Dispositivo sconosciuto"),
        ],
    )
    def test_device_names(self, user_agent, device):
        assert describe_device(user_agent) == device


# --- Panoramica: "Modifica il profilo" while 2FA is off ---------------------------------------------------


@pytest.mark.django_db
def test_panoramica_links_the_profile_until_two_factor_is_active(client, member):
    client.force_login(member.user)
    page = client.get("/").content.decode()
    assert '<a href="/profilo/#due-fattori">Modifica il profilo</a>' in page
    totp_enable(member.user)
    assert "Modifica il profilo" not in client.get("/").content.decode()


# --- Step-up ----------------------------------------------------------------------------------------------


@step_up_required
def change_iban(request):
    return HttpResponse(f"IBAN cambiato: {request.POST.get('iban', '')}" if request.method == "POST" else "modulo IBAN")


urlpatterns = [path("prova/iban/", change_iban), *config_urls.urlpatterns]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
class TestStepUp:
    def test_asks_for_the_password_first_even_right_after_login(self, member):
        browser = signed_in(member)
        response = browser.get("/prova/iban/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/reauthenticate/?next=%2Fprova%2Fiban%2F"
        page = browser.get(response["Location"]).content.decode()
        assert "Conferma la tua identità" in page and "Altri modi per confermare" not in page

    def test_wrong_password_then_right_one(self, member):
        browser = signed_in(member)
        url = "/accounts/reauthenticate/?next=%2Fprova%2Fiban%2F"
        assert "La password non è corretta." in browser.post(url, {"password": "Sbagliata1"}).content.decode()
        response = browser.post(url, {"password": "Segreta123"})
        assert response.status_code == 302 and response["Location"] == "/prova/iban/"
        assert browser.get("/prova/iban/").content == b"modulo IBAN"

    def test_a_posted_form_is_kept_and_sent_after_the_password(self, member):
        browser = signed_in(member)
        response = browser.post("/prova/iban/", {"iban": "IT60X0542811101000000123456"})
        assert response["Location"].startswith("/accounts/reauthenticate/")
        done = browser.post(response["Location"], {"password": "Segreta123"})
        assert done.content == b"IBAN cambiato: IT60X0542811101000000123456"

    def test_the_confirmation_expires(self, member, settings):
        browser = signed_in(member)
        browser.post("/accounts/reauthenticate/", {"password": "Segreta123"})
        assert browser.get("/prova/iban/").status_code == 200
        settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
        assert browser.get("/prova/iban/").status_code == 302

    def test_with_two_factor_active_the_app_code_works_too(self, member):
        secret = totp_enable(member.user)
        browser = Client()
        browser.post(LOGIN, {"login": member.code, "password": "Segreta123"})
        browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        page = browser.get("/accounts/reauthenticate/?next=/prova/iban/").content.decode()
        assert "Usa il codice dell'app o un codice di recupero" in page
        response = browser.post(
            "/accounts/2fa/reauthenticate/?next=/prova/iban/", {"code": totp_code(secret, at=time.time() + 30)}
        )
        assert response.status_code == 302 and response["Location"] == "/prova/iban/"

    def test_password_guessing_is_rate_limited(self, member):
        browser = signed_in(member)
        for _ in range(10):
            browser.post("/accounts/reauthenticate/", {"password": "Sbagliata1"})
        response = browser.post("/accounts/reauthenticate/", {"password": "Segreta123"})
        assert response.status_code == 429
        assert "Hai fatto troppi tentativi in poco tempo." in response.content.decode()

    def test_anonymous_goes_to_login(self, client):
        response = client.get("/prova/iban/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
