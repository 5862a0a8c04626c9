"""``python -m dutyflow``: the ``dutyflow`` command, from any Python that has the package."""

from dutyflow.cli.main import main

main()
