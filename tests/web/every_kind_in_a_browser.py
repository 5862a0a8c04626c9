"""What the every-kind browser tests share (tests/web/test_every_kind_in_*.py, one module per
original jurisdiction and one for the newer states, so that the test sessions file them side by
side and none is left running alone at the end): every kind of report in
every jurisdiction that has policies, filed through the pages in a real
browser (Debian's headless Chromium) from the new-report page to a closed case, with no API
shortcut: a practitioner answers whatever the kind's form asks (read from the page: each input's
label and type, every repeating group given a second item), then does whatever the case page asks
next (a decision to disclose, the statutory phone call, the review and confirmation, a warning, a
report taken to a portal, the decision to tell the client), the clinic's supervisor approves on
their own pages where the policy asks for a consultation, and each agency reads and acknowledges
the report in its own inbox. What each agency received holds what the review said it would, and
nothing the review said is withheld.

One browser; one context per persona (practitioner, supervisor, each agency); a few practitioner
pages file the cases side by side, each reused from one case to the next."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Error as PlaywrightError
from sqlmodel import select

from dutyflow.domain.agencies import STATEWIDE, AgencyDirectory
from dutyflow.store.tables import DeliveryRecord
from dutyflow.web.catalogue import jurisdictions_and_kinds
from dutyflow.web.forms import field_label
from tests.conftest import Harness
from tests.web.conftest import WebUser
from tests.web.test_personas import signed_in_page

# Half the kinds in each original jurisdiction, California with England and New York with Texas
# filing every kind between them (the kinds with a state form of their own first), and one kind in
# each other jurisdiction: every kind is filed twice a run. Each case costs the suite seconds of
# CPU on a 2-core machine: every kind everywhere is the nightly run's,
# DUTYFLOW_EVERY_KIND_EVERYWHERE=1.
HALF_THE_KINDS_IN = {
    "US-CA": ("child-abuse", "danger-to-others", "subpoena"),
    "GB-ENG": ("elder-abuse", "danger-to-self", "court-order"),
    "US-NY": ("child-abuse", "danger-to-others", "subpoena"),
    "US-TX": ("elder-abuse", "danger-to-self", "court-order"),
}
# The pairs of jurisdictions that file every kind between them.
HALVES = (("US-CA", "GB-ENG"), ("US-NY", "US-TX"))
# How many cases are filed at once: each waits mostly on the workflow, so a few pages side by side
# keep the 2-core machine busy without starving the worker and the served app (a jurisdiction's six
# kinds in two turns).
PAGES_AT_ONCE = 3
# How long one case may take from its form to closed, on a machine shared with other sessions.
CASE_TIMEOUT_S = 240
# What a person enters for inputs a plain "Example ..." would not pass, by words in the label.
BY_LABEL = (
    ("age in years", "9"),
    ("which fields", "client.name"),  # a court order's or a request's scope, as case-file fields
)
# What Playwright says when the page reloaded itself while being read or left.
NAVIGATED_AWAY = ("context was destroyed", "ERR_ABORTED")
ZONE_HINT = re.compile(r"Date and time, ([^.]+)\.")

# One report form's inputs, read in the page: name, id, type, label and what is already there.
READ_INPUTS = """form => Array.from(form.querySelectorAll("input, select, textarea"))
  .filter(e => !["hidden", "submit", "button"].includes(e.type))
  .map(e => ({
    id: e.id, name: e.name, type: e.type, tag: e.tagName.toLowerCase(), value: e.value,
    label: (e.labels && e.labels.length ? e.labels[0].innerText : ""),
    group: (e.closest("fieldset") ? e.closest("fieldset").querySelector("legend").innerText : ""),
    hint: (document.getElementById(e.id + "-hint") || {innerText: ""}).innerText,
    options: e.tagName === "SELECT" ? Array.from(e.options).map(o => o.value).filter(v => v) : [],
  }))"""


def county_of(directory: AgencyDirectory, jurisdiction: str) -> str:
    """A county of ``jurisdiction`` with agencies of its own in the directory (the clinic's, as
    the clinician knows it), else any: the statewide agencies serve every county."""
    counties = sorted({a.county for a in directory.all()} - {STATEWIDE})
    for county in counties:
        for role in directory.roles(jurisdiction):
            found = directory.find(jurisdiction, county, role)
            if found is not None and found.county == county:
                return county
    return "Demo County"


def every_kind() -> list[tuple[str, str]]:
    """The cases to file: the kinds of `HALF_THE_KINDS_IN` in California, England, New York and
    Texas, and one kind of each other jurisdiction the policy library has (a different kind
    in each, in turn); with ``DUTYFLOW_EVERY_KIND_EVERYWHERE=1``, every kind of every
    jurisdiction."""
    from dutyflow.domain.policy import PolicyLibrary
    from dutyflow.settings import REPO_ROOT

    catalogue = jurisdictions_and_kinds(PolicyLibrary(REPO_ROOT / "policies"))
    everywhere = os.environ.get("DUTYFLOW_EVERY_KIND_EVERYWHERE") == "1"
    chosen = []
    others = [j for j in catalogue if j not in HALF_THE_KINDS_IN]
    for jurisdiction, kinds in catalogue.items():
        if everywhere:
            chosen += [(jurisdiction, kind) for kind in kinds]
        elif jurisdiction in HALF_THE_KINDS_IN:
            chosen += [(jurisdiction, kind) for kind in HALF_THE_KINDS_IN[jurisdiction]]
        else:
            chosen.append((jurisdiction, kinds[others.index(jurisdiction) % len(kinds)]))
    return chosen


@dataclass
class ReviewedDocument:
    """One recipient's document as the review showed it before sending."""

    heading: str
    sent: str
    withheld: list[str]


