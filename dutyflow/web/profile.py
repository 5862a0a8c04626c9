"""The practitioner's profile page (``/app/profile``): who they are as a reporter, which fills in
a new report's reporter section, and their mandated-reporter training attestations, one group
of inputs per training the law asks (`dutyflow.domain.training`, from ``policies/training.yaml``).
Post/redirect/get; a refused form is shown again with every typed value and each problem next to
its input, named by its label. The profile is read and saved through the API (``/me/profile``).

Also here: the training attestations of every practitioner, for compliance and supervisors
(``/app/compliance/training``); `prefill_of`, the reporter inputs a new report starts with;
and `missing_training`, the training a report is filed without (a warning on the report form).
"""

from __future__ import annotations

import re
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from dutyflow.domain.practitioner_profile import (
    ATTESTATION_LABELS,
    PROFILE_LABELS,
    PractitionerProfile,
    reporter_prefill,
)
from dutyflow.domain.training import TrainingRequirement, training_policy
from dutyflow.web.api_client import ApiDep
from dutyflow.web.config import PagesDep
from dutyflow.web.forms import FormInput
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.refusals import FormState, problems_of, problems_text, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SignedIn

router = APIRouter(route_class=PageRoute)

CLINICIAN_ROLES = ("practitioner", "supervisor")
ClinicianSession = Annotated[WebSession, Depends(SignedIn(*CLINICIAN_ROLES))]
SAVED = "Your profile is saved. New reports start with it."
_ATTESTED = re.compile(r"^attestations\[(\d+)\]\.(\w+)$")


def profile_inputs() -> list[FormInput]:
    """The profile's own inputs, by field name, labelled as the page asks them."""
    return [
        FormInput(
            name,
            label,
            "textarea" if name == "business_address" else "text",
            required=name == "name",
        )
        for name, label in PROFILE_LABELS.items()
    ]


def attestation_inputs(requirement: TrainingRequirement) -> list[FormInput]:
    """One training's inputs (``attestations.<requirement>.course``...), labelled by its title."""
    return [
        FormInput(
            f"attestations.{requirement.id}.{name}",
            f"{label} ({requirement.title})",
            "date" if name == "completed_on" else "text",
            hint="A date, like 2024-03-01." if name == "completed_on" else None,
        )
        for name, label in ATTESTATION_LABELS.items()
    ]


def form_values(profile: PractitionerProfile | None) -> dict[str, list[str]]:
    """The form's values as the saved profile gives them."""
    if profile is None:
        return {}
    values = {
        name: [value] for name in PROFILE_LABELS if (value := getattr(profile, name)) is not None
    }
    for attested in profile.attestations:
        for name in ATTESTATION_LABELS:
            values[f"attestations.{attested.requirement}.{name}"] = [str(getattr(attested, name))]
    return values


def body_of(fields: dict[str, list[str]]) -> tuple[dict[str, object], list[str]]:
    """The API's body from the submitted form, and which training each attestation in it is
    (an attestation is sent when any of its inputs is filled in; an empty one is none)."""

    def value(name: str) -> str:
        return (fields.get(name) or [""])[0].strip()

    body: dict[str, object] = {name: value(name) or None for name in PROFILE_LABELS}
    attestations: list[dict[str, str]] = []
    order: list[str] = []
    for requirement in training_policy().requirements:
        given = {n: value(f"attestations.{requirement.id}.{n}") for n in ATTESTATION_LABELS}
        if any(given.values()):
            attestations.append({"requirement": requirement.id, **given})
            order.append(requirement.id)
    body["attestations"] = attestations
    return body, order


def problems_by_input(problems: list[dict[str, str]], order: list[str]) -> list[dict[str, str]]:
    """The API's problems with ``attestations[1].course`` as the input it is about
    (``attestations.<requirement>.course``)."""
    named = []
    for problem in problems:
        found = _ATTESTED.match(problem.get("field", ""))
        if found and int(found.group(1)) < len(order):
            field = f"attestations.{order[int(found.group(1))]}.{found.group(2)}"
            problem = {**problem, "field": field}
        named.append(problem)
    return named


def show_profile(
    pages: Pages,
    session: WebSession,
    state: FormState,
    *,
    done: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    requirements = training_policy().requirements
    trainings = [(r, attestation_inputs(r)) for r in requirements]
    return pages.render(
        "profile.html.j2",
        session,
        status_code=status_code,
        title="Your profile",
        state=state,
        inputs=profile_inputs(),
        trainings=trainings,
        every_input=profile_inputs() + [i for _, inputs in trainings for i in inputs],
        done=SAVED if done else None,
    )


async def saved_profile(api: httpx.AsyncClient) -> PractitionerProfile | None:
    """The caller's saved profile, or None (none saved, or a role without one)."""
    answer = await api.get("/me/profile")
    if answer.status_code != 200:
        return None
    return PractitionerProfile.model_validate(answer.json())


@router.get("/profile")
async def profile_page(
    session: ClinicianSession, api: ApiDep, pages: PagesDep, done: str | None = None
) -> Response:
    found = await saved_profile(api)
    return show_profile(pages, session, FormState(values=form_values(found)), done=done == "saved")


@router.post("/profile")
async def save_profile(posted: Posted, api: ApiDep, pages: PagesDep) -> Response:
    """The whole profile through the API; refused, the form again with what was typed."""
    session = posted.session
    if session.role not in CLINICIAN_ROLES:
        return pages.refused(session, "Only a practitioner or a supervisor keeps a profile.", 403)
    body, order = body_of(posted.fields)
    answer = await api.put("/me/profile", json=body)
    if answer.status_code != 200:
        names = [i.name for i in profile_inputs()] + [
            i.name for r in training_policy().requirements for i in attestation_inputs(r)
        ]
        problems = problems_by_input(problems_of(answer), order)
        state = state_from(posted.fields, problems, names)
        return show_profile(pages, session, state, status_code=answer.status_code)
    return redirect("/profile?done=saved")


async def prefill_of(api: httpx.AsyncClient) -> dict[str, list[str]]:
    """A new report's reporter inputs as the caller's saved profile fills them in."""
    return reporter_prefill(await saved_profile(api))


async def missing_training(
    api: httpx.AsyncClient, jurisdiction: str, kind: str
) -> list[TrainingRequirement]:
    """The training the law asks of such a report that the caller has not recorded (none when
    the API cannot say: this is a warning, and nothing waits on it)."""
    answer = await api.get("/me/training", params={"jurisdiction": jurisdiction, "kind": kind})
    if answer.status_code != 200:
        return []
    return [TrainingRequirement.model_validate(r) for r in answer.json()]


ReviewerSession = Annotated[WebSession, Depends(SignedIn("compliance", "supervisor"))]


@router.get("/compliance/training")
async def training_overview(session: ReviewerSession, api: ApiDep, pages: PagesDep) -> Response:
    """Each practitioner's training attestations, against every training the law asks (a
    supervisor sees their own clinic's practitioners)."""
    answer = await api.get("/compliance/training")
    if answer.status_code != 200:
        return pages.refused(session, problems_text(answer), answer.status_code)
    return pages.render(
        "compliance/training.html.j2",
        session,
        title="Mandated-reporter training",
        practitioners=answer.json(),
        requirements=training_policy().requirements,
    )
