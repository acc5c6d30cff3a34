"""Leaflet and its marker clusters, served from the xstatic packages (docs/architecture.md, Stack: no CDN, no copy in
the tree).

Only the files the map uses are exposed: the packages also ship a minified marker-cluster script whose source map
is missing, which would make `collectstatic` with the manifest storage fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# static path prefix -> (package data directory, the files exposed under it)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "vendor/leaflet": (
        xstatic.pkg.leaflet.BASE_DIR,
        (
            "leaflet.js",
            "leaflet.js.map",
            "leaflet.css",
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ),
    ),
    "vendor/leaflet-markercluster": (
        xstatic.pkg.leaflet_markercluster.BASE_DIR,
        (
            "leaflet.markercluster-src.js",
            "leaflet.markercluster-src.js.map",
            "MarkerCluster.css",
            "MarkerCluster.Default.css",
        ),
    ),
}


class LeafletFinder(BaseFinder):
    """A staticfiles finder for the files listed in PACKAGES."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, FileSystemStorage] = {}
        for prefix, (root, _files) in PACKAGES.items():
            storage = FileSystemStorage(location=root)
            storage.prefix = prefix  # type: ignore[attr-defined]  # collectstatic puts the files under it
            self.storages[prefix] = storage

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:  # type: ignore[override]
        for prefix, (root, files) in PACKAGES.items():
            if path.startswith(prefix + "/") and path[len(prefix) + 1 :] in files:
                found = os.path.join(root, path[len(prefix) + 1 :])
                return [found] if find_all else found
        return []  # as Django's own finders answer "not here"

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for prefix, (_root, files) in PACKAGES.items():
            for name in files:
                yield name, self.storages[prefix]
