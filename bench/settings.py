"""The production settings (config/settings.py, driven by the same environment variables) plus the bench's floor URL.

Only ROOT_URLCONF changes: the floor view lives in bench/urls.py, so no production URL map carries it.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_TOLERANT_STATIC") == "1":  # see bench/storage.py: set by bench/run.py, reported as a finding
    STORAGES["staticfiles"] = {"BACKEND": "bench.storage.TolerantStaticStorage"}  # noqa: F405
