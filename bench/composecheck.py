"""`make compose-check`: the compose stack (compose.yaml) on this machine, driven by the production check's browser,
backed up, destroyed and restored.

    .venv/bin/python -m bench.composecheck        (after `make image`)

1. Images: `make image`'s mutua image; PostgreSQL, Redis, an S3 server (moto), Caddy and clamd built from Debian's
   packages (deploy/local-images/, on deploy/base-image.sh's base), since no registry can be reached here; compose.yaml
   selects them through POSTGRES_IMAGE, REDIS_IMAGE, S3_IMAGE, PROXY_IMAGE and CLAMAV_IMAGE.
2. An env file made from .env.example as it is, with this run's values: a random secret key and passwords, free
   ports (the host's own PostgreSQL and Redis keep 5432 and 6379), the bucket, a self-signed certificate for Caddy,
   e-mail to an SMTP server of this process (aiosmtpd) and SMS to an HTTP gateway of this process.
3. `docker compose --profile s3 --profile proxy up -d`: db, redis, migrate, web, worker, scheduler, s3, s3-bucket,
   proxy. A member is created from the host (the test factories are not in the image).
4. bench/prodcheck.py's journey through Caddy over HTTPS: sign-in, a claim with a PDF, the PDF back, the receipt.
   The worker must deliver the e-mail (it reaches the SMTP server) and the SMS (the gateway gets it), the bucket must
   hold the attachment, Redis the portal's keys; /healthz and /readyz answer through Caddy (every check ok) and the
   worker's healthcheck is healthy; the scheduler runs every job once.
5. Backup (pg_dump of the database, `manage.py backup_media` of the bucket), `down -v` (containers and volumes gone),
   restore into a fresh database and bucket (pg_restore, `manage.py restore_media`), `up -d`; the browser signs in,
   opens the claim and downloads its attachment: the uploaded bytes.
6. `down -v --remove-orphans` and the temporary files removed, also on failure or Ctrl-C. The images stay (they are
   the build cache of the next run).

Prints each step's time and PASS or FAIL; exit status 1 on failure. The containers' logs are kept in
var/composecheck/compose.log.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import http.server
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.prodcheck import CREATE_MEMBER, S3_BUCKET, S3_PREFIX, S3_REGION, ProdCheck, free_port, log
from bench.run import PY, ROOT

PROJECT = "mutua-composecheck"
IMAGE = os.environ.get("IMAGE", "") or "mutua:latest"
LOCAL_IMAGES = ROOT / "deploy" / "local-images"
HEALTH_SECONDS = 180.0
DELIVERY_SECONDS = 60.0
MANAGE = ("/app/deploy/entrypoint.sh", "manage")
# Run in the worker container: what its clamd says of the EICAR test string (built in two halves, so that this file
# is not itself the test file).
EICAR_SCAN = (
    "import io; from mutua.documents.scanning import content_scan; "
    "print(content_scan(io.BytesIO(b'X5O!P%@AP[4\\\\PZX54(P^)7CC)7}$EICAR-' + b'STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')))"
)


def compose_command() -> list[str]:
    """Compose v2 (`docker compose`) where it is installed, else v1 (`docker-compose`, Debian's package)."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0:  # noqa: S607
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SystemExit("compose-check: Docker Compose is missing: apt-get install docker-compose (or the compose plugin)")


def env_file_from_example(values: dict[str, str]) -> str:
    """.env.example with each NAME=value line of `values` replaced; every other line as it is."""
    lines = []
    left = dict(values)
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        name, sep, _ = line.partition("=")
        if sep and not line.startswith("#") and name in left:
            line = f"{name}={left.pop(name)}"
        lines.append(line)
    if left:
        raise SystemExit(f"compose-check: .env.example lacks {sorted(left)}")
    return "\n".join(lines) + "\n"


def self_signed_certificate(directory: Path, host: str) -> None:
    """cert.pem and key.pem for `host`, valid a day: the proxy's certificate for this run."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    for path in (directory, directory / "cert.pem", directory / "key.pem"):
        path.chmod(0o755 if path.is_dir() else 0o644)


class SmsGateway(http.server.ThreadingHTTPServer):
    """The SMS gateway HttpGatewaySmsBackend posts to: keeps each message whose bearer token is right."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    self.send_response(401)
                else:
                    gateway.messages.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class ComposeCheck(ProdCheck):
    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.compose = compose_command()
        self.log_file = workdir / "compose.log"
        self.backup = workdir / "backup"
        self.db_password = secrets.token_urlsafe(18)
        self.ports = {
            name: free_port()
            for name in ("POSTGRES_PORT", "REDIS_PORT", "WEB_PORT", "S3_PORT", "PROXY_HTTP_PORT", "PROXY_HTTPS_PORT")
        }
        self.port = self.ports["WEB_PORT"]  # plain_http_redirects: gunicorn itself, without the proxy's header
        self.db = "mutua"
        self.server_url = f"postgres://mutua:{self.db_password}@127.0.0.1:{self.ports['POSTGRES_PORT']}"
        self.redis_url = f"redis://127.0.0.1:{self.ports['REDIS_PORT']}/0"
        self.s3_port = self.ports["S3_PORT"]
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.browser_url = f"https://localhost:{self.ports['PROXY_HTTPS_PORT']}"
        self.proxy_header = False  # Caddy adds it
        self.sms = SmsGateway(secrets.token_urlsafe(16))
        self.smtp: Any = None
        self.mails: list[email.message.Message] = []
        self.env_file = workdir / "mutua.env"
        self.images: dict[str, str] = {}
        self.started = False
        # The host-side commands (the member's creation) reach the stack's database.
        self.env.update({"DATABASE_URL": f"{self.server_url}/{self.db}", "REDIS_URL": self.redis_url})

    # --- Commands ---------------------------------------------------------------------------------------------

    def run(self, *args: str, stdin: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        with open(self.log_file, "ab") as output:
            output.write(f"\n$ {' '.join(args)}\n".encode())
            output.flush()
            result = subprocess.run(  # noqa: S603 (our own commands)
                args,
                cwd=ROOT,
                stdin=open(stdin, "rb") if stdin else subprocess.DEVNULL,  # noqa: SIM115 (closed with the process)
                stdout=subprocess.PIPE,
                stderr=output,
                check=False,
            )
            output.write(result.stdout[-4000:])
        if check and result.returncode:
            raise SystemExit(f"compose-check: {' '.join(args[:6])} … failed ({result.returncode}), see the log")
        return result

    def dc(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        profiles = ["--profile", "s3", "--profile", "proxy"]
        base = [*self.compose, "-p", PROJECT, "--env-file", str(self.env_file), "-f", "compose.yaml", *profiles]
        return self.run(*base, *args, **kwargs)

    def container(self, service: str) -> str:
        ids = self.dc("ps", "-q", service).stdout.decode().split()
        if not ids:
            raise SystemExit(f"compose-check: no {service} container")
        return ids[0]

    # --- Set-up -----------------------------------------------------------------------------------------------

    def build_images(self) -> None:
        if self.run("docker", "image", "inspect", IMAGE, check=False).returncode:
            raise SystemExit(f"compose-check: the image {IMAGE} is missing: run `make image`")
        base = subprocess.run(  # noqa: S603
            [str(ROOT / "deploy" / "base-image.sh")], capture_output=True, text=True, check=False
        )
        if base.returncode:
            raise SystemExit(f"compose-check: no base image: {base.stderr.strip()}")
        wheels = LOCAL_IMAGES / "build" / "wheels"
        stamp = wheels / ".lock"
        lock = (LOCAL_IMAGES / "s3-requirements.lock").read_text(encoding="utf-8")
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != lock:
            self.run(str(ROOT / "deploy" / "wheels.sh"), str(LOCAL_IMAGES / "s3-requirements.lock"), str(wheels))
            stamp.write_text(lock, encoding="utf-8")
        images = (("postgres", "POSTGRES"), ("redis", "REDIS"), ("s3", "S3"), ("proxy", "PROXY"), ("clamav", "CLAMAV"))
        for name, variable in images:
            tag = f"{PROJECT}/{name}:latest"
            self.run(
                "docker", "build", "--quiet", "--network", "host", "--build-arg", f"BASE_IMAGE={base.stdout.strip()}",
                "-t", tag, "-f", str(LOCAL_IMAGES / f"{name}.Dockerfile"), str(LOCAL_IMAGES),
            )  # fmt: skip
            self.images[f"{variable}_IMAGE"] = tag

    def start_sinks(self) -> None:
        from aiosmtpd.controller import Controller

        mails = self.mails

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's)
                mails.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        threading.Thread(target=self.sms.serve_forever, daemon=True).start()

    def stop_sinks(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
        self.sms.shutdown()
        self.sms.server_close()

    def write_env_file(self) -> None:
        certs = self.dir / "certs"
        self_signed_certificate(certs, "localhost")
        values = {
            **self.ports,
            **self.images,
            "MUTUA_IMAGE": IMAGE,
            "MUTUA_ENV_FILE": str(self.env_file),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "MFA_SECRET_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # a Fernet key
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DJANGO_CSRF_TRUSTED_ORIGINS": self.browser_url,
            # The links printed on receipts and cards: a public name, as `check --deploy` demands before the containers
            # serve (core.E002 refuses localhost); the browser journey does not follow them.
            "MUTUA_PUBLIC_URL": "https://soci.mutua.example",
            "DATABASE_URL": f"{self.server_url}/{self.db}",
            "POSTGRES_PASSWORD": self.db_password,
            "REDIS_URL": self.redis_url,
            "MUTUA_SEPA_IBAN": "IT25O0306909606100000012345",
            "WEB_CONCURRENCY": "2",
            "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": S3_REGION,
            "AWS_ACCESS_KEY_ID": self.env["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": self.env["AWS_SECRET_ACCESS_KEY"],
            "AWS_LOCATION": S3_PREFIX,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp.port),
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{self.sms.server_address[1]}/sms",
            "SMS_GATEWAY_TOKEN": self.sms.token,
            "MUTUA_DOMAIN": "localhost",
            "PROXY_TLS": "/certs/cert.pem /certs/key.pem",
            "PROXY_BIND": "127.0.0.1",
            "PROXY_CERTS_DIR": str(certs),
        }
        self.env_file.write_text(env_file_from_example(values), encoding="utf-8")

    def wait_healthy(self) -> None:
        """web healthy (its healthcheck: the login page), migrate exited 0, the proxy and the bucket ready."""
        deadline = time.monotonic() + HEALTH_SECONDS
        web = self.container("web")
        while True:
            state = json.loads(self.run("docker", "inspect", "--format", "{{json .State}}", web).stdout)
            health = (state.get("Health") or {}).get("Status")
            if health == "healthy":
                break
            if not state.get("Running") or time.monotonic() > deadline:
                raise SystemExit(f"compose-check: web is {state.get('Status')}, health {health}: see the log")
            time.sleep(1)
        for service in ("migrate", "s3-bucket"):
            state = json.loads(
                self.run("docker", "inspect", "--format", "{{json .State}}", self.container(service)).stdout
            )
            while state.get("Running") and time.monotonic() < deadline:
                time.sleep(0.5)
                state = json.loads(
                    self.run("docker", "inspect", "--format", "{{json .State}}", self.container(service)).stdout
                )
            if state.get("Running") or state.get("ExitCode"):
                raise SystemExit(f"compose-check: {service} did not finish well: {state.get('ExitCode')}")
        while self.proxy_status() is None:
            if time.monotonic() > deadline:
                raise SystemExit("compose-check: the proxy does not answer on its HTTPS port")
            time.sleep(0.5)

    def proxy_status(self) -> int | None:
        import ssl
        import urllib.error
        import urllib.request

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with urllib.request.urlopen(f"{self.browser_url}/accounts/login/", context=context, timeout=5) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def up(self) -> None:
        self.started = True
        self.dc("up", "-d")
        self.wait_healthy()

    def prepare(self) -> None:
        self.step("images (local PostgreSQL, Redis, S3, Caddy, ClamAV)", self.build_images)
        self.start_sinks()
        self.write_env_file()
        self.step("compose up", self.up)
        self.step("member", lambda: self.sh(PY, "manage.py", "shell", "-v", "0", "-c", CREATE_MEMBER, quiet=True))

    def local_media_files(self) -> list[Path]:
        """With a bucket, nothing may be written to the media volume."""
        found = self.dc("exec", "-T", "web", "find", "/data/media", "-type", "f").stdout.decode().split()
        return [Path(name) for name in found]

    # --- What the worker delivered, what the scheduler ran ------------------------------------------------------

    def delivered_outside(self, claim: str) -> None:
        """The e-mail reached the SMTP server and the SMS the gateway, both about the claim."""
        deadline = time.monotonic() + DELIVERY_SECONDS

        def mail_about() -> list[email.message.Message]:
            return [m for m in self.mails if claim in self.mail_text(m)]

        while time.monotonic() < deadline and not (mail_about() and self.sms_about(claim)):
            time.sleep(0.3)
        if not mail_about():
            self.failures.append(f"no e-mail about claim {claim} reached the SMTP server ({len(self.mails)} others)")
        elif not self.sms_about(claim):
            self.failures.append(f"no SMS about claim {claim} reached the gateway ({len(self.sms.messages)} others)")
        else:
            mail = mail_about()[0]
            self.notes.append(
                f"SMTP: {mail['To']} got {mail['Subject']!r}; SMS gateway: {self.sms_about(claim)[0]['to']}"
            )

    @staticmethod
    def mail_text(message: email.message.Message) -> str:
        parts = message.walk() if message.is_multipart() else [message]
        return " ".join(
            str(part.get_payload(decode=True).decode(errors="replace"))  # type: ignore[union-attr]
            for part in parts
            if part.get_content_maintype() == "text"
        )

    def sms_about(self, claim: str) -> list[dict[str, Any]]:
        return [m for m in self.sms.messages if claim in m.get("text", "")]

    def scheduler_runs(self) -> None:
        self.dc("exec", "-T", "scheduler", *MANAGE, "run_scheduler", "--once")
        self.notes.append(
            "scheduler: running; purge_drafts, send_suspension_reminders, prune_task_results, recover_deliveries "
            "ran once"
        )

    def health(self) -> None:
        """/healthz and /readyz through the proxy (every check ok, nothing else said); the worker's healthcheck
        (manage.py readiness database tasks) healthy."""
        import ssl
        import urllib.request

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(f"{self.browser_url}/healthz", context=context, timeout=10) as answer:  # noqa: S310
            if answer.status != 200:
                self.failures.append(f"/healthz answered {answer.status}")
        with urllib.request.urlopen(f"{self.browser_url}/readyz", context=context, timeout=30) as answer:  # noqa: S310
            ready = json.loads(answer.read())
        checks = {"database": "ok", "cache": "ok", "storage": "ok", "tasks": "ok", "antivirus": "ok"}
        expected = {"status": "ok", "checks": checks}
        if ready != expected:
            self.failures.append(f"/readyz answered {ready}")
        deadline = time.monotonic() + HEALTH_SECONDS
        worker = self.container("worker")
        while True:
            state = json.loads(self.run("docker", "inspect", "--format", "{{json .State}}", worker).stdout)
            health = (state.get("Health") or {}).get("Status")
            if health == "healthy":
                break
            if health == "unhealthy" or time.monotonic() > deadline:
                self.failures.append(f"the worker's healthcheck is {health}")
                return
            time.sleep(2)
        self.notes.append(
            "health: /healthz 200, /readyz ok (database, cache, storage, tasks, antivirus), worker healthy"
        )

    def malware_scan(self) -> None:
        """The worker had the claim's attachment scanned by the clamav service (clean), and that clamd finds the
        EICAR test string when the worker container streams it (the app's own client, CLAMD_URL of the env file)."""
        import psycopg

        deadline = time.monotonic() + DELIVERY_SECONDS
        with psycopg.connect(f"{self.server_url}/{self.db}", autocommit=True) as conn:
            while True:
                rows = conn.execute("SELECT scan_status FROM claims_attachment").fetchall()
                if (rows and all(status != "pending" for (status,) in rows)) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        if [status for (status,) in rows] != ["clean"]:
            self.failures.append(f"clamav: the attachment's scan is {rows}, not clean")
            return
        found = (
            self.dc("exec", "-T", "worker", *MANAGE, "shell", "-v", "0", "-c", EICAR_SCAN, check=False)
            .stdout.decode()
            .strip()
        )
        if "EICAR" not in found:
            self.failures.append(f"clamav: the EICAR test string was not found: {found!r}")
        else:
            self.notes.append(f"clamav: the attachment scanned clean; the EICAR test string found ({found})")

    # --- Backup and restore -------------------------------------------------------------------------------------

    def back_up(self) -> None:
        self.backup.mkdir()
        dump = self.run("docker", "exec", self.container("db"), "pg_dump", "-Fc", "-U", "mutua", "mutua").stdout
        (self.backup / "mutua.dump").write_bytes(dump)
        media = self.run("docker", "exec", self.container("web"), *MANAGE, "backup_media", "-").stdout
        (self.backup / "media.tar").write_bytes(media)
        size = (self.backup / "media.tar").stat().st_size
        self.notes.append(f"backup: pg_dump {len(dump)} bytes, media archive {size} bytes")

    def destroy(self) -> None:
        self.dc("down", "-v", "--remove-orphans")

    def restore(self) -> None:
        """A fresh database and bucket (new volumes, a new S3 server), the backup restored, then the whole stack."""
        self.dc("up", "-d", "db", "s3")
        deadline = time.monotonic() + HEALTH_SECONDS
        db = self.container("db")
        while self.run("docker", "exec", db, "pg_isready", "-h", "127.0.0.1", "-U", "mutua", check=False).returncode:
            if time.monotonic() > deadline:
                raise SystemExit("compose-check: the fresh database does not answer")
            time.sleep(0.5)
        self.run(
            "docker", "exec", "-i", db, "pg_restore", "-U", "mutua", "-d", "mutua", "--no-owner", "--exit-on-error",
            stdin=self.backup / "mutua.dump",
        )  # fmt: skip
        self.up()  # migrate has nothing to do; s3-bucket creates the fresh bucket
        self.run(
            "docker",
            "exec",
            "-i",
            self.container("web"),
            *MANAGE,
            "restore_media",
            "-",
            stdin=self.backup / "media.tar",
        )

    # --- The whole check ---------------------------------------------------------------------------------------

    def check(self) -> bool:
        started = time.perf_counter()
        try:
            self.prepare()
            self.plain_http_redirects()
            redis_before = self.redis_keys()
            claim = self.smoke()
            self.step("worker delivered", lambda: self.worker_delivered(claim))
            self.step("SMTP and SMS gateway", lambda: self.delivered_outside(claim))
            self.step("S3 bucket", self.check_s3)
            self.step("malware scan (clamav service)", self.malware_scan)
            self.step("health: /healthz, /readyz, the worker's healthcheck", self.health)
            if self.redis_keys() - redis_before:
                self.notes.append("Redis: the portal wrote its keys (sessions, rate limits)")
            else:
                self.failures.append("nothing was written to Redis (cache and rate limits should use it)")
            self.step("scheduler --once", self.scheduler_runs)
            self.step("backup", self.back_up)
            self.step("down -v", self.destroy)
            self.step("restore into a fresh database and bucket", self.restore)
            self.open_claim(claim)
        except BaseException as exc:  # also SystemExit from the steps and a Playwright timeout
            self.failures.append(f"{type(exc).__name__}: {str(exc).strip()[:2000]}")
            if isinstance(exc, KeyboardInterrupt):
                raise
        finally:
            if self.started:
                self.dc("logs", "--no-color", check=False)
                self.step("down -v (clean-up)", lambda: self.dc("down", "-v", "--remove-orphans", check=False))
            self.stop_sinks()
        self.timings.append(("total", time.perf_counter() - started))
        return not self.failures

    def summary(self, passed: bool) -> str:
        text = super().summary(passed).replace("prod-check:", "compose-check:")
        return (
            text.replace(
                "not covered: real AWS S3 (IAM policies, encryption at rest, the network; moto stands in), "
                "SMTP (console backend), a real TLS proxy",
                "not covered: the official PostgreSQL, Redis, SeaweedFS, Caddy and ClamAV images (Debian's packages "
                "stand in, moto for the S3 store, and clamd knows only the EICAR test signatures), Let's Encrypt, a "
                "real SMTP relay and SMS gateway",
            )
            .replace("server and worker output", "the containers' output")
            .replace("server.log", "compose.log")
        )


def main() -> int:
    keep = ROOT / "var" / "composecheck"
    keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="composecheck-") as tmp:
        check = ComposeCheck(Path(tmp))
        log(f"{' '.join(check.compose)}, project {PROJECT}, ports {check.ports}")
        passed = check.check()
        if check.log_file.exists():
            shutil.copy(check.log_file, keep / "compose.log")
            check.dir = keep
        print(check.summary(passed), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
