"""`manage.py run_scheduler`: the daily jobs, in one long-running process (docs/operations.md, Scheduled jobs).

    manage.py run_scheduler            # runs until stopped (SIGTERM, Ctrl-C)
    manage.py run_scheduler --list     # each job, its crontab and its next run
    manage.py run_scheduler --once     # every job now, one after the other; exit status 1 if one failed

APScheduler's cron triggers fire each job at the crontab time of its SCHEDULE_* setting in TIME_ZONE (Europe/Rome:
the jobs follow daylight saving time). A job is a management command, run in this process. One run at a time per
job; a run missed while the process was down is made up once if it is less than an hour late, skipped otherwise
(the jobs are daily and idempotent: the next day's run catches up). Run exactly one scheduler per deployment.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

logger = logging.getLogger("mutua.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    crontab: str
    command: tuple[str, ...]
    # A job that runs every minute logs its runs at DEBUG only (its failures and what it does at WARNING and above).
    frequent: bool = False

    def trigger(self) -> CronTrigger:
        try:
            return CronTrigger.from_crontab(self.crontab, timezone=ZoneInfo(settings.TIME_ZONE))
        except ValueError as exc:
            raise CommandError(f"{self.name}: {self.crontab!r} is not a crontab line ({exc})") from exc


def jobs() -> list[Job]:
    """The jobs that are on, from the settings."""
    every = [
        Job("purge_drafts", settings.SCHEDULE_PURGE_DRAFTS, ("purge_drafts",)),
        Job("send_suspension_reminders", settings.SCHEDULE_SUSPENSION_REMINDERS, ("send_suspension_reminders",)),
        Job("import_registry_nightly", settings.SCHEDULE_REGISTRY_IMPORT, ("import_registry_nightly",)),
        # django-tasks-db's own command: finished task rows, every queue, older than the retention.
        Job(
            "prune_task_results",
            settings.SCHEDULE_PRUNE_TASK_RESULTS,
            ("prune_db_task_results", "--queue-name", "*", f"--min-age-days={settings.TASK_RESULT_RETENTION_DAYS}"),
        ),
        # Tasks and messages left by a worker that died (mutua.notifications.outbox).
        Job(
            "recover_deliveries",
            settings.SCHEDULE_RECOVER_DELIVERIES,
            ("recover_deliveries", "--verbosity", "0"),
            frequent=True,
        ),
        # "Scarica i miei dati": copies past their 7 days (mutua.privacy).
        Job("purge_data_exports", settings.SCHEDULE_PURGE_DATA_EXPORTS, ("purge_data_exports",)),
    ]
    return [job for job in every if job.crontab.strip().lower() != "off"]


def run_job(job: Job) -> bool:
    """Runs one job; a failure is logged, never raised, so that the scheduler and the other jobs go on."""
    close_old_connections()
    started = time.monotonic()
    try:
        call_command(*job.command)
    except Exception:
        logger.exception("scheduled job %s failed", job.name)
        return False
    finally:
        close_old_connections()
    logger.log(
        logging.DEBUG if job.frequent else logging.INFO,
        "scheduled job %s done in %.1f s",
        job.name,
        time.monotonic() - started,
    )
    return True


class Command(BaseCommand):
    help = (
        "Runs the daily jobs (drafts purge, suspension reminders, task-result pruning) and the recovery of deliveries "
        "at their SCHEDULE_* times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="print each job, its crontab and its next run")
        parser.add_argument("--once", action="store_true", help="run every job now, once, and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduled = jobs()
        triggers = {job.name: job.trigger() for job in scheduled}  # a wrong crontab stops here, before anything runs
        if options["once"]:
            failed = [job.name for job in scheduled if not run_job(job)]
            if failed:
                raise CommandError(f"failed: {', '.join(failed)}")
            return
        tz = ZoneInfo(settings.TIME_ZONE)
        if options["list"]:
            now = datetime.now(tz)
            for job in scheduled:
                upcoming = triggers[job.name].get_next_fire_time(None, now)
                self.stdout.write(f"{job.name:<28} {job.crontab:<14} next {upcoming:%Y-%m-%d %H:%M %Z}")
            return
        scheduler = BlockingScheduler(
            timezone=tz, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        for job in scheduled:
            scheduler.add_job(run_job, triggers[job.name], args=[job], id=job.name, name=job.name)

        def stop(signum: int, frame: object) -> None:
            logger.info("scheduler stopping (signal %d)", signum)
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logger.info(
            "scheduler started: %s", "; ".join(f"{job.name} at {job.crontab!r}" for job in scheduled) or "no job"
        )
        scheduler.start()
