"""A supplemental report on a delivered case: the kind's grounds form again, every answer
optional, where the practitioner gives only what is new or changed; sent to the API's
``POST /reports/{case_id}/supplements``. Post/redirect/get with a one-time token (the API's
idempotency key): a reload or a double click sends one supplement. Refusals show next to their
inputs, the typed values kept.
"""

from __future__ import annotations

import dataclasses
import secrets

from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.domain.supplement import FIXED_PATHS
from dutyflow.web import answer_items, forms, submitted
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.catalogue import policy_of_case
from dutyflow.web.config import PagesDep, PoliciesDep
from dutyflow.web.forms import FormInput
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.practitioner.case import NOT_YOURS, CaseReader
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted
from dutyflow.web.times import zone_name

router = APIRouter(route_class=PageRoute)

# The hidden input carrying the form's one-time token (the API's idempotency key).
SUPPLEMENT_TOKEN = "supplement_token"
# Where a delivered case may take a supplement (the case workflow has the last word).
OPEN_AFTER_DELIVERY = (
    "awaiting-contacts",
    "awaiting-acknowledgement",
    "awaiting-inform-client-decision",
)


def optional(form_input: FormInput) -> FormInput:
    """The input with nothing required of it: a supplement answers only what changed."""
    return dataclasses.replace(
        form_input, required=False, parts=tuple(optional(p) for p in form_input.parts)
    )


def supplement_inputs(grounds: list[FormInput]) -> list[FormInput]:
    """The kind's grounds questions, all optional, without those a supplement never changes."""
    return [optional(i) for i in grounds if i.name not in FIXED_PATHS]


def show(
    pages: Pages,
    session: WebSession,
    case_id: str,
    inputs: list[FormInput],
    state: FormState,
    status_code: int = 200,
) -> Response:
    return pages.render(
        "practitioner/supplement.html.j2",
        session,
        status_code=status_code,
        title="Add a supplemental report",
        case_id=case_id,
        inputs=inputs,
        state=state,
        token=state.value(SUPPLEMENT_TOKEN) or secrets.token_urlsafe(24),
    )


async def _inputs(api: ApiDep, policies: PoliciesDep, case_id: str) -> list[FormInput] | None:
    status = await api.get(f"/reports/{segment(case_id)}")
    if status.status_code != 200:
        return None
    policy = policy_of_case(policies, status.json())
    return supplement_inputs(forms.grounds_inputs(policy, zone_name())) if policy else []


@router.get("/cases/{case_id}/supplement")
async def supplement_page(
    case_id: str, session: CaseReader, api: ApiDep, pages: PagesDep, policies: PoliciesDep
) -> Response:
    inputs = await _inputs(api, policies, case_id)
    if inputs is None:
        return pages.refused(session, NOT_YOURS, 404)
    return show(pages, session, case_id, inputs, FormState())


@router.post("/cases/{case_id}/supplement")
async def add_supplement(
    case_id: str, posted: Posted, api: ApiDep, pages: PagesDep, policies: PoliciesDep
) -> Response:
    session = posted.session
    inputs = await _inputs(api, policies, case_id)
    if inputs is None:
        return pages.refused(session, NOT_YOURS, 404)
    if answer_items.asked_to_change_items(posted.fields):
        state = FormState(values=answer_items.items_changed(inputs, posted.fields))
        return show(pages, session, case_id, inputs, state)
    fields = answer_items.without_empty_items(inputs, posted.fields)
    body = {"practitioner_id": session.user_id, "answers": submitted.nest(inputs, fields)}
    token = posted.optional(SUPPLEMENT_TOKEN)
    answer = await api.post(
        f"/reports/{segment(case_id)}/supplements",
        json=body,
        headers={"Idempotency-Key": token} if token else {},
    )
    if answer.status_code >= 300:
        # The API names answers by their path in the form ("answers.grounds.observations").
        problems = [
            {**p, "field": p["field"].removeprefix("answers.")} for p in problems_of(answer)
        ]
        names = [i.name for i in forms.shown_inputs(inputs, fields)]
        state = state_from(fields, problems, names)
        return show(pages, session, case_id, inputs, state, answer.status_code)
    return redirect(f"/cases/{segment(case_id)}")
