"""Every step of a case that touches the world, as Temporal activities: thin, idempotent, each
writing its record and its audit entry in one transaction (the decisions they record are made in
`dutyflow.domain`).

    case_records   opening, grounds, phone report, decisions, contacts, confirmation,
                   acknowledgements, escalations, the outcome
    obligations    who must be told, by when (from policy), and the fields each recipient gets
    reports        the report rendered per recipient; the phone call's script
    delivery       delivering a report to an agency's intake endpoint
    channels       the other channels: e-mail over TLS; portal, fax and post the practitioner
                   takes the report by, then records
    delivery_records  what every channel shares: the recipient checked, the delivery written
                   with its accounting entry once
    agency_references  the reference an agency gave, recorded by the practitioner
    supervision    supervisor consultations and disclosure exceptions
    duties         every duty with a deadline: taken on, met
"""
