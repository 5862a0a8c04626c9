"""The API's endpoints, one module per resource, each a module-level ``router``
(`dutyflow.api.app.create_app` includes them). Endpoints declare what they need from
`dutyflow.api.deps` and refuse through `dutyflow.api.errors`.

| module | endpoints |
|---|---|
| `health` | ``/health``, ``/metrics`` (public) |
| `api_docs` | ``/docs``, ``/redoc`` and their assets, all from this origin (public) |
| `me` | ``/me``: who the token stands for |
| `profiles` | ``/me/profile``, ``/me/training``: a clinician's profile and training attestations |
| `account_setup` | ``/account-setup``: a new user sets their password with a one-time code |
| `reports` | opening a report; its status, review and timeline |
| `case_headings` | a case's heading: client reference, jurisdiction, kind, opened |
| `sent_copies` | the PDF of exactly what a delivery sent, for the clinic's records |
| `channels` | a report taken to a portal, faxed or posted; an acknowledgement by phone or letter |
| `clinician_steps` | the steps on an open case (grounds, phone report...), as Temporal Updates |
| `acknowledgements` | an agency's acknowledgement: its signed callback, or an agency user's |
| `agency` | what an agency user sees: the reports delivered to their agency |
| `consultations` | supervisor consultations: the queue, the de-identified view, the answer |
| `reveals` | the practitioner shows the supervisor a hidden field, with a reason |
| `supervision_record` | a case's consultation rounds, reveals and exceptions |
| `disclosure_exceptions` | a field beyond an allow-list, approved by a second person |
| `compliance` | case lists and a case's merged timeline |
| `privacy_notices` | the client's privacy notice and its acknowledgements |
| `accounting` | the accounting of disclosures and its suspensions |
| `exports` | the de-identified export of a case |
| `fhir` | a case's disclosures as a FHIR Bundle |
| `admin` | users and tokens |
| `codec` | the Temporal Web UI's codec server |

What they call lives outside: the case workflow (`dutyflow.api.case_workflow`), the access
rules (`dutyflow.auth`), the views, lists and exports (`dutyflow.supervision`,
`dutyflow.compliance`, `dutyflow.exports`, `dutyflow.interop`), the records (`dutyflow.store`).
"""
