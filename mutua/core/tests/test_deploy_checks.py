"""`manage.py check --deploy` (run by the image before it serves) refuses each setting that would fail members, with
its own id and a message, in Italian or English, saying what to set."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.utils import translation

from mutua.payouts.checks import SAMPLE_IBAN

PRODUCTION = {
    "DEBUG": False,
    "MUTUA_PUBLIC_URL": "https://soci.mutua.example",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "SMS_BACKEND": "mutua.notifications.sms.HttpGatewaySmsBackend",
    "MUTUA_SHOW_OUTBOX": False,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r:6379/0"}},
    "MUTUA_SEPA_IBAN": "IT70B0306909606100000000123",
    "WEB_CONCURRENCY": 4,
    "APP_HOSTS": 1,
    "MEDIA_ROOT_SHARED": False,
    "MFA_SECRET_KEYS": ["3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    "CLAMD_URL": "unix:///var/run/clamav/clamd.ctl",
    "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},  # a worker beside
}
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
S3 = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
OURS = ("core.", "notifications.", "documents.", "payouts.", "accounts.")


def errors(**overrides: object) -> dict[str, checks.CheckMessage]:
    with override_settings(**{**PRODUCTION, **overrides}):
        found = checks.run_checks(include_deployment_checks=True)
    return {m.id: m for m in found if m.level >= checks.ERROR and m.id and m.id.startswith(OURS)}


def test_a_production_configuration_passes_the_deploy_checks():
    assert errors() == {}
    with override_settings(**PRODUCTION):
        call_command("check", "--deploy", "--fail-level", "ERROR")


@pytest.mark.parametrize(
    ("overrides", "check_id", "what_to_set"),
    [
        ({"MUTUA_PUBLIC_URL": ""}, "core.E001", "MUTUA_PUBLIC_URL"),
        ({"MFA_SECRET_KEYS": []}, "accounts.E001", "MFA_SECRET_KEYS"),
        ({"MFA_SECRET_KEYS": ["not-a-key"]}, "accounts.E002", "MFA_SECRET_KEYS"),
        ({"MUTUA_PUBLIC_URL": "soci.mutua.example"}, "core.E001", "MUTUA_PUBLIC_URL"),
        ({"MUTUA_PUBLIC_URL": "http://127.0.0.1:8000"}, "core.E002", "MUTUA_PUBLIC_URL"),
        ({"MUTUA_PUBLIC_URL": "https://localhost:8443"}, "core.E002", "MUTUA_PUBLIC_URL"),
        ({"MUTUA_PUBLIC_URL": "https://192.168.1.20"}, "core.E002", "MUTUA_PUBLIC_URL"),
        ({"MUTUA_PUBLIC_URL": "http://web:8000"}, "core.E002", "MUTUA_PUBLIC_URL"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "notifications.E001", "EMAIL_HOST"),
        ({"SMS_BACKEND": "mutua.notifications.sms.ConsoleSmsBackend"}, "notifications.E002", "SMS_GATEWAY_URL"),
        ({"MUTUA_SHOW_OUTBOX": True}, "notifications.E003", "MUTUA_SHOW_OUTBOX=0"),
        (
            {"SMS_BACKEND": "mutua.notifications.twilio.TwilioSmsBackend", "TWILIO_AUTH_TOKEN": ""},
            "notifications.E004",
            "TWILIO_AUTH_TOKEN",
        ),
        ({"CACHES": LOCAL_CACHE}, "core.E003", "REDIS_URL"),
        ({"CACHES": LOCAL_CACHE, "WEB_CONCURRENCY": 1, "APP_HOSTS": 2, "STORAGES": S3}, "core.E003", "REDIS_URL"),
        ({"MUTUA_SEPA_IBAN": SAMPLE_IBAN}, "payouts.E002", "MUTUA_SEPA_IBAN"),
        ({"MUTUA_SEPA_IBAN": SAMPLE_IBAN, "DEBUG": True}, "payouts.E002", "MUTUA_SEPA_IBAN"),
        ({"APP_HOSTS": 2}, "documents.E001", "AWS_STORAGE_BUCKET_NAME"),
    ],
)
def test_each_bad_setting_fails_the_deploy_check_with_its_own_id(overrides, check_id, what_to_set):
    found = errors(**overrides)
    assert list(found) == [check_id]
    with translation.override("it"):
        italian = str(errors(**overrides)[check_id])
    with translation.override("en"):
        english = str(errors(**overrides)[check_id])
    assert what_to_set in italian and what_to_set in english
    assert "Imposta" in italian or "Controlla" in italian or "Lascia" in italian
    assert "Set " in english or "Leave" in english or "Check" in english
    with override_settings(**{**PRODUCTION, **overrides}), pytest.raises(SystemCheckError, match=check_id):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_one_web_process_beside_a_task_worker_needs_a_shared_cache_too():
    """The worker writes the password reset's phantom codes, the web process reads them: in two caches an unknown
    username would get «Richiedi un nuovo codice.» where a member gets «Il codice non è corretto…»."""
    found = errors(CACHES=LOCAL_CACHE, WEB_CONCURRENCY=1, APP_HOSTS=1)
    assert list(found) == ["core.E003"] and "REDIS_URL" in str(found["core.E003"])


def test_one_process_running_its_tasks_itself_may_keep_its_own_cache():
    tasks = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert errors(CACHES=LOCAL_CACHE, WEB_CONCURRENCY=1, APP_HOSTS=1, TASKS=tasks) == {}


def test_several_machines_may_share_media_root_on_a_network_disk_or_use_a_bucket():
    assert errors(APP_HOSTS=3, MEDIA_ROOT_SHARED=True) == {}
    assert errors(APP_HOSTS=3, STORAGES=S3) == {}


def test_without_deploy_the_checks_stay_quiet_so_make_run_starts():
    local = {"MUTUA_PUBLIC_URL": "http://127.0.0.1:8000", "MUTUA_SHOW_OUTBOX": True, "CACHES": LOCAL_CACHE}
    with override_settings(**{**PRODUCTION, **local}):
        call_command("check", "--fail-level", "ERROR")


def test_without_clamd_the_deploy_check_warns_that_files_are_not_scanned():
    with override_settings(**{**PRODUCTION, "CLAMD_URL": ""}):
        found = {m.id: m for m in checks.run_checks(include_deployment_checks=True)}
        call_command("check", "--deploy", "--fail-level", "ERROR")  # a warning: the containers still start
    assert found["documents.W001"].level == checks.WARNING and "CLAMD_URL" in str(found["documents.W001"])
    with override_settings(**PRODUCTION):
        assert "documents.W001" not in {m.id for m in checks.run_checks(include_deployment_checks=True)}


def test_twilio_with_its_account_passes_the_deploy_checks():
    twilio = {"SMS_BACKEND": "mutua.notifications.twilio.TwilioSmsBackend"}
    assert errors(**twilio, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="f" * 32) == {}