@dataclass
class Filing:
    """One case filed through the pages: what was typed (by input name) and what was reviewed."""

    jurisdiction: str
    kind: str
    county: str
    typed: dict[str, str] = field(default_factory=dict)
    case_id: str = ""
    reviewed: list[ReviewedDocument] = field(default_factory=list)
    received: list[tuple[str, str]] = field(default_factory=list)  # agency name and text
    steps: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.kind} ({self.case_id or 'no case'})"


class Personas:
    """The browser's signed-in people: the practitioner (several pages), the supervisor of their
    clinic, and each agency (made and signed in when first needed)."""

    def __init__(self, chromium: Any, stack: Harness, web_users: Any) -> None:
        self.chromium, self.stack, self.web_users = chromium, stack, web_users
        self.practitioner: WebUser = web_users("practitioner")
        self.supervisor: WebUser = web_users("supervisor", clinic_id=self.practitioner.clinic_id)
        self._contexts: dict[str, Any] = {}
        self._pages: dict[str, tuple[Any, asyncio.Lock]] = {}
        self._agency_users: dict[str, WebUser] = {}
        self._opening = asyncio.Lock()

    async def context_of(self, user: WebUser) -> Any:
        async with self._opening:
            if user.user_id not in self._contexts:
                page = await signed_in_page(self.chromium, self.stack, user)
                self._contexts[user.user_id] = page.context
                self._pages[user.user_id] = (page, asyncio.Lock())
            return self._contexts[user.user_id]

    async def practitioner_page(self) -> Any:
        return await (await self.context_of(self.practitioner)).new_page()

    async def one_page_of(self, user: WebUser) -> tuple[Any, asyncio.Lock]:
        """The persona's one page, with the lock that takes turns on it."""
        await self.context_of(user)
        return self._pages[user.user_id]

    async def agency(self, agency_id: str) -> tuple[Any, asyncio.Lock]:
        """A user of agency ``agency_id``'s inbox, made when first needed, and their page."""
        if agency_id not in self._agency_users:
            self._agency_users[agency_id] = self.web_users("agency", agency_id=agency_id)
        return await self.one_page_of(self._agency_users[agency_id])


