"""The ``dutyflow`` command, one module per command family (``main`` builds the parser;
``process`` holds how every command starts and ends)."""
