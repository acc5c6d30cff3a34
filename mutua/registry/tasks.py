"""The worker's task of a registry run (mutua.registry.runs): it takes the run's id, never the run."""

from __future__ import annotations

from django_tasks import task

from mutua.registry.runs import registry_run_execute


@task()
def registry_run_task(*, run_id: int, dry_run: bool) -> None:
    registry_run_execute(run_id=run_id, dry_run=dry_run)
