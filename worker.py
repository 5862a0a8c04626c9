"""``python worker.py``: run one Dutyflow worker with the settings from the environment.

The worker is built in ``dutyflow.runtime.worker`` (its workflows, activities, converter and
interceptors), so the installed package holds everything it imports; ``dutyflow worker`` runs the
same thing.
"""

from __future__ import annotations

from dutyflow.cli.process import load_settings, run_until_interrupted
from dutyflow.runtime.worker import build_worker, run_worker

__all__ = ["build_worker", "main", "run_worker"]


def main() -> None:
    settings = load_settings()
    run_until_interrupted(lambda stop: run_worker(settings, stop))


if __name__ == "__main__":
    main()
