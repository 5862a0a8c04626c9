"""Stored records of a case, as HL7 FHIR R4B resources. Pure functions: no database access.

Per delivered report (one disclosure to one agency):

- an **AuditEvent** following IHE BALP ``PrivacyDisclosure.Source`` (type DICOM 110106 Export,
  subtype ISO 21089 ``disclose``, action R, NHIN purpose of use, agents source / destination /
  custodian / the practitioner who confirmed, entities the patient and the disclosed report);
- a **Communication**: the electronic notification of the agency;
- a **Provenance**: who authored the report and who attested it before it went out.

Per case: a **Communication** for the statutory telephone report, when one was recorded, and a
**Consent** only where a disclosure rests on the client's agreement (45 CFR 164.512(c)(1)(ii));
see `consent_applies`.

Each AuditEvent's report entity also says where the disclosure's own audit entry is in Dutyflow's
audit log: its leaf index and the signed checkpoint that covers it (`LoggedEntry`).

What goes in: ids, codes, field *names*, hashes, agency names and addresses (the recipient) and
times. What never goes in: case content. The builders read no name, narrative or address of the
client, the victim or anyone else involved, nor the reporter's name (confidential by statute):
`CaseRecord.opening`, `DisclosureRecord.fields`, the rendered documents and the phone report's
official are never read here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.auditevent import (
    AuditEvent,
    AuditEventAgent,
    AuditEventAgentNetwork,
    AuditEventEntity,
    AuditEventEntityDetail,
    AuditEventSource,
)
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.communication import Communication, CommunicationPayload
from fhir.resources.R4B.consent import (
    Consent,
    ConsentPolicy,
    ConsentProvision,
    ConsentProvisionActor,
)
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.provenance import Provenance, ProvenanceAgent, ProvenanceEntity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import BaseModel, ConfigDict

from dutyflow.domain.checkpoint import Checkpoint
from dutyflow.store.tables import (
    AccountingEntry,
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    PhoneReportRecord,
    ReportDocument,
)

# --- Profiles and code systems -------------------------------------------------------------------

BALP_PRIVACY_DISCLOSURE_SOURCE = (
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source"
)
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
ISO_21089_LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
NHIN_PURPOSE_OF_USE = "http://healthit.gov/nhin/purposeofuse"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SECURITY_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
SNOMED = "http://snomed.info/sct"
COMMUNICATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/communication-category"
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PROVENANCE_ENTITY_ROLE = "source"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
LOINC = "http://loinc.org"

# AuditEvent.agent.network.type (R4B code): 1 machine name, 5 URI.
NETWORK_MACHINE_NAME = "1"
NETWORK_URI = "5"


class IdSystem:
    """Identifier systems of Dutyflow's own (opaque) ids."""

    CASE = "urn:dutyflow:id:case"
    CLIENT = "urn:dutyflow:id:client"
    CLINIC = "urn:dutyflow:id:clinic"
    PRACTITIONER = "urn:dutyflow:id:practitioner"
    AGENCY = "urn:dutyflow:id:agency"
    REPORT = "urn:dutyflow:id:report"
    DISCLOSURE = "urn:dutyflow:id:disclosure"
    SYSTEM = "urn:dutyflow:id:system"
    AGENCY_REFERENCE = "urn:dutyflow:id:agency-reference"


# --- Purpose of use ------------------------------------------------------------------------------

PURPOSE_OF_USE: dict[str, tuple[str, str]] = {
    # report kind -> NHIN PurposeOfUse (code, display); the HIPAA route each kind rests on.
    "child-abuse": ("ABUSE", "Abuse"),  # 164.512(b)(1)(ii)
    "elder-abuse": ("ABUSE", "Abuse"),  # 164.512(c)
    "danger-to-others": ("THREAT", "Threat"),  # 164.512(j)
    "danger-to-self": ("THREAT", "Threat"),  # 164.512(j)
    "court-order": ("JUDICIAL", "Judicial"),  # 164.512(e)
    "subpoena": ("JUDICIAL", "Judicial"),  # 164.512(e)
}


class UnmappedReportKind(ValueError):
    """A report kind with no purpose-of-use code: extend `PURPOSE_OF_USE` with the new kind."""


def purpose_of_use(kind: str) -> Coding:
    try:
        code, display = PURPOSE_OF_USE[kind]
    except KeyError:
        raise UnmappedReportKind(
            f"kind: no NHIN purpose of use for report kind {kind!r}; add it to PURPOSE_OF_USE"
        ) from None
    return Coding(system=NHIN_PURPOSE_OF_USE, code=code, display=display)