# --- the report's form, answered as read in the page ---------------------------------------------


def _answer(control: dict[str, Any], typed: dict[str, str]) -> str:
    """A plausible answer to a text input, by its label, unique to the input (so that what an
    agency received can be told apart)."""
    label = control["label"].lower()
    if "client's id" in label:
        return f"client-web-{len(typed) + 1:04d}"  # an opaque id, as its hint asks, never a name
    for words, value in BY_LABEL:
        if words in label:
            return value
    if "telephone" in label or "phone" in label:
        return f"(916) 555-{len(typed) + 100:04d}"  # each its own, to be told apart
    if control["type"] == "date":
        return "2016-05-01"
    if control["type"] == "datetime-local":
        zone = ZONE_HINT.search(control["hint"])
        moment = datetime.now(ZoneInfo(zone.group(1) if zone else "UTC")) - timedelta(minutes=5)
        return moment.strftime("%Y-%m-%dT%H:%M")
    if "e-mail" in label:
        return f"reporter{len(typed) + 1}@clinic.example.org"
    if "address" in label:
        return f"{len(typed) + 1} Example Street, Demo Town"
    words = re.sub(r"[^a-z0-9]+", " ", control["name"].lower()).strip()
    return f"Example {words}"


async def add_another_of_each(page: Any) -> None:
    """Every repeating group (people at risk, children also harmed, household members) given a
    second item, with its "add another" button."""
    buttons = page.locator("form button[name=add-item]")
    sections = [await b.get_attribute("value") for b in await buttons.all()]
    for section in sections:
        await page.locator(f"form button[name=add-item][value='{section}']").click()
        await page.wait_for_load_state()


async def answer_every_question(page: Any, filing: Filing) -> None:
    """Answers each input of the report form as a clinician would: a choice's first option, yes
    to a yes-or-no question, the first of several choices, and text that names its input; what
    the page pre-filled (the practitioner's profile) is kept."""
    form = page.locator("form[method=post]").last
    controls = await form.evaluate(READ_INPUTS)
    chosen: set[str] = set()
    for control in controls:
        target = page.locator(f"[id='{control['id']}']")
        name = control["name"]
        if control["type"] in ("radio", "checkbox"):
            if name in chosen:
                continue
            same = [c for c in controls if c["name"] == name]
            pick = next((c for c in same if c["id"].endswith("-yes")), same[0])
            await page.locator(f"[id='{pick['id']}']").check()
            chosen.add(name)
        elif control["tag"] == "select":
            if not control["value"]:
                await target.select_option(control["options"][0])
        elif not control["value"]:
            value = filing.county if name == "county" else _answer(control, filing.typed)
            await target.fill(value)
            filing.typed[name] = value


async def file_the_report(page: Any, filing: Filing) -> None:
    """From the new-report page to the new case's page."""
    await page.goto("/app/reports/new")
    await page.get_by_label("Jurisdiction").select_option(filing.jurisdiction)
    await page.locator(f"[id='kind-{filing.kind}']").check()
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_load_state()
    await add_another_of_each(page)
    await answer_every_question(page, filing)
    await page.get_by_role("button", name="Open the report and record the grounds").last.click()
    await page.wait_for_load_state()
    if "/app/cases/case-" not in page.url:
        refused = await page.locator(".error-summary").all_inner_texts()
        raise AssertionError(f"the report form was refused: {refused}")
    filing.case_id = page.url.rsplit("/", 1)[1]


# --- the case page, step by step -----------------------------------------------------------------


async def submit(page: Any, form: Any, button: str, filing: Filing, step: str) -> None:
    """Sends ``form`` with its ``button``; a refusal fails the case, naming the step."""
    await form.get_by_role("button", name=button).click()
    await page.wait_for_load_state()
    refused = await page.locator(".error-summary, .error-message").all_inner_texts()
    if refused:
        raise AssertionError(f"{step} was refused: {refused}")
    filing.steps.append(step)


