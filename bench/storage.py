"""A fallback for the bench only: the production static storage, tolerant of files that reference missing ones."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class TolerantStaticStorage(CompressedManifestStaticFilesStorage):
    """Leaves a reference to a missing file (a vendored script's source map) unhashed instead of failing.

    Used only when `collectstatic` fails with the production storage; bench/run.py reports that failure as a finding.
    """

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            return name
