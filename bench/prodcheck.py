"""`make prod-check`: the production configuration, started locally and driven once by a browser.

    .venv/bin/python -m bench.prodcheck

A throwaway PostgreSQL database (PRODCHECK_DB, default mutua_prodcheck, dropped at the start and at the end), Redis
for cache and rate limits (PRODCHECK_REDIS, default redis://127.0.0.1:6379/15), gunicorn with 2 workers on a free
port with DEBUG off, and one `manage.py db_worker`: started with bench/run.py's Bench, with the production settings
(config.settings, not bench.settings). Files go to S3-compatible storage: moto's S3 server (`moto_server`, from
requirements-dev) on another free port, with a fresh private bucket, as production does with AWS_STORAGE_BUCKET_NAME.
Then a headless Chromium signs in, sends a claim with a PDF attachment, downloads that attachment back and the
receipt; the check waits for the worker to deliver the claim's e-mail and SMS, looks for the keys the portal wrote
in Redis, finds the attachment's object in the bucket (the same bytes, no public grant) and nothing under
MEDIA_ROOT. Everything it started is stopped, also on failure; if moto_server cannot start, the check fails. Prints
PASS or FAIL; exit status 1 on failure. Not covered: real AWS (IAM policies, encryption at rest, the network), SMTP
(e-mail goes to the console backend, into the server log) and a real TLS proxy (requests carry X-Forwarded-Proto:
https, as bench does).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.run import PY, ROOT, Bench

USERNAME = "000000424242"
MEMBER = "Mario Rossi"
AMOUNT = "12,50"
INVOICE = "F-PC/1"
WORKER_SECONDS = 30.0
S3_SECONDS = 20.0
S3_BUCKET = "mutua-prodcheck"
S3_REGION = "eu-south-1"
S3_PREFIX = "prodcheck"
# Grantees that would make an object readable by anyone, or by any AWS account.
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
CREATE_MEMBER = """
import os
from mutua.members.tests.factories import MemberFactory, UserFactory
user = UserFactory(username=os.environ["PRODCHECK_USERNAME"], password=os.environ["PRODCHECK_PASSWORD"])
MemberFactory(user=user, first_name="Mario", last_name="Rossi")
"""


def log(message: str) -> None:
    print(f"[prod-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def small_pdf(text: str) -> bytes:
    """A one-page PDF saying `text`: the claim's attachment."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buf.getvalue()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def missing_in(text: str, expected: list[str]) -> list[str]:
    """The expected strings that `text` does not contain (whitespace in `text` normalised)."""
    flat = " ".join(text.split())
    return [e for e in expected if e not in flat]