async def review_and_send(page: Any, filing: Filing) -> None:
    """Reads, per recipient, what will be sent and what is withheld; then confirms."""
    await page.get_by_role("link", name="Review what each recipient will receive").click()
    await page.wait_for_load_state()
    filing.reviewed = []  # what this review shows, not an earlier one
    for section in await page.locator("main section").all():
        heading = await section.locator("h2").inner_text()
        sent = await section.locator("h3:has-text('What will be sent') + *").inner_text()
        withheld_list = section.locator("h3:has-text('What is withheld') + ul li")
        withheld = await withheld_list.all_inner_texts()
        filing.reviewed.append(ReviewedDocument(heading, sent, withheld))
    confirm = page.locator("form[action$='/confirm']")
    if not await confirm.count():
        return  # not ready to send yet: back to the case, and again
    # "Confirm and send these reports", or "Confirm: nothing is sent in writing" for a case told
    # to every recipient by telephone (New York's elder abuse).
    await submit(page, confirm, "Confirm", filing, "confirmation")


async def approve_as_supervisor(personas: Personas, filing: Filing) -> None:
    """The clinic's supervisor finds the case in their queue and approves it."""
    page, turn = await personas.one_page_of(personas.supervisor)
    async with turn:
        await page.goto("/app/supervision")
        await page.locator(f"a[href$='/supervision/{filing.case_id}']").first.click()
        await page.get_by_label("Approve: the report goes on").check()
        await page.get_by_role("button", name="Send your answer").click()
        await page.wait_for_url("**/app/supervision")
    filing.steps.append("supervisor approved")


def deliveries_of(stack: Harness, case_id: str) -> list[DeliveryRecord]:
    with stack.sessions() as session:
        return list(
            session.exec(select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)).all()
        )


async def acknowledge(personas: Personas, page: Any, form: Any, filing: Filing) -> None:
    """The agency acknowledges the report in its own inbox; a report that did not reach an
    inbox (taken to a portal) is acknowledged by the practitioner, as the agency told them."""
    report_id = await form.locator("input[name=report_id]").get_attribute("value")
    deliveries = deliveries_of(personas.stack, filing.case_id)
    [delivery] = [d for d in deliveries if d.report_id == report_id]
    inbox, turn = await personas.agency(delivery.agency_id)
    async with turn:
        await inbox.goto("/app/agency")
        link = inbox.get_by_role("link", name=report_id)
        if await link.count():
            await link.click()
            await inbox.get_by_label("Accepted for investigation").check()
            await inbox.get_by_role("button", name="Acknowledge").click()
            assert "recorded" in await inbox.locator("#outcome").inner_text()
            filing.steps.append("agency acknowledged")
            return
    await form.locator("input[name=received_via][value=phone]").check()
    await form.get_by_label("Who at the agency").fill("Intake worker M. Lee")
    await form.locator("input[name=decision][value=accepted]").check()
    await form.locator("input[name=reference_number]").fill("REF-WEB-0001")
    await submit(page, form, "Record the acknowledgement", filing, "acknowledgement recorded")


