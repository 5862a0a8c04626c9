"""Every step of a case that touches the world, as Temporal activities: thin, idempotent, each
writing its record and its audit entry in one transaction (the decisions they record are made in
`dutyflow.domain`).

    case_records   opening, grounds, phone report, decisions, contacts, confirmation,
                   acknowledgements, escalations, the outcome
    obligations    who must be told, by when (from policy), and the fields each recipient gets
    reports        the report rendered per recipient; the phone call's script
    delivery       delivering a report to an agency's intake endpoint
    supervision    supervisor consultations and disclosure exceptions
    duties         every duty with a deadline: taken on, met
"""
