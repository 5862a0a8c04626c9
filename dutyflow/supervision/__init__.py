"""Supervision: the de-identified view a supervisor sees, and which fields the practitioner may
reveal in it (`dutyflow.supervision.views`). Their endpoints (the consultation queue, reveals,
disclosure exceptions approved by a second person) are in `dutyflow.api.routes`."""