# --- Security labels -----------------------------------------------------------------------------

# Disclosed field sections that make a report "very restricted": the reporter's identity is
# confidential by statute (e.g. Cal. Penal Code 11167(d)); the clinical record is the client's.
VERY_RESTRICTED_SECTIONS = ("reporter", "clinical_context")
PSYCHOTHERAPY_NOTE_FIELDS = ("clinical_context.psychotherapy_notes",)


def confidentiality(disclosed_fields: Iterable[str]) -> Coding:
    """HL7 confidentiality of a disclosed report: V if it carries the reporter's identity or
    clinical record, otherwise R (every mandated report is restricted)."""
    sections = {path.split(".", 1)[0] for path in disclosed_fields}
    if sections & set(VERY_RESTRICTED_SECTIONS):
        return Coding(system=CONFIDENTIALITY, code="V", display="very restricted")
    return Coding(system=CONFIDENTIALITY, code="R", display="restricted")


def security_labels(disclosed_fields: Sequence[str]) -> list[Coding]:
    labels = [confidentiality(disclosed_fields)]
    if any(path in PSYCHOTHERAPY_NOTE_FIELDS for path in disclosed_fields):
        labels.append(
            Coding(
                system=ACT_CODE,
                code="PSYTHPN",
                display="psychotherapy note information sensitivity",
            )
        )
    return labels


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportingSystem:
    """Dutyflow itself: the audit source and observer, and the assembler of reports."""

    system_id: str = "dutyflow"
    display: str = "Dutyflow"
    address: str = "dutyflow"  # its network address; a URL is typed URI, anything else a host name


DUTYFLOW = ExportingSystem()


@dataclass(frozen=True)
class Confirmer:
    """Who confirmed that the reports may go out (the ``report-confirmed`` audit entry)."""

    actor_id: str
    actor_role: str
    confirmed_at: datetime


@dataclass(frozen=True)
class LoggedEntry:
    """Where the disclosure's audit entry (``report-delivered``) is in the audit log's Merkle
    tree, and the first signed checkpoint that covers it (None until one is made): with
    ``dutyflow audit prove SEQ`` anyone holding the log's verifier key can check it is there."""

    seq: int
    leaf_index: int
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class DeliveredReport:
    """The records of one disclosure: the report delivered to one agency, and why it went."""

    delivery: DeliveryRecord
    obligation: ObligationRecord
    disclosure: DisclosureRecord
    document: ReportDocument | None = None
    accounting: AccountingEntry | None = None
    logged: LoggedEntry | None = None

    @property
    def legal_basis(self) -> str:
        """The accounting's legal basis (the HIPAA route and the recipient's citation) when
        recorded, else the obligation's."""
        return self.accounting.legal_basis if self.accounting else self.obligation.legal_basis


class ClientAgreement(BaseModel):
    """The client's agreement to a disclosure (45 CFR 164.512(c)(1)(ii)), as a case would carry it
    under ``opening["client_agreement"]``. No report kind records one yet."""

    model_config = ConfigDict(extra="forbid")

    agreed_at: datetime
    recorded_by: str  # the practitioner who obtained it


# --- Small helpers -------------------------------------------------------------------------------

_ID_NAMESPACE = uuid.UUID("2b0f8f43-7a4e-4d8c-9a6e-4f1e9e2c7d15")


def resource_id(kind: str, key: str) -> str:
    """A stable id: exporting the same records again yields the same resource ids."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}/{key}"))


def as_utc(value: datetime) -> datetime:
    """Stored times come back naive from SQLite; they are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ref(
    resource_type: str | None, system: str, value: str, display: str | None = None
) -> Reference:
    return Reference(
        type=resource_type, identifier=Identifier(system=system, value=value), display=display
    )


def patient_ref(case: CaseRecord) -> Reference:
    return _ref("Patient", IdSystem.CLIENT, case.client_id)


def clinic_ref(case: CaseRecord) -> Reference:
    return _ref("Organization", IdSystem.CLINIC, case.clinic_id)


def practitioner_ref(practitioner_id: str) -> Reference:
    return _ref("Practitioner", IdSystem.PRACTITIONER, practitioner_id)


def agency_ref(agency_id: str, agency_name: str) -> Reference:
    return _ref("Organization", IdSystem.AGENCY, agency_id, agency_name)


def report_ref(report_id: str) -> Reference:
    return _ref("DocumentReference", IdSystem.REPORT, report_id)


def system_ref(system: ExportingSystem) -> Reference:
    return _ref("Device", IdSystem.SYSTEM, system.system_id, system.display)