async def next_step(personas: Personas, page: Any, filing: Filing) -> bool:
    """Does what the case page asks next; False when there is nothing to do yet."""
    stage = (await page.locator("#stage").inner_text()).split(" (")[0]
    forms_of = lambda action: page.locator(f"main form[action$='/{action}']")  # noqa: E731
    if stage == "awaiting supervisor":
        await approve_as_supervisor(personas, filing)
        return True
    if await forms_of("disclosure-decisions").count():
        form = forms_of("disclosure-decisions").first
        await form.locator("input[value=disclose]").check()
        await form.locator("textarea[name=reasons]").fill("Needed to protect the person at risk.")
        await submit(page, form, "Record the decision", filing, "decided to disclose")
        return True
    if await forms_of("phone-report").count():
        form = forms_of("phone-report")
        await form.get_by_label("Who took the report").fill("Intake worker M. Lee")
        await form.get_by_label("Reference number they gave").fill("HOTLINE-WEB-0001")
        await submit(page, form, "Record the call", filing, "phone call")
        return True
    if stage == "awaiting confirmation":
        await review_and_send(page, filing)
        return True
    if await forms_of("report-sent").count():
        form = forms_of("report-sent").first
        number = form.locator("input[name=confirmation_number]")
        if await number.count():
            await number.fill("PORTAL-WEB-0001")
        await submit(page, form, "Record the report as sent", filing, "report taken to the agency")
        return True
    if await forms_of("agency-reference").count():
        form = forms_of("agency-reference").first
        await form.locator("input[name=reference_number]").fill("REF-WEB-0002")
        await submit(page, form, "Record the reference", filing, "agency reference")
        return True
    if await forms_of("contact-attempts").count():
        form = forms_of("contact-attempts").first
        await form.locator("input[name=channel][value=phone]").check()
        await form.locator("input[name=outcome][value=reached]").check()
        await submit(page, form, "Record the attempt", filing, "warning given")
        return True
    if stage == "awaiting acknowledgement" and await forms_of("acknowledgement-received").count():
        await acknowledge(personas, page, forms_of("acknowledgement-received").first, filing)
        return True
    if stage == "awaiting inform client decision" and await forms_of("inform-client").count():
        form = forms_of("inform-client")
        await form.get_by_label("Yes").check()
        await form.get_by_label("How (in person, by telephone, in writing)").fill("In person")
        await form.locator("[name=informed_at]").fill(
            _answer({"label": "", "type": "datetime-local", "hint": "", "name": ""}, {})
        )
        await submit(page, form, "Record the decision", filing, "client told")
        return True
    return False


async def until_closed(personas: Personas, page: Any, filing: Filing) -> None:
    """The case page, step after step, until it reads closed."""
    closed = page.get_by_text("Nothing left to do: the case is closed.")
    while not await closed.is_visible():
        try:
            if not await next_step(personas, page, filing):
                await page.wait_for_timeout(300)  # Dutyflow is working: look again shortly
            await page.goto(f"/app/cases/{filing.case_id}")
        except PlaywrightError as error:
            # The page of a busy case reloads itself every few seconds, perhaps while read.
            if not any(cut in str(error) for cut in NAVIGATED_AWAY):
                raise
            await page.goto(f"/app/cases/{filing.case_id}")


# --- what each agency received -------------------------------------------------------------------


def withheld_values(filing: Filing, document: ReviewedDocument) -> list[str]:
    """What was typed only into inputs the review listed as withheld from ``document``: a value
    also typed into an input that is sent (the filler gives many inputs the same plausible
    address) says nothing of a leak, nor does a value too short to tell apart from the report's
    own words (an age of 9, a "yes")."""
    labels = set(document.withheld)

    def withheld(name: str) -> bool:
        return field_label(name) in labels or field_label(re.sub(r"\[\d+\]", "", name)) in labels

    sent = {value for name, value in filing.typed.items() if not withheld(name)}
    return [
        value
        for name, value in filing.typed.items()
        if withheld(name) and value not in sent and len(value) > 3 and not value.isdigit()
    ]


async def received_by_each_agency(personas: Personas, filing: Filing) -> list[tuple[str, str]]:
    """Each delivered report's agency (by name) and text, as the agency reads it in its inbox."""
    received = []
    for delivery in deliveries_of(personas.stack, filing.case_id):
        inbox, turn = await personas.agency(delivery.agency_id)
        async with turn:
            await inbox.goto("/app/agency")
            link = inbox.get_by_role("link", name=delivery.report_id)
            if not await link.count():
                continue  # taken to the agency's portal by the practitioner: no inbox copy
            await link.click()
            text = await inbox.frame_locator("iframe").locator("body").inner_text()
            agency = personas.stack.directory.by_id(delivery.agency_id)
            received.append((agency.name if agency else delivery.agency_id, text))
    return received


def appears(value: str, text: str) -> bool:
    """Whether ``value`` is in ``text`` as a whole ("7 Example Street" is not in "27 Example
    Street")."""
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None


