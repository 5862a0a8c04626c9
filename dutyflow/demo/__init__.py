"""`dutyflow demo`: a whole report through the stack (``run``), on a fictional case
(``example_case``) that the benchmark and the tests start from too."""
