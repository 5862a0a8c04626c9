"""Telling people by e-mail: each step of a deadline's escalation ladder (``escalation``) and the
test message a user asks for from their account (``test_message``). What a message says is
decided in `dutyflow.domain.notifications`; the mail is moved by `dutyflow.mail`."""
