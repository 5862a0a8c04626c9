"""Reporting policy as reviewed data: one versioned YAML file per jurisdiction and report kind.

Every rule carries a citation, the date from which Dutyflow applies it and whether its source was
verified against a public text. A change of law is a new file with a new version; a case keeps
the version in effect when it was opened, and the audit names that version. Code here interprets
policy; it never names an agency or a field.

What a policy says, rule by rule:

* ``trigger``: when the duty (or permission) arises; ``disclosure``: whether the law *requires*
  the disclosure or only *permits* it (e.g. Texas threats, Health & Safety Code 611.004).
* ``legal_basis``: the HIPAA route (45 CFR 164.512(b), (c), (e), (f), (j)) or, in the UK, the
  GDPR Art 6 basis with its Art 9 condition and DPA 2018 Schedule 1 condition.
* ``recipient_selection`` and ``recipients``: who receives what (``allowed_fields``), by which
  channels, and under which routing conditions (facts of the case, e.g. a care facility).
* ``deadlines``: clock hours, or working days counted on a holiday calendar, or the date an order
  gives, each with its escalation ladder.
* ``reporter_identity``: which recipients may see who reported.
* ``inform_client``: whether the client must be told, with the law's exceptions
  (164.512(c)(2)); ``supervisor_consultation``: whether a supervisor is asked first (imminent
  danger never waits).
* ``grounds_questions``: what the practitioner must answer for this kind, by case-file path.
* ``protected_data``: psychotherapy notes and 42 CFR Part 2 records, denied unless an exception
  the law gives applies.
* ``order_scope`` (court order) and ``satisfactory_assurance`` (subpoena without order).

Where each part lives (pure: no I/O except reading the policy files given):

* `facts`: dotted paths into the case file and the conditions rules set on them;
* `rules`: `Rule` (citation, effective date, source status) and the rules that are neither
  recipients nor deadlines; `recipients`: recipients and routing; `deadlines`: deadlines and
  their escalation;
* `schema`: `Policy`, the file as a whole, and what it says for one case's facts;
* `consistency`: checks across the rules of one policy, run when a file is parsed;
* `loading`: reading files, naming their problems, and the `PolicyLibrary` of versions;
* `check`: checking the whole library (forms, calendars, agency directory) before it is trusted;
* `explain`: a policy in plain words for a compliance officer.

The names below are the public API: import them from ``dutyflow.domain.policy``.
"""

from __future__ import annotations

from dutyflow.domain.policy.consistency import (
    consistency_problems,
)
from dutyflow.domain.policy.deadlines import (
    SUSPICION_FORMED_AT,
    Clock,
    Deadline,
    DeadlineId,
    EscalationStep,
)
from dutyflow.domain.policy.facts import (
    Condition,
    all_hold,
    fact_value,
    is_recorded,
)
from dutyflow.domain.policy.loading import (
    NoPolicyError,
    PolicyError,
    PolicyLibrary,
    load_policy_file,
    rule_name,
    validation_problems,
)
from dutyflow.domain.policy.recipients import (
    Channel,
    RecipientRule,
    RecipientSelection,
    Route,
)
from dutyflow.domain.policy.rules import (
    SLUG,
    AssuranceOption,
    AssuranceResult,
    Delegation,
    DisclosureDuty,
    ExcludedRoute,
    GroundsQuestion,
    InformClient,
    InformException,
    KnownFormGap,
    LegalBasis,
    OrderScope,
    PhoneReportFirst,
    ProtectedData,
    ProtectedDataException,
    ReporterIdentity,
    Rule,
    SatisfactoryAssurance,
    SourceStatus,
    StatutoryBasis,
    SupervisorConsultation,
    Trigger,
)
from dutyflow.domain.policy.schema import (
    JURISDICTION_PATTERN,
    KIND_PATTERN,
    REPORT_KINDS,
    Policy,
)

__all__ = [
    "JURISDICTION_PATTERN",
    "KIND_PATTERN",
    "REPORT_KINDS",
    "SLUG",
    "SUSPICION_FORMED_AT",
    "AssuranceOption",
    "AssuranceResult",
    "Channel",
    "Clock",
    "Condition",
    "Deadline",
    "DeadlineId",
    "Delegation",
    "DisclosureDuty",
    "EscalationStep",
    "ExcludedRoute",
    "GroundsQuestion",
    "InformClient",
    "InformException",
    "KnownFormGap",
    "LegalBasis",
    "NoPolicyError",
    "OrderScope",
    "PhoneReportFirst",
    "Policy",
    "PolicyError",
    "PolicyLibrary",
    "ProtectedData",
    "ProtectedDataException",
    "RecipientRule",
    "RecipientSelection",
    "ReporterIdentity",
    "Route",
    "Rule",
    "SatisfactoryAssurance",
    "SourceStatus",
    "StatutoryBasis",
    "SupervisorConsultation",
    "Trigger",
    "all_hold",
    "consistency_problems",
    "fact_value",
    "is_recorded",
    "load_policy_file",
    "rule_name",
    "validation_problems",
]
