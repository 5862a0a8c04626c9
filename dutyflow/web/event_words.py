"""A case's recorded steps as sentences a compliance officer or supervisor reads without knowing
Dutyflow's step names: ``phone-report-recorded`` as ``The statutory phone report was recorded``.
The step's own name, the Temporal events and the audit entry's number stay on the page, behind a
toggle. Pure; the timeline page calls `event_sentence`.
"""

from __future__ import annotations

SENTENCES = {
    "case-opened": "The case was opened",
    "grounds-documented": "The grounds for the report were recorded",
    "grounds-revised": "The grounds were revised",
    "obligations-determined": "Who must be told, and by when, was determined from the policy",
    "supervisor-consultation-requested": "The supervisor was asked to review the case",
    "supervisor-consultation-approved": "The supervisor approved the report",
    "supervisor-consultation-returned": "The supervisor returned the case with comments",
    "supervisor-consultation-bypassed": "The report went ahead without waiting for the supervisor",
    "supervision-field-revealed": "A hidden field was shown to the supervisor, with a reason",
    "disclosure-decided": "A permitted disclosure was decided",
    "disclosure-stopped": "A disclosure was stopped",
    "disclosure-exception-requested": "A field beyond an allow-list was asked for",
    "disclosure-exception-approved": "A field beyond an allow-list was approved",
    "disclosure-exception-rejected": "A field beyond an allow-list was refused",
    "fields-limited": "Each recipient's fields were limited to its allow-list",
    "report-rendered": "A report was prepared",
    "phone-task-prepared": "The phone script was prepared",
    "phone-report-recorded": "The statutory phone report was recorded",
    "report-confirmed": "The practitioner reviewed and confirmed the reports",
    "report-delivered": "A report was delivered",
    "supplement-documented": "A supplemental report (new or changed information) was recorded",
    "supplement-delivered": "A supplemental report was delivered",
    "delivery-refused": "A delivery was refused",
    "delivery-refused-by-agency": "An agency refused the report",
    "acknowledgement-recorded": "An agency acknowledged the report",
    "agency-acknowledgement-given": "An agency user acknowledged the report",
    "contact-attempt-recorded": "An attempt to reach someone was recorded",
    "inform-client-decided": "Whether to tell the client was decided",
    "deadline-escalated": "A deadline drew near and was escalated",
    "outcome-recorded": "The case was closed with its outcome",
    "case-content-read": "The case's content was read",
    "case-exported-deidentified": "The case was exported de-identified",
    "payloads-decoded": "Workflow data was decoded for a user",
    "privacy-notice-acknowledged": "The client acknowledged the privacy notice",
    "accounting-suspended": "The accounting of disclosures was suspended",
    "case-key-destroyed": "The case's key was destroyed (its content is gone)",
}


def event_sentence(step: str) -> str:
    """The step as a sentence; a step with no sentence yet, as its name in words."""
    return SENTENCES.get(step) or step.replace("-", " ").capitalize()
