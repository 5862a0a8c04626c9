"""A pytest plugin loaded first (``-p tests.bytecode_cache`` in the pytest options): every Python
process the suite starts (the test sessions, the workers and `dutyflow` commands the tests run as
subprocesses) keeps its compiled bytecode in one cache outside the checkout, even where the
environment says PYTHONDONTWRITEBYTECODE (these machines do).

Without it each process compiled every module it imported from source again, about 3 s of CPU per
process: importing the worker, the API and the web app took 5.2-5.9 s of CPU without a cache and
2.5 s with one. Loaded before the sessions and subprocesses start, so that they inherit it; the
cache is keyed by each source file's path and checked against its modification time, so a changed
file is compiled again."""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault(
    "PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "dutyflow-test-bytecode")
)
sys.dont_write_bytecode = False
sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
