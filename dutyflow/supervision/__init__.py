"""Supervision: the consultation queue and the de-identified view a supervisor sees, reveals made
by the practitioner (with a reason), and disclosure exceptions approved by a second person."""
