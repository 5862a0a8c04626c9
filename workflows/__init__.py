"""The case workflow: deterministic orchestration of one mandated report (no I/O here; every step
that touches the world is an activity in `activities`).

    mandated_report         MandatedReportWorkflow: `run` as the legal process, its sub-steps,
                            the `status` Query
    clinician_steps         Updates: the grounds (and revision), the phone report, the confirmation
    decisions_and_contacts  Updates: disclosure decisions, contact attempts, informing the client
    supervision_steps       Updates: the supervisor's answer, disclosure exceptions
    withdrawal              Update: withdrawing a case before its grounds (nothing disclosed)
    supplements             Update: a supplemental report on a delivered case, to the same agencies
    delivery                delivering to agencies; Updates: retry a refused delivery, acknowledge
    deadlines               durable deadline watchers and their escalation
    report_preparation      limiting fields and rendering per recipient; the review hash
    case_state              what the workflow knows between steps (one StepGate per step)
    step_gate               StepGate: claimed, recorded, by whom
    step_input              taking an Update's input, and refusing it with a reason
    activity_options        timeouts and retries; typed `record` / `deliver` helpers

A change here must keep running cases replaying: `tests/replay` replays recorded histories of
every branch (see `tests/replay/record_histories.py` to record one for a new branch).
"""
