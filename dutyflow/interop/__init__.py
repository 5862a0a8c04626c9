"""Interoperability: a case's disclosures as HL7 FHIR (R4B) resources.

`dutyflow.interop.fhir` turns stored records into resources without touching the database: per
delivery an AuditEvent following IHE BALP "PrivacyDisclosure.Source", a Communication and a
Provenance; a Communication for the statutory telephone report; a Consent only where the
disclosure rests on the client's agreement. `dutyflow.interop.export` loads a case's records and
returns them as one FHIR Bundle of type ``collection``; `dutyflow.cli.fhir` and
`dutyflow.api.routes.fhir` offer it as ``dutyflow export-fhir`` and
``GET /reports/{case_id}/fhir``.

The resources carry ids, codes, field names, agency names and times, never case content: no name,
narrative or address of the client, the victim or anyone else involved.
"""
