"""Pure domain logic: case models, policy, disclosure limiting, deadlines, audit hashing, rendering.

Nothing in this package performs I/O other than reading the shipped policy and form files; it is
unit-tested directly and imported by workflows (passed through the sandbox) and activities alike.
"""