class ProdCheck(Bench):
    ready_path = "/accounts/login/"

    def __init__(self, workdir: Path) -> None:
        super().__init__()
        self.dir = workdir
        self.port = free_port()
        self.db = os.environ.get("PRODCHECK_DB", "") or "mutua_prodcheck"
        self.workers = 2
        self.redis_url = os.environ.get("PRODCHECK_REDIS", "") or "redis://127.0.0.1:6379/15"
        self.password = secrets.token_urlsafe(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.s3_port = free_port()
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.s3_proc: subprocess.Popen[bytes] | None = None
        self.attachment = small_pdf(f"Fattura {INVOICE}")
        # No BENCH_ knob, and no AWS profile, role or bucket of the machine: only the throwaway bucket below.
        for name in [k for k in self.env if k.startswith(("BENCH_", "AWS_"))]:
            del self.env[name]
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": f"{self.server_url}/{self.db}",
                "REDIS_URL": self.redis_url,
                "RATE_LIMITS_ENABLED": "1",
                "MUTUA_VAR_DIR": str(workdir / "var"),
                "MEDIA_ROOT": str(workdir / "media"),
                "STATIC_ROOT": str(workdir / "static"),
                "MUTUA_PUBLIC_URL": f"https://127.0.0.1:{self.port}",
                # The browser speaks http to gunicorn and sends that origin; the proxy header says https.
                "DJANGO_CSRF_TRUSTED_ORIGINS": self.base_url,
                "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # no SMTP server here
                "SMS_BACKEND": "mutua.notifications.sms.ConsoleSmsBackend",
                "LOG_LEVEL": "WARNING",
                "PRODCHECK_USERNAME": USERNAME,
                "PRODCHECK_PASSWORD": self.password,
                # Production's S3 storage (config/settings.py), against moto's S3 server.
                "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
                "AWS_S3_ENDPOINT_URL": self.s3_url,
                "AWS_S3_REGION_NAME": S3_REGION,
                "AWS_ACCESS_KEY_ID": "prodcheck",
                "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(24),
                "AWS_LOCATION": S3_PREFIX,
            }
        )
        # Where the browser goes, and whether it adds the TLS proxy's header itself (no proxy here: gunicorn directly).
        self.browser_url = self.base_url
        self.proxy_header = True
        self.timings: list[tuple[str, float]] = []
        self.failures: list[str] = []
        self.notes: list[str] = []

    def step(self, name: str, action: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return action()
        finally:
            seconds = time.perf_counter() - started
            self.timings.append((name, seconds))
            log(f"{name}: {seconds:.1f} s")

    # --- Set-up -----------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        self.step("database", lambda: self.database(create=True))
        self.step("migrate", lambda: self.sh(PY, "manage.py", "migrate", "--noinput", "-v", "0", quiet=True))
        self.step("member", lambda: self.sh(PY, "manage.py", "shell", "-v", "0", "-c", CREATE_MEMBER, quiet=True))
        self.step("collectstatic", self.collectstatic_strict)
        self.step("messages", self.check_messages)

    def collectstatic_strict(self) -> None:
        findings = self.collectstatic()
        self.failures += findings  # the bench tolerates a broken static reference, the production check does not

    def check_messages(self) -> None:
        """compilemessages would rewrite the committed .mo files in the tree: check each catalogue compiles (into a
        temporary file) and serve the committed ones, as a deployment from this checkout does."""
        for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
            result = subprocess.run(  # noqa: S603
                ["msgfmt", "--check-format", "-o", str(self.dir / "check.mo"), str(po)],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                self.failures.append(f"{po.relative_to(ROOT)} does not compile: {result.stderr.strip()[:500]}")

    # --- S3 (moto's server) --------------------------------------------------------------------------------------

    def s3_client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=S3_REGION,
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2}),
        )

    def start_s3(self) -> None:
        """moto's S3 server on a free local port, and an empty private bucket; a failure fails the check."""
        command = str(Path(PY).parent / "moto_server")
        try:
            with open(self.dir / "server.log", "ab") as output:  # the child keeps its own copy of the handle
                self.s3_proc = subprocess.Popen(  # noqa: S603
                    [command, "-H", "127.0.0.1", "-p", str(self.s3_port)],
                    cwd=ROOT,
                    env=self.env,
                    stdout=output,
                    stderr=output,
                    start_new_session=True,
                )
        except OSError as exc:
            raise SystemExit(f"moto_server cannot start ({exc}): run `make install` (it is in requirements-dev)")
        deadline = time.monotonic() + S3_SECONDS
        while True:
            if self.s3_proc.poll() is not None:
                raise SystemExit(f"moto_server exited with status {self.s3_proc.returncode}, see server.log")
            if time.monotonic() > deadline:
                raise SystemExit(f"moto_server did not answer on {self.s3_url} within {S3_SECONDS:.0f} s")
            conn = http.client.HTTPConnection("127.0.0.1", self.s3_port, timeout=2)
            try:
                conn.request("GET", "/")
                conn.getresponse().read()
            except OSError:
                time.sleep(0.2)
                continue
            finally:
                conn.close()
            if self.s3_proc.poll() is None:  # the answer came from our server, not from whatever held the port
                break
        self.s3_client().create_bucket(Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_REGION})

    def stop_s3(self) -> None:
        proc, self.s3_proc = self.s3_proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever its process group left behind

    def check_s3(self) -> None:
        """The claim's attachment is an object of the bucket, under the row's storage name, with the bytes the
        member uploaded and no public grant; nothing was written to the local MEDIA_ROOT."""
        import psycopg

        with psycopg.connect(f"{self.server_url}/{self.db}", autocommit=True) as conn:
            names = [row[0] for row in conn.execute("SELECT file FROM claims_attachment").fetchall()]
        client = self.s3_client()
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]
        if len(names) != 1 or keys != [f"{S3_PREFIX}/{names[0]}"]:
            self.failures.append(f"S3: the attachment {names} is not the bucket's one object: {keys}")
        else:
            key = keys[0]
            stored = client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()
            grants = client.get_object_acl(Bucket=S3_BUCKET, Key=key)["Grants"]
            public = [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]
            if stored != self.attachment:
                self.failures.append(f"S3: {key} holds {len(stored)} bytes, not the {len(self.attachment)} uploaded")
            elif public:
                self.failures.append(f"S3: {key} is readable by {public}")
            else:
                self.notes.append(f"S3: the attachment is {S3_BUCKET}/{key}, the uploaded bytes, no public grant")
        local = self.local_media_files()
        if local:
            self.failures.append(f"MEDIA_ROOT: {len(local)} file(s) written to the local disk, e.g. {local[0]}")
        else:
            self.notes.append("MEDIA_ROOT: nothing written to the local disk")

    def local_media_files(self) -> list[Path]:
        media = self.dir / "media"
        return [f for f in media.rglob("*") if f.is_file()] if media.exists() else []

    # --- The browser ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def browser_page(self, problems: list[str]) -> Iterator[tuple[Any, Any]]:
        """Headless Chromium on self.browser_url: (context, page); HTTP errors, console and script errors go to
        `problems`."""
        from playwright.sync_api import ConsoleMessage, Response, sync_playwright

        def on_response(response: Response) -> None:
            if response.status >= 400:
                problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(f"console error: {message.text}")

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("PRODCHECK_CHROMIUM", "/usr/bin/chromium"),
                headless=True,
                args=["--no-sandbox"],
            )
            try:
                context = browser.new_context(
                    base_url=self.browser_url,
                    # Without a proxy, the browser sends the TLS proxy's header itself.
                    extra_http_headers={"X-Forwarded-Proto": "https"} if self.proxy_header else None,
                    ignore_https_errors=True,  # a proxy's certificate made for the check
                    accept_downloads=True,
                    locale="it-IT",
                )
                context.set_default_timeout(15_000)
                page = context.new_page()
                page.on("response", on_response)
                page.on("console", on_console)
                page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
                yield context, page
                context.close()
            finally:
                browser.close()

    def sign_in(self, context: Any, page: Any, problems: list[str]) -> None:
        from playwright.sync_api import expect

        from e2e.helpers import fill_login

        response = page.goto("/accounts/login/")
        if response is None or "strict-transport-security" not in response.headers:
            problems.append("no Strict-Transport-Security header: DEBUG on, or the proxy header ignored")
        fill_login(page, USERNAME, self.password)
        expect(page).to_have_url(self.browser_url + "/")
        cookies = {c["name"]: c for c in context.cookies()}
        session = cookies.get("sessionid")
        if not session or not session["secure"] or not session["httpOnly"]:
            problems.append(f"the session cookie is not Secure and HttpOnly: {session}")

    def smoke(self) -> str:
        """Sign in, send a claim with one invoice and its PDF, download the PDF back and the receipt. Returns the
        claim's number."""
        from playwright.sync_api import expect

        from e2e.helpers import open_menu

        attachment = self.dir / "fattura-prodcheck.pdf"
        attachment.write_bytes(self.attachment)
        problems: list[str] = []

        with self.browser_page(problems) as (context, page):

            def sign_in() -> None:
                self.sign_in(context, page, problems)

            def draft() -> None:
                open_menu(page, "Richiesta di rimborso")
                expect(page.get_by_role("heading", name="Richiesta di rimborso", level=1)).to_be_visible()
                page.get_by_role("button", name="Inizia la richiesta").click()
                expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))

            def document() -> None:
                form = page.locator("#form-documento")
                form.get_by_label("Tipo documento").select_option(label="Fattura")
                form.get_by_label("Numero documento").fill(INVOICE)
                form.get_by_label("Data di emissione").fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
                form.get_by_label("Importo totale pagato").fill(AMOUNT)
                form.get_by_label("Provincia del fornitore").select_option("MI")
                form.get_by_label("Nome del fornitore").fill("Studio medico Bianchi")
                form.get_by_label("Intestatario del documento").select_option(label=f"{MEMBER} (socio)")
                form.get_by_label("File del documento").set_input_files([attachment])
                form.get_by_role("button", name="Carica documento").click()
                expect(page.get_by_text("Documento caricato")).to_be_visible()
                rows = page.get_by_role("region", name="Documenti pratica").get_by_test_id("documento")
                expect(rows).to_have_count(1)
                expect(rows.first).to_contain_text(INVOICE)

            def download_attachment() -> None:
                """The member's own file comes back through the portal (from the bucket), byte for byte."""
                rows = page.get_by_role("region", name="Documenti pratica").get_by_test_id("documento")
                with page.expect_download() as info:
                    rows.first.get_by_role("link", name=attachment.name).click()
                data = Path(info.value.path()).read_bytes()
                if data != self.attachment:
                    problems.append(f"the attachment came back as {len(data)} bytes, not the uploaded ones")

            def submit() -> str:
                region = page.get_by_role("region", name="3. Invio della pratica")
                region.get_by_role("link", name="Invia pratica").click()
                window = page.get_by_role("dialog", name="Riepilogo della pratica")  # the summary opens over the form
                expect(window).to_be_visible()
                window.get_by_role("button", name="Invia pratica").click()
                expect(page.get_by_role("heading", name="Pratica inviata", level=1)).to_be_visible()
                status = page.get_by_role("status").filter(has_text="è stata trasmessa")
                expect(status).to_have_text(re.compile(r"La pratica n\. \d+ è stata trasmessa\."))
                found = re.search(r"n\. (\d+)", status.inner_text())
                assert found
                return found.group(1)

            def receipt(claim: str) -> None:
                with page.expect_download() as info:
                    page.get_by_role("link", name="Scarica la ricevuta").click()
                download = info.value
                data = Path(download.path()).read_bytes()
                if download.suggested_filename != f"ricevuta-pratica-{claim}.pdf":
                    problems.append(f"receipt named {download.suggested_filename!r}")
                if not data.startswith(b"%PDF-"):
                    problems.append(f"the receipt is not a PDF: {data[:40]!r}")
                    return
                missing = missing_in(pdf_text(data), [claim, MEMBER, f"€ {AMOUNT}", "fattura-prodcheck.pdf"])
                if missing:
                    problems.append(f"the receipt does not name {missing}")

            self.step("browser: sign in", sign_in)
            self.step("browser: new draft", draft)
            self.step("browser: upload invoice", document)
            self.step("browser: download invoice", download_attachment)
            claim: str = self.step("browser: submit", submit)
            self.step("browser: receipt", lambda: receipt(claim))
        self.failures += problems
        return claim

    def open_claim(self, claim: str) -> None:
        """Sign in, open the claim's page and download its attachment: the same bytes as uploaded (after a restore)."""
        from playwright.sync_api import expect

        problems: list[str] = []
        with self.browser_page(problems) as (context, page):
            self.step("browser: sign in", lambda: self.sign_in(context, page, problems))

            def download() -> None:
                page.goto(f"/pratiche/{claim}/")
                expect(page.get_by_role("heading", level=1)).to_contain_text(claim)
                with page.expect_download() as info:
                    page.get_by_role("link", name="fattura-prodcheck.pdf").first.click()
                data = Path(info.value.path()).read_bytes()
                if data != self.attachment:
                    problems.append(f"the restored attachment is {len(data)} bytes, not the uploaded ones")
                else:
                    self.notes.append(f"restore: claim {claim} opened, its attachment the uploaded bytes")

            self.step("browser: claim and attachment", download)
        self.failures += problems

    def plain_http_redirects(self) -> None:
        """Without the proxy's header a request is plain http: production answers with a redirect to https."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/accounts/login/")
            response = conn.getresponse()
            location = response.getheader("Location") or ""
        finally:
            conn.close()
        if response.status != 301 or not location.startswith("https://"):
            self.failures.append(f"plain http answered {response.status} {location!r}, not a redirect to https")
        else:
            self.notes.append("HTTPS: plain http redirected to https; HSTS header, Secure HttpOnly session cookie")

    # --- What the worker and Redis did -------------------------------------------------------------------------

    def worker_delivered(self, claim: str) -> None:
        """The submission queued an e-mail and an SMS (notify_claim_status); the db_worker must send them."""
        import psycopg

        deadline = time.monotonic() + WORKER_SECONDS
        rows: list[tuple[Any, ...]] = []
        with psycopg.connect(f"{self.server_url}/{self.db}", autocommit=True) as conn:
            while time.monotonic() < deadline:
                rows = conn.execute(
                    "SELECT channel, status, last_error FROM notifications_outboundmessage WHERE body LIKE %s",
                    [f"%{claim}%"],
                ).fetchall()
                if rows and all(status != "queued" for _, status, _ in rows):
                    break
                time.sleep(0.3)
        if not rows:
            self.failures.append(f"no message about claim {claim} was queued")
        elif any(status != "sent" for _, status, _ in rows):
            self.failures.append(f"the worker did not send every message within {WORKER_SECONDS:.0f} s: {rows}")
        else:
            self.notes.append(f"worker: {', '.join(channel for channel, _, _ in rows)} about claim {claim} sent")

    def redis_keys(self) -> set[bytes]:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            return set(client.scan_iter(match=":1:*", count=1000))
        finally:
            client.close()

    def redis_cleanup(self, before: set[bytes]) -> None:
        import redis

        new = self.redis_keys() - before
        if new:
            client = redis.Redis.from_url(self.redis_url)
            try:
                client.delete(*new)
            finally:
                client.close()

    # --- The whole check ---------------------------------------------------------------------------------------

    def check(self) -> bool:
        started = time.perf_counter()
        redis_before: set[bytes] | None = None
        try:
            redis_before = self.redis_keys()
            self.prepare()
            self.step("start S3 (moto_server)", self.start_s3)
            self.step("start gunicorn + db_worker", self.start_server)
            self.plain_http_redirects()
            claim = self.smoke()
            self.step("worker delivered", lambda: self.worker_delivered(claim))
            self.step("S3 bucket", self.check_s3)
            written = self.redis_keys() - redis_before
            if written:
                names = sorted(k.decode(errors="replace") for k in written)
                self.notes.append(f"Redis: {len(written)} keys written, e.g. {', '.join(names[:3])}")
            else:
                self.failures.append("nothing was written to Redis (cache and rate limits should use it)")
        except BaseException as exc:  # also SystemExit from Bench's steps and a Playwright timeout
            self.failures.append(f"{type(exc).__name__}: {str(exc).strip()[:2000]}")
            if isinstance(exc, KeyboardInterrupt):
                raise
        finally:
            self.step("stop", self.stop_server)
            self.step("stop S3", self.stop_s3)
            self.step("drop database", lambda: self.database(create=False))
            if redis_before is not None:
                self.redis_cleanup(redis_before)
        self.timings.append(("total", time.perf_counter() - started))
        return not self.failures

    def summary(self, passed: bool) -> str:
        lines = ["", f"prod-check: {'PASS' if passed else 'FAIL'}"]
        lines += [f"  {name:<28} {seconds:6.1f} s" for name, seconds in self.timings]
        lines += [f"  ok: {note}" for note in self.notes]
        lines += [f"  FAILED: {failure}" for failure in self.failures]
        lines.append(
            "  not covered: real AWS S3 (IAM policies, encryption at rest, the network; moto stands in), "
            "SMTP (console backend), a real TLS proxy"
        )
        if not passed:
            lines.append(f"  server and worker output: {self.dir / 'server.log'}")
        return "\n".join(lines)


def main() -> int:
    keep = ROOT / "var" / "prodcheck"
    keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prodcheck-") as tmp:
        check = ProdCheck(Path(tmp))
        log(f"database {check.db}, gunicorn on {check.base_url}, Redis {check.redis_url}, S3 on {check.s3_url}")
        passed = check.check()
        log_file = Path(tmp) / "server.log"
        if log_file.exists():  # the temporary directory goes away: keep the log where the summary points
            (keep / "server.log").write_bytes(log_file.read_bytes())
            check.dir = keep
        print(check.summary(passed), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