def check_received(filing: Filing, received: list[tuple[str, str]]) -> None:
    """Each received report holds every typed value its review showed as sent, and none of the
    values its review listed as withheld."""
    typed = [v for v in filing.typed.values() if v.startswith("Example")]
    for agency, text in received:
        reviewed = [d for d in filing.reviewed if d.heading.startswith(f"To {agency} (")]
        assert reviewed, f"{filing}: {agency} received a report never reviewed"
        missing = [v for v in typed if v in reviewed[0].sent and v not in text]
        leaked = [v for v in withheld_values(filing, reviewed[0]) if appears(v, text)]
        assert not missing and not leaked, f"{filing}: {agency} missing {missing}, got {leaked}"
        assert any(v in text for v in typed), f"{filing}: {agency} holds nothing that was typed"


def people_received(filing: Filing, *sections: str) -> list[str]:
    """The names typed for the people of ``sections`` that some agency received."""
    names = [
        value
        for name, value in filing.typed.items()
        if name.endswith(".name") and re.sub(r"\[\d+\]", "", name.split(".")[0]) in sections
    ]
    return [n for n in names if any(n in text for _, text in filing.received)]


async def file_to_closed(personas: Personas, page: Any, filing: Filing) -> None:
    async with asyncio.timeout(CASE_TIMEOUT_S):
        await file_the_report(page, filing)
        await until_closed(personas, page, filing)
        filing.received = await received_by_each_agency(personas, filing)
        check_received(filing, filing.received)


async def file_all(personas: Personas, filings: list[Filing], tmp_path: Path) -> dict[str, str]:
    """Files every case, a few pages side by side; what went wrong, by case."""
    queue: asyncio.Queue[Filing] = asyncio.Queue()
    for filing in filings:
        queue.put_nowait(filing)
    failures: dict[str, str] = {}

    async def worker() -> None:
        page = await personas.practitioner_page()
        while not queue.empty():
            filing = queue.get_nowait()
            try:
                await file_to_closed(personas, page, filing)
            except Exception as problem:  # every case's problem, all reported at the end
                failures[str(filing)] = f"{type(problem).__name__}: {problem}, after {filing.steps}"
                with contextlib.suppress(Exception):
                    shot = tmp_path / f"{filing.jurisdiction}-{filing.kind}.png"
                    await page.screenshot(path=str(shot), full_page=True)
                page = await personas.practitioner_page()

    await asyncio.gather(*(worker() for _ in range(PAGES_AT_ONCE)))
    return failures


async def file_every_kind_to_closed(
    stack: Harness, web_users: Any, chromium: Any, tmp_path: Path, jurisdictions: Iterable[str]
) -> dict[tuple[str, str], Filing]:
    """Files the cases of `every_kind` in ``jurisdictions`` to closed, in the browser; fails
    naming every case that went wrong. The filings, by jurisdiction and kind."""
    wanted = set(jurisdictions)
    personas = Personas(chromium, stack, web_users)
    filings = [
        Filing(jurisdiction, kind, county_of(stack.directory, jurisdiction))
        for jurisdiction, kind in every_kind()
        if jurisdiction in wanted
    ]
    assert filings, f"no policy in {sorted(wanted)}"

    failures = await file_all(personas, filings, tmp_path)

    assert not failures, "\n".join(f"{case}: {why}" for case, why in failures.items())
    return {(f.jurisdiction, f.kind): f for f in filings}


def kinds_chosen_in(jurisdiction: str) -> set[str]:
    """The kinds `every_kind` files in ``jurisdiction`` in this run."""
    return {kind for chosen, kind in every_kind() if chosen == jurisdiction}


def newer_jurisdictions() -> list[str]:
    """The jurisdictions with policies beyond California, New York, Texas and England: one kind
    each by default."""
    return sorted({jurisdiction for jurisdiction, _ in every_kind()} - set(HALF_THE_KINDS_IN))
