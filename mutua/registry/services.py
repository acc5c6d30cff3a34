"""The import of the mutual's core registry: regional offices, plans, members, family members, enrollments and
contributions, each from its own CSV or JSON file, streamed a chunk at a time and written set-based.

Idempotent: a row equal to what is stored writes nothing. Each entity's file is one transaction: a file that
cannot be read to its end leaves nothing of that entity behind, while an invalid row is only reported (in the
error file) and skipped. Nothing is ever deleted: a member a full export no longer lists is flagged.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutua.accounts.models import Role, User
from mutua.audit.services import audit_record
from mutua.members.models import Member
from mutua.registry.errors import ErrorFile, RowIssue
from mutua.registry.files import BENEFICIARY, COLUMNS, MEMBER, RawRow, RegistryFile, RegistryFileError, check_columns
from mutua.registry.people import BeneficiarySync, MemberSync
from mutua.registry.rows import CleanRow, value_of
from mutua.registry.sync import ContributionSync, EnrollmentSync, EntitySync, OfficeSync, PlanSync, SyncContext

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
SHOWN_ISSUES = 100  # kept in memory for the report and the page; every one goes to the error file
REGISTRY_USERNAME = "registro"
SYNCS: dict[str, type[EntitySync]] = {
    sync.name: sync for sync in (OfficeSync, PlanSync, MemberSync, BeneficiarySync, EnrollmentSync, ContributionSync)
}
ENTITIES = tuple(SYNCS)  # in the order they are imported: each may name the ones before it
ENTITY_LABELS = {
    "offices": gettext_lazy("Sedi regionali"),
    "plans": gettext_lazy("Forme di assistenza"),
    "members": gettext_lazy("Soci"),
    "beneficiaries": gettext_lazy("Familiari"),
    "enrollments": gettext_lazy("Adesioni"),
    "contributions": gettext_lazy("Contributi"),
}
# A file's entity from the start of its name, in English or Italian (soci-2026-12-07.csv).
FILE_PREFIXES = {
    "offices": ("offices", "sedi"),
    "plans": ("plans", "forme", "piani"),
    "members": ("members", "soci"),
    "beneficiaries": ("beneficiaries", "familiari"),
    "enrollments": ("enrollments", "adesioni"),
    "contributions": ("contributions", "contributi"),
}
PEOPLE = "people"  # the file of earlier versions: members and family members told apart by `record`

Progress = Callable[[str, int, int, int], None]  # entity, rows read, bytes read, bytes in the file


@dataclass
class EntityCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0
    missing: int = 0  # members flagged as no longer in a full export

    @property
    def rows(self) -> int:
        return self.new + self.changed + self.unchanged + self.invalid

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "missing": self.missing,
        }


@dataclass
class ImportReport:
    sources: list[str]
    dry_run: bool = False
    full: bool = False
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    errors: list[RowIssue] = field(default_factory=list)
    error_count: int = 0
    notes: list[RowIssue] = field(default_factory=list)
    note_count: int = 0
    file_errors: list[str] = field(default_factory=list)
    error_path: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_errors

    @property
    def rows(self) -> int:
        return sum(counts.rows for counts in self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def audit_data(self) -> dict[str, Any]:
        """Counts only: no codes, names or line contents go to the audit log."""
        return {
            "sources": self.sources,
            "dry_run": self.dry_run,
            "full": self.full,
            "counts": {entity: counts.as_dict() for entity, counts in self.counts.items()},
            "errors": self.error_count,
            "file_errors": len(self.file_errors),
            "notes": self.note_count,
        }


@dataclass
class Source:
    file: RegistryFile
    entity: str


def registry_user() -> User:
    """The actor of the registry's changes in the members' history: a user nobody can sign in as."""
    user, created = User.objects.get_or_create(
        username=REGISTRY_USERNAME,
        defaults={"role": Role.OPERATOR, "is_active": False, "first_name": "Registro", "last_name": "della mutua"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def registry_open(
    *, path: Path, entity: str | None = None, file_format: Any = None, encoding: str = "utf-8-sig"
) -> Source:
    """Open a registry file and check its columns; its entity from `entity` or from the start of its name."""
    registry_file = RegistryFile(path=path, file_format=file_format, encoding=encoding)
    header = registry_file.header
    if entity is None:
        entity = PEOPLE if "record" in header else _entity_from_name(path)
    if entity == PEOPLE:
        check_columns(header, allowed=COLUMNS, required=("record",))
    elif entity in SYNCS:
        check_columns(header, allowed=SYNCS[entity].columns, required=SYNCS[entity].required)
    else:
        raise RegistryFileError(_("Tipo di file sconosciuto: %(entity)s.") % {"entity": entity})
    return Source(file=registry_file, entity=entity)


def _entity_from_name(path: Path) -> str:
    stem = path.stem.lower()
    for entity, prefixes in FILE_PREFIXES.items():
        if stem.startswith(prefixes):
            return entity
    raise RegistryFileError(
        _(
            "Dal nome del file non si capisce cosa contiene: il nome deve iniziare con sedi, forme, soci, familiari, "
            "adesioni o contributi (o con offices, plans, members, beneficiaries, enrollments, contributions)."
        )
    )


def registry_import(
    *,
    sources: list[Source],
    actor: User | None = None,
    dry_run: bool = False,
    full: bool = False,
    progress: Progress | None = None,
    error_path: Path | None = None,
) -> ImportReport:
    """Import the registry's files in dependency order; a bad row is reported and skipped, never half-written.

    With `full` the members file is the registry's whole list: a member it does not list is flagged
    (`registry_missing_since`) for an operator, never deleted. With `dry_run` everything is counted as usual and
    then rolled back: nothing is written but the error file.
    """
    started = time.monotonic()
    report = ImportReport(sources=[source.file.path.name for source in sources], dry_run=dry_run, full=full)
    errors = ErrorFile(error_path or _default_error_path())
    try:
        with transaction.atomic():
            _import(sources=sources, actor=actor, report=report, progress=progress, errors=errors)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        errors.close()
        _seen_drop()
    report.error_path = errors.path if errors.written else None
    report.seconds = time.monotonic() - started
    return report


def _default_error_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.REGISTRY_ERRORS_DIR) / f"registro-errori-{stamp}.csv"


def _import(
    *, sources: list[Source], actor: User | None, report: ImportReport, progress: Progress | None, errors: ErrorFile
) -> None:
    context = SyncContext(actor_id=registry_user().pk, now=timezone.now())
    for entity in ENTITIES:
        report.counts.setdefault(entity, EntityCounts())

    def note(row: CleanRow, notes: list[str]) -> None:
        report.note_count += 1
        if len(report.notes) < SHOWN_ISSUES:
            report.notes.append(RowIssue(source=current["source"], line=row.line, messages=tuple(notes)))

    current = {"source": ""}
    context.notes = note
    _seen_create()
    passes = [
        (entity, source)
        for entity in ENTITIES
        for source in sources
        if source.entity == entity or (source.entity == PEOPLE and entity in ("members", "beneficiaries"))
    ]
    members_read = False
    for entity, source in passes:
        current["source"] = source.file.path.name
        counts_before = EntityCounts(**report.counts[entity].as_dict())
        try:
            with transaction.atomic():
                _import_entity(
                    sync=SYNCS[entity](context),
                    source=source,
                    counts=report.counts[entity],
                    report=report,
                    errors=errors,
                    progress=progress,
                )
            members_read = members_read or entity == "members"
        except RegistryFileError as exc:
            report.counts[entity] = counts_before
            message = _("%(file)s: %(error)s Nessuna riga di questo file è stata importata.") % {
                "file": source.file.path.name,
                "error": exc.message,
            }
            report.file_errors.append(message)
            errors.write_file_error(source=source.file.path.name, line=exc.line, message=message)
        except DatabaseError as exc:
            # The database's message may quote personal data: log only what kind of failure it was.
            logger.warning("registry %s rejected by the database: %s", entity, type(exc).__name__)
            report.counts[entity] = counts_before
            message = _("%(file)s: il database ha rifiutato il file: nessuna riga importata.") % {
                "file": source.file.path.name
            }
            report.file_errors.append(message)
            errors.write_file_error(source=source.file.path.name, line=0, message=message)
    if report.full and members_read:
        report.counts["members"].missing = _flag_missing_members(today=timezone.localdate())
    audit_record(action="registry.import", actor=actor, **report.audit_data())


def _import_entity(
    *,
    sync: EntitySync,
    source: Source,
    counts: EntityCounts,
    report: ImportReport,
    errors: ErrorFile,
    progress: Progress | None,
) -> None:
    name = source.file.path.name
    read = 0
    for chunk in _chunks(_rows_for(sync, source)):
        read += len(chunk)
        cleaned = [(raw, sync.clean(raw)) for raw in chunk]
        _mark_duplicates(sync, [row for _raw, row in cleaned])
        outcome = sync.apply([row for _raw, row in cleaned if row.valid])
        counts.new += outcome.new
        counts.changed += outcome.changed
        counts.unchanged += outcome.unchanged
        for raw, row in cleaned:
            if row.valid:
                continue
            sync.failed(row)
            counts.invalid += 1
            report.error_count += 1
            issue = RowIssue(source=name, line=row.line, messages=tuple(row.errors))
            if len(report.errors) < SHOWN_ISSUES:
                report.errors.append(issue)
            errors.write(issue, values=raw.values)
        if progress:
            progress(str(ENTITY_LABELS[sync.name]), read, source.file.position, source.file.size)


def _rows_for(sync: EntitySync, source: Source) -> Iterator[RawRow]:
    if source.entity != PEOPLE:
        yield from source.file.rows()
        return
    for raw in source.file.rows():
        record = value_of(raw.values, "record").lower()
        if (record == BENEFICIARY) == (sync.name == "beneficiaries"):
            if record not in (MEMBER, BENEFICIARY):
                raw = RawRow(
                    line=raw.line,
                    values=raw.values,
                    problem=raw.problem
                    or (
                        _("record: campo obbligatorio (member o beneficiary).")
                        if not record
                        else _("record: deve essere member o beneficiary.")
                    ),
                )
            yield raw


def _chunks(rows: Iterator[RawRow]) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Keys already read in this run, kept in a temporary table rather than in memory: a file of a million rows
# is checked for repeated rows in constant memory.
SEEN_TABLE = "registry_import_seen"


# Rows written to the table, and how many it had at its last ANALYZE: a temporary table has no statistics until it
# is analyzed (autovacuum never sees it), and without them PostgreSQL looks keys up by scanning every row of their
# kind: a million-member import, which then looked each chunk's 2 000 keys up, spent most of its time there.
_seen_rows = {"written": 0, "analyzed": 0}
SEEN_ANALYZE_FROM = 10_000


def _seen_create() -> None:
    _seen_rows.update(written=0, analyzed=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SEEN_TABLE} (kind varchar(40) NOT NULL, key varchar(200) NOT NULL, "
            "line integer NOT NULL, PRIMARY KEY (kind, key))"
        )


def _seen_drop() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
    except DatabaseError:  # pragma: no cover - a broken connection takes its temporary table with it
        pass


def _mark_duplicates(sync: EntitySync, rows: list[CleanRow]) -> None:
    """A row whose key (or codice fiscale, for members) came earlier in the file is an error on the later row."""
    for kind in ("", *sync.secondary_keys):
        keyed: dict[str, CleanRow] = {}
        for row in rows:
            if kind and not row.valid:
                continue
            try:
                key = sync.secondary(row, kind) if kind else sync.key(row)
            except (KeyError, AttributeError):
                continue
            if not key or key.startswith("|") or "||" in key or key.endswith("|"):
                continue
            if key in keyed:
                row.errors.append(sync.duplicate_message(keyed[key].line, kind))
            else:
                keyed[key] = row
        if not keyed:
            continue
        label = f"{sync.name}:{kind}"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                earlier = _seen_mark(cursor, label, {key: row.line for key, row in keyed.items()})
            else:
                earlier = _seen_lookup(cursor, label, list(keyed))
                _seen_add(cursor, [(label, key, row.line) for key, row in keyed.items() if key not in earlier])
        for key, line in earlier.items():
            keyed[key].errors.append(sync.duplicate_message(line, kind))


def _seen_mark(cursor: Any, label: str, lines: dict[str, int]) -> dict[str, int]:
    """PostgreSQL: remember a chunk's keys and return those read before (with their line), in one statement that
    probes the table's index once per key (`ON CONFLICT DO NOTHING`), rather than a lookup and then a `COPY`. Only
    when some key was there already is its line looked up."""
    keys = list(lines)
    cursor.execute(  # table name a constant, values as array parameters: see bulk.among
        f"INSERT INTO {SEEN_TABLE} (kind, key, line) SELECT %s, given.key, given.line "  # noqa: S608
        "FROM unnest(%s::varchar[], %s::integer[]) AS given(key, line) "
        "ON CONFLICT (kind, key) DO NOTHING RETURNING key",
        [label, keys, list(lines.values())],
    )
    fresh = {key for (key,) in cursor.fetchall()}
    _seen_analyze(cursor, len(fresh))
    if len(fresh) == len(keys):
        return {}
    return _seen_lookup(cursor, label, [key for key in keys if key not in fresh])


def _seen_lookup(cursor: Any, label: str, keys: list[str]) -> dict[str, int]:
    earlier: dict[str, int] = {}
    if connection.vendor == "postgresql":  # one array parameter: see bulk.among
        cursor.execute(
            f"SELECT key, line FROM {SEEN_TABLE} WHERE kind = %s AND key = ANY(%s)",  # noqa: S608
            [label, keys],
        )
        return dict(cursor.fetchall())
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        placeholders = ", ".join(["%s"] * len(part))
        cursor.execute(  # table name a constant, values as parameters
            f"SELECT key, line FROM {SEEN_TABLE} WHERE kind = %s AND key IN ({placeholders})",  # noqa: S608
            [label, *part],
        )
        earlier.update(cursor.fetchall())
    return earlier


def _seen_add(cursor: Any, fresh: list[tuple[str, str, int]]) -> None:
    """Remember keys read (SQLite; PostgreSQL does it in `_seen_mark`)."""
    cursor.executemany(f"INSERT INTO {SEEN_TABLE} (kind, key, line) VALUES (%s, %s, %s)", fresh)  # noqa: S608


def _seen_analyze(cursor: Any, written: int) -> None:
    """On PostgreSQL the table is analyzed each time it has doubled (a dozen times for a million members), so that
    the lookups of repeated keys and of the members a full export no longer lists use its index."""
    _seen_rows["written"] += written
    if _seen_rows["written"] >= max(SEEN_ANALYZE_FROM, 2 * _seen_rows["analyzed"]):
        cursor.execute(f"ANALYZE {SEEN_TABLE}")
        _seen_rows["analyzed"] = _seen_rows["written"]


def _flag_missing_members(*, today: dt.date) -> int:
    """Members the full export did not list (not even on an invalid row) are flagged from today."""
    table = Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(  # table names from the model and a constant, values as parameters
            f"UPDATE {table} SET registry_missing_since = %s WHERE registry_missing_since IS NULL "  # noqa: S608
            f"AND code NOT IN (SELECT key FROM {SEEN_TABLE} WHERE kind = %s)",
            [today, "members:"],
        )
        return int(cursor.rowcount)
