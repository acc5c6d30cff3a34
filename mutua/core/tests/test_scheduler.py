"""`manage.py run_scheduler`: the daily jobs from the SCHEDULE_* settings, listed, run once, and a wrong crontab."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from mutua.core.management.commands import run_scheduler
from mutua.core.management.commands.run_scheduler import Job, jobs, run_job


def test_the_daily_jobs_and_the_recovery_come_from_the_settings_and_off_turns_one_off(settings) -> None:
    assert [job.name for job in jobs()] == [
        "purge_drafts",
        "send_suspension_reminders",
        "import_registry_nightly",
        "prune_task_results",
        "recover_deliveries",
        "purge_data_exports",
    ]
    prune = jobs()[3]
    assert prune.command[0] == "prune_db_task_results"
    assert f"--min-age-days={settings.TASK_RESULT_RETENTION_DAYS}" in prune.command
    recover = jobs()[4]
    assert recover.command[0] == "recover_deliveries" and recover.crontab == "* * * * *" and recover.frequent
    settings.SCHEDULE_SUSPENSION_REMINDERS = "off"
    settings.SCHEDULE_REGISTRY_IMPORT = "off"
    assert [job.name for job in jobs()] == [
        "purge_drafts",
        "prune_task_results",
        "recover_deliveries",
        "purge_data_exports",
    ]


@pytest.mark.django_db
def test_the_recovery_every_minute_logs_its_runs_only_at_debug(caplog) -> None:
    caplog.set_level("INFO", logger="mutua.scheduler")
    with mock.patch.object(run_scheduler, "call_command"):
        assert run_job(Job("often", "* * * * *", ("often",), frequent=True)) is True
        assert run_job(Job("daily", "0 3 * * *", ("daily",))) is True
    assert "often" not in caplog.text and "scheduled job daily done" in caplog.text


def test_list_prints_each_job_with_its_next_run_in_rome(settings) -> None:
    settings.SCHEDULE_PURGE_DRAFTS = "15 4 * * *"
    out = io.StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("purge_drafts") and "15 4 * * *" in lines[0] and "04:15" in lines[0]
    assert "CET" in lines[0] or "CEST" in lines[0]


@pytest.mark.django_db
def test_a_wrong_crontab_stops_the_scheduler_before_anything_runs(settings) -> None:
    settings.SCHEDULE_PRUNE_TASK_RESULTS = "every night"
    with mock.patch.object(run_scheduler, "call_command") as ran, pytest.raises(CommandError, match="prune_task"):
        call_command("run_scheduler", "--once")
    ran.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_once_runs_every_job_against_the_database(settings) -> None:
    """No test transaction around the jobs, as in production: the scheduler closes its connection between jobs."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    call_command("run_scheduler", "--once")


@pytest.mark.django_db
def test_a_failing_job_is_logged_the_others_still_run_and_once_fails(caplog) -> None:
    def fake(name: str, *args: str) -> None:
        if name == "purge_drafts":
            raise RuntimeError("database down")

    with (
        mock.patch.object(run_scheduler, "call_command", side_effect=fake) as ran,
        pytest.raises(CommandError, match="failed: purge_drafts"),
    ):
        call_command("run_scheduler", "--once")
    assert ran.call_count == 6
    assert "scheduled job purge_drafts failed" in caplog.text
    with mock.patch.object(run_scheduler, "call_command"):
        assert run_job(Job("fine", "* * * * *", ("fine",))) is True
