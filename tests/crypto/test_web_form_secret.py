"""The web forms' CSRF key comes from the master keys: every API process of a deployment accepts
a form another one served, and a deployment with other keys does not."""

from __future__ import annotations

import base64
import secrets

from dutyflow.crypto.keys import web_form_secret
from dutyflow.settings import Settings
from dutyflow.web.security import CsrfGuard


def settings_with(*keys: bytes) -> Settings:
    return Settings(master_keys=",".join(base64.b64encode(k).decode() for k in keys))


def test_two_api_processes_with_the_same_master_keys_accept_each_others_forms() -> None:
    keys = (secrets.token_bytes(32), secrets.token_bytes(32))
    served_by, sent_to = (
        CsrfGuard(web_form_secret(settings_with(*keys))),
        CsrfGuard(web_form_secret(settings_with(*keys))),
    )

    assert sent_to.valid("session-token-1", served_by.token_for("session-token-1"))
    assert not sent_to.valid("session-token-2", served_by.token_for("session-token-1"))


def test_another_deployment_or_a_rotated_key_refuses_the_form() -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    token = CsrfGuard(web_form_secret(settings_with(old))).token_for("session")

    assert not CsrfGuard(web_form_secret(settings_with(new, old))).valid("session", token)
    assert web_form_secret(settings_with(old)) != old  # derived, never the master key itself