def _network(address: str) -> AuditEventAgentNetwork:
    kind = NETWORK_URI if "://" in address else NETWORK_MACHINE_NAME
    return AuditEventAgentNetwork(address=address, type=kind)


def _concept(system: str, code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def _policy_uri(case: CaseRecord) -> str:
    return f"urn:dutyflow:policy:{case.jurisdiction}:{case.kind}:{case.policy_version}"


# --- AuditEvent (IHE BALP PrivacyDisclosure.Source) ---------------------------------------------


def audit_event_for_delivery(
    case: CaseRecord,
    delivered: DeliveredReport,
    confirmer: Confirmer | None,
    system: ExportingSystem = DUTYFLOW,
) -> AuditEvent:
    """The disclosure as the discloser audits it (BALP PrivacyDisclosure.Source)."""
    delivery, obligation = delivered.delivery, delivered.obligation
    observer = system_ref(system)
    agents = [
        AuditEventAgent(  # BALP: the source agent is the audit source (observer) itself
            type=_concept(DICOM, "110153", "Source Role ID"),
            who=observer,
            requestor=False,
            network=_network(system.address),
        ),
        AuditEventAgent(
            type=_concept(DICOM, "110152", "Destination Role ID"),
            who=agency_ref(obligation.agency_id, obligation.agency_name),
            requestor=False,
            network=_network(obligation.intake_url),
        ),
        AuditEventAgent(  # BALP custodian: the clinic whose record is disclosed
            type=_concept(SNOMED, "159541003", "Record keeping/library clerk"),
            who=clinic_ref(case),
            requestor=False,
        ),
    ]
    if confirmer is not None:
        agents.append(
            AuditEventAgent(
                type=_concept(PARTICIPATION_TYPE, "AUTHEN", "authenticator"),
                role=[CodeableConcept(text=confirmer.actor_role)],
                who=practitioner_ref(confirmer.actor_id),
                requestor=True,
            )
        )
    details = [
        AuditEventEntityDetail(
            type="disclosed-fields", valueString=", ".join(delivered.disclosure.disclosed_fields)
        ),
        AuditEventEntityDetail(type="document-sha256", valueString=delivery.document_sha256),
        AuditEventEntityDetail(
            type="agency-reference-number", valueString=delivery.reference_number
        ),
    ]
    if delivered.document is not None:
        details.append(AuditEventEntityDetail(type="form", valueString=delivered.document.form_id))
    if delivered.logged is not None:
        details += audit_log_details(delivered.logged)
    return AuditEvent(
        id=resource_id("AuditEvent", delivery.report_id),
        meta=Meta(profile=[BALP_PRIVACY_DISCLOSURE_SOURCE]),
        type=Coding(system=DICOM, code="110106", display="Export"),
        subtype=[
            Coding(
                system=ISO_21089_LIFECYCLE,
                code="disclose",
                display="Disclose Record Lifecycle Event",
            )
        ],
        action="R",
        recorded=as_utc(delivery.received_at),
        outcome="0",
        purposeOfEvent=[CodeableConcept(coding=[purpose_of_use(case.kind)])],
        agent=agents,
        source=AuditEventSource(
            site=system.display,
            observer=observer,
            type=[Coding(system=SECURITY_SOURCE_TYPE, code="4", display="Application Server")],
        ),
        entity=[
            AuditEventEntity(
                what=patient_ref(case),
                type=Coding(system=AUDIT_ENTITY_TYPE, code="1", display="Person"),
                role=Coding(system=OBJECT_ROLE, code="1", display="Patient"),
            ),
            AuditEventEntity(
                what=report_ref(delivery.report_id),
                type=Coding(system=AUDIT_ENTITY_TYPE, code="2", display="System Object"),
                role=Coding(system=OBJECT_ROLE, code="3", display="Report"),
                securityLabel=security_labels(delivered.disclosure.disclosed_fields),
                detail=details,
            ),
        ],
    )


def audit_log_details(logged: LoggedEntry) -> list[AuditEventEntityDetail]:
    """The disclosure's place in Dutyflow's own audit log: entry, leaf index, covering checkpoint
    (origin, size, base64 root hash, as its C2SP signed note states them)."""
    details = [
        AuditEventEntityDetail(type="audit-entry-seq", valueString=str(logged.seq)),
        AuditEventEntityDetail(type="audit-leaf-index", valueString=str(logged.leaf_index)),
    ]
    if logged.checkpoint is not None:
        details += [
            AuditEventEntityDetail(
                type="audit-checkpoint-origin", valueString=logged.checkpoint.origin
            ),
            AuditEventEntityDetail(
                type="audit-checkpoint-size", valueString=str(logged.checkpoint.size)
            ),
            AuditEventEntityDetail(
                type="audit-checkpoint-root-hash", valueString=logged.checkpoint.root_base64
            ),
        ]
    return details


# --- Communication -------------------------------------------------------------------------------


def communication_for_delivery(case: CaseRecord, delivered: DeliveredReport) -> Communication:
    """The written report's electronic notification of the agency. Delivery is one synchronous
    exchange and Dutyflow keeps the agency's receipt time, so ``sent`` and ``received`` carry it."""
    delivery, obligation = delivered.delivery, delivered.obligation
    received = as_utc(delivery.received_at)
    agency = agency_ref(obligation.agency_id, obligation.agency_name)
    return Communication(
        id=resource_id("Communication", delivery.report_id),
        identifier=[
            Identifier(system=IdSystem.REPORT, value=delivery.report_id),
            Identifier(
                system=IdSystem.AGENCY_REFERENCE,
                value=delivery.reference_number,
                assigner=agency,
            ),
        ],
        status="completed",
        category=[_concept(COMMUNICATION_CATEGORY, "notification", "Notification")],
        medium=[_concept(PARTICIPATION_MODE, "ELECTRONIC", "electronic data")],
        subject=patient_ref(case),
        about=[report_ref(delivery.report_id)],
        sent=received,
        received=received,
        recipient=[agency],
        sender=clinic_ref(case),
        reasonCode=[
            CodeableConcept(coding=[purpose_of_use(case.kind)], text=obligation.purpose),
        ],
    )


def communication_for_phone_report(
    case: CaseRecord,
    phone: PhoneReportRecord,
    obligations: Sequence[ObligationRecord] = (),
) -> Communication:
    """The statutory telephone report. Its payload is the hotline's reference number and nothing
    else: neither what was said nor the official's name."""
    report: dict[str, Any] = phone.phone_report
    made_at = as_utc(datetime.fromisoformat(str(report["made_at"])))
    agency_name = str(report["agency_name"])
    phoned = [o for o in obligations if o.phone_report_due_at is not None]
    recipient = (
        agency_ref(phoned[0].agency_id, agency_name)
        if len(phoned) == 1
        else Reference(type="Organization", display=agency_name)
    )
    reference_number = report.get("reference_number")
    return Communication(
        id=resource_id("Communication", f"phone/{case.case_id}"),
        status="completed",
        category=[_concept(COMMUNICATION_CATEGORY, "notification", "Notification")],
        medium=[_concept(PARTICIPATION_MODE, "PHONE", "telephone")],
        subject=patient_ref(case),
        sent=made_at,
        received=made_at,
        recipient=[recipient],
        sender=practitioner_ref(phone.recorded_by),
        reasonCode=[
            CodeableConcept(
                coding=[purpose_of_use(case.kind)],
                text=phoned[0].purpose if len(phoned) == 1 else None,
            )
        ],
        payload=[CommunicationPayload(contentString=str(reference_number))]
        if reference_number
        else None,
    )


# --- Provenance ----------------------------------------------------------------------------------


def provenance_for_delivery(
    case: CaseRecord,
    delivered: DeliveredReport,
    confirmer: Confirmer | None,
    system: ExportingSystem = DUTYFLOW,
) -> Provenance:
    """Who authored the delivered report, who attested it before it went out, and what it was
    derived from: the recipient's limited disclosure."""
    delivery = delivered.delivery
    agents = [
        ProvenanceAgent(
            type=_concept(PROVENANCE_PARTICIPANT, "author", "Author"),
            who=practitioner_ref(case.practitioner_id),
            onBehalfOf=clinic_ref(case),
        ),
    ]
    if confirmer is not None:
        agents.append(
            ProvenanceAgent(
                type=_concept(PROVENANCE_PARTICIPANT, "attester", "Attester"),
                role=[CodeableConcept(text=confirmer.actor_role)],
                who=practitioner_ref(confirmer.actor_id),
                onBehalfOf=clinic_ref(case),
            )
        )
    agents.append(
        ProvenanceAgent(
            type=_concept(PROVENANCE_PARTICIPANT, "assembler", "Assembler"),
            who=system_ref(system),
        )
    )
    return Provenance(
        id=resource_id("Provenance", delivery.report_id),
        target=[report_ref(delivery.report_id)],
        occurredDateTime=as_utc(delivered.document.rendered_at) if delivered.document else None,
        recorded=as_utc(confirmer.confirmed_at if confirmer else delivery.received_at),
        policy=[_policy_uri(case)],
        reason=[CodeableConcept(coding=[purpose_of_use(case.kind)], text=delivered.legal_basis)],
        activity=_concept(DATA_OPERATION, "CREATE", "create"),
        agent=agents,
        entity=[
            ProvenanceEntity(
                role=PROVENANCE_ENTITY_ROLE,
                what=_ref(None, IdSystem.DISCLOSURE, delivered.disclosure.disclosure_id),
            )
        ],
    )


# --- Consent: only where the disclosure rests on the client's agreement -------------------------

AGREEMENT_BASIS = "164.512(c)(1)(ii)"
AGREEMENT_POLICY_URI = "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(c)(1)(ii)"


def consent_applies(legal_basis: str) -> bool:
    """Whether a disclosure rests on the client's agreement, so that a Consent records it.

    Only 45 CFR 164.512(c)(1)(ii) (a victim of abuse, neglect or domestic violence who agrees)
    does. A child-abuse report under 164.512(b)(1)(ii), a disclosure required by law
    (164.512(a), (c)(1)(i)), to avert a threat (164.512(j)) or for proceedings (164.512(e)) is
    made without the client's agreement: no Consent is produced for it.
    """
    return AGREEMENT_BASIS in legal_basis


def client_agreement_of(case: CaseRecord) -> ClientAgreement | None:
    """The agreement a case records, if any (no report kind records one yet)."""
    raw = case.opening.get("client_agreement")
    return ClientAgreement.model_validate(raw) if raw else None


def consent_for_agreement(
    case: CaseRecord, obligation: ObligationRecord, agreement: ClientAgreement
) -> Consent:
    """The client's agreement to disclose to one agency (45 CFR 164.512(c)(1)(ii))."""
    return Consent(
        id=resource_id("Consent", obligation.obligation_id),
        status="active",
        scope=_concept(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
        category=[_concept(LOINC, "59284-0", "Patient Consent")],
        patient=patient_ref(case),
        dateTime=as_utc(agreement.agreed_at),
        performer=[patient_ref(case)],
        organization=[clinic_ref(case)],
        policy=[ConsentPolicy(uri=AGREEMENT_POLICY_URI)],
        policyRule=CodeableConcept(text=f"45 CFR {AGREEMENT_BASIS}"),
        provision=ConsentProvision(
            type="permit",
            actor=[
                ConsentProvisionActor(
                    role=_concept(PARTICIPATION_TYPE, "IRCP", "information recipient"),
                    reference=agency_ref(obligation.agency_id, obligation.agency_name),
                ),
                ConsentProvisionActor(
                    role=_concept(PARTICIPATION_TYPE, "AUT", "author (originator)"),
                    reference=practitioner_ref(agreement.recorded_by),
                ),
            ],
            action=[_concept(CONSENT_ACTION, "disclose", "Disclose")],
            purpose=[purpose_of_use(case.kind)],
        ),
    )


def consents_for_case(
    case: CaseRecord,
    obligations: Sequence[ObligationRecord],
    agreement: ClientAgreement | None,
) -> list[Consent]:
    """A Consent per obligation whose disclosure rests on the client's agreement, when the case
    records one; none otherwise (a child-abuse case never has one)."""
    if agreement is None:
        return []
    return [
        consent_for_agreement(case, obligation, agreement)
        for obligation in obligations
        if consent_applies(obligation.legal_basis)
    ]


# --- The case as a Bundle ------------------------------------------------------------------------


def case_bundle(
    case: CaseRecord,
    delivered: Sequence[DeliveredReport],
    *,
    obligations: Sequence[ObligationRecord] = (),
    confirmer: Confirmer | None = None,
    phone: PhoneReportRecord | None = None,
    agreement: ClientAgreement | None = None,
    system: ExportingSystem = DUTYFLOW,
    timestamp: datetime | None = None,
) -> Bundle:
    """Every resource of a case, as a Bundle of type ``collection``."""
    resources: list[Resource] = []
    for report in delivered:
        resources.append(audit_event_for_delivery(case, report, confirmer, system))
        resources.append(communication_for_delivery(case, report))
        resources.append(provenance_for_delivery(case, report, confirmer, system))
    if phone is not None:
        resources.append(communication_for_phone_report(case, phone, obligations))
    resources.extend(consents_for_case(case, obligations, agreement))
    return Bundle(
        id=resource_id("Bundle", case.case_id),
        identifier=Identifier(system=IdSystem.CASE, value=case.case_id),
        type="collection",
        timestamp=as_utc(timestamp or datetime.now(UTC)),
        entry=[
            BundleEntry(fullUrl=f"urn:uuid:{resource.id}", resource=resource)
            for resource in resources
        ],
    )
