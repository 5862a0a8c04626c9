"""Rendering a limited disclosure into a report form (HTML and plain text).

A form's layout is data (``templates/forms/<form_id>.yaml``): sections of fields, each naming a
dotted case-file path, a label and a kind. Rendering takes the *limited* fields that
`dutyflow.domain.disclosure.limit_fields` produced for one recipient and resolves every value in
Python into rows of display strings; the Jinja templates (``templates/report.html.j2`` and
``templates/report.txt.j2``) only lay those rows out.

Safety rules:

* A layout field absent from the limited fields was withheld by policy: rendering fails with
  `WithheldFieldError` (naming the path, never a value) rather than leaving a silent gap. Only a
  field the layout marks ``optional`` (e.g. a record a court order may or may not authorise) is
  shown as the layout's ``withheld_text`` instead, which says so on the face of the document.
* A layout may carry a fixed ``statement`` (paragraphs of plain text, e.g. what a notice to a
  potential victim says); it is data like any value, escaped, never template source.
* Values are data, never template source, and the HTML template autoescapes everything; nothing
  from the case is marked safe.
* Output depends only on the layout, the fields and the `RenderContext`, so the same inputs give
  byte-identical documents and the same `document_sha256`.
"""

from __future__ import annotations

import functools
import os
import re
import types
import typing
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dutyflow.domain import yaml_text
from dutyflow.domain.case import CaseFile
from dutyflow.domain.disclosure import NEVER_DISCLOSED, leaf_paths
from dutyflow.domain.documents import document_sha256
from dutyflow.domain.reference_files import ParsedFiles

_DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES_DIR = Path(os.environ.get("DUTYFLOW_TEMPLATES_DIR") or _DEFAULT_TEMPLATES_DIR)

HTML_TEMPLATE = "report.html.j2"
TEXT_TEMPLATE = "report.txt.j2"

FIELD_KINDS = frozenset({"text", "narrative", "flag", "date", "datetime", "list"})
NOT_KNOWN = "Not known"
NONE_RECORDED = "None recorded"
WITHHELD_TEXT = "Not disclosed"
POLICY_CITATION_PLACEHOLDER = "{policy_citation}"

_FORM_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SECTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_TOP_KEYS_REQUIRED = ("id", "code", "title", "citation", "confidentiality_notice", "sections")
_TOP_KEYS_OPTIONAL = ("layout_status", "layout_note", "statement", "withheld_text")
_SECTION_KEYS_REQUIRED = ("id", "title", "fields")
_SECTION_KEYS_OPTIONAL = ("repeat", "item_title")
_FIELD_KEYS = ("path", "label", "kind")
_FIELD_KEYS_OPTIONAL = ("optional",)


# --- layouts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    path: str
    label: str
    kind: str
    optional: bool = False


@dataclass(frozen=True)
class FormSection:
    id: str
    title: str
    fields: tuple[FormField, ...]
    repeat: str | None = None
    item_title: str | None = None


@dataclass(frozen=True)
class FormLayout:
    id: str
    code: str
    title: str
    citation: str
    sections: tuple[FormSection, ...]
    confidentiality_notice: str = ""
    layout_status: str | None = None
    statement: tuple[str, ...] = ()
    withheld_text: str = WITHHELD_TEXT


class FormLayoutError(ValueError):
    """A form layout file is missing or malformed. The message names the file and the problem."""


def layout_paths(layout: FormLayout) -> set[str]:
    """Every case-file path the layout renders that an allow-list may name: the allow-list the
    form needs in full. (Content marked private, which only a court order can open, is never on
    an allow-list; `private_layout_paths` names it.)"""
    return {f.path for section in layout.sections for f in section.fields} - NEVER_DISCLOSED


def private_layout_paths(layout: FormLayout) -> set[str]:
    """The content marked private the layout shows when, and only when, a court order names it."""
    return {f.path for section in layout.sections for f in section.fields} & NEVER_DISCLOSED


def required_layout_paths(layout: FormLayout) -> set[str]:
    """The paths a recipient's allow-list must name for the form to render at all."""
    return {f.path for section in layout.sections for f in section.fields if not f.optional}


def _list_paths(model: Any = CaseFile, prefix: str = "") -> set[str]:
    """Paths of case-file fields that are lists of sub-objects (e.g. ``guardians``)."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is list and args and _is_model(args[0]):
            found.add(path)
            found |= _list_paths(args[0], f"{path}.")
        elif origin in (typing.Union, types.UnionType):
            for arg in args:
                if _is_model(arg):
                    found |= _list_paths(arg, f"{path}.")
        elif _is_model(annotation):
            found |= _list_paths(annotation, f"{path}.")
    return found


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and hasattr(annotation, "model_fields")


def _check_keys(
    where: str, data: Any, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    if not isinstance(data, dict):
        raise FormLayoutError(f"{where}: expected a mapping")
    missing = [k for k in required if k not in data]
    if missing:
        raise FormLayoutError(f"{where}: missing key(s) {', '.join(missing)}")
    unknown = sorted(str(k) for k in data if k not in required + optional)
    if unknown:
        raise FormLayoutError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _string(where: str, data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise FormLayoutError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def load_form_layout(form_id: str, templates_dir: Path = TEMPLATES_DIR) -> FormLayout:
    """Load and validate ``<templates_dir>/forms/<form_id>.yaml``."""
    if not isinstance(form_id, str) or not _FORM_ID.fullmatch(form_id):
        raise ValueError(
            f"form_id must match {_FORM_ID.pattern} (lower-case letters, digits, hyphens); "
            f"got {str(form_id)[:80]!r}"
        )
    path = Path(templates_dir) / "forms" / f"{form_id}.yaml"
    try:
        return _layout_files.get(path)
    except FileNotFoundError:
        raise FormLayoutError(f"{path}: no layout for form_id {form_id!r}") from None


def _read_layout(path: Path) -> FormLayout:
    """The layout in ``path`` (``forms/<form_id>.yaml``)."""
    source = path.read_text(encoding="utf-8")
    try:
        data = yaml_text.safe_load(source)
    except yaml.YAMLError as exc:
        raise FormLayoutError(f"{path}: not valid YAML: {exc}") from None
    return _parse_layout(path, path.stem, data)


# Parsed once per file as it stands: every rendering and delivery reads its form's layout.
_layout_files = ParsedFiles(_read_layout)


def _parse_layout(file: Path, form_id: str, data: Any) -> FormLayout:
    _check_keys(str(file), data, _TOP_KEYS_REQUIRED, _TOP_KEYS_OPTIONAL)
    where = str(file)
    if data["id"] != form_id:
        raise FormLayoutError(f"{where}: id {data['id']!r} does not match the file name")
    notice = _string(where, data, "confidentiality_notice")
    if "{" in notice.replace(POLICY_CITATION_PLACEHOLDER, "") or "}" in notice.replace(
        POLICY_CITATION_PLACEHOLDER, ""
    ):
        raise FormLayoutError(
            f"{where}: confidentiality_notice may only use the placeholder "
            f"{POLICY_CITATION_PLACEHOLDER}"
        )
    status = data.get("layout_status")
    if status is not None and not isinstance(status, str):
        raise FormLayoutError(f"{where}: 'layout_status' must be a string")
    statement = data.get("statement", [])
    if not isinstance(statement, list) or not all(
        isinstance(paragraph, str) and paragraph.strip() for paragraph in statement
    ):
        raise FormLayoutError(f"{where}: 'statement' must be a list of non-empty paragraphs")
    withheld_text = (
        _string(where, data, "withheld_text") if "withheld_text" in data else WITHHELD_TEXT
    )
    raw_sections = data["sections"]
    if not isinstance(raw_sections, list) or not raw_sections:
        raise FormLayoutError(f"{where}: 'sections' must be a non-empty list")

    known_leaves = set(leaf_paths())
    list_paths = _list_paths()
    seen_ids: set[str] = set()
    sections: list[FormSection] = []
    for index, raw in enumerate(raw_sections):
        swhere = f"{where}: sections[{index}]"
        _check_keys(swhere, raw, _SECTION_KEYS_REQUIRED, _SECTION_KEYS_OPTIONAL)
        section_id = _string(swhere, raw, "id")
        if not _SECTION_ID.fullmatch(section_id):
            raise FormLayoutError(f"{swhere}: id {section_id!r} must match {_SECTION_ID.pattern}")
        if section_id in seen_ids:
            raise FormLayoutError(f"{swhere}: duplicate section id {section_id!r}")
        seen_ids.add(section_id)
        swhere = f"{where}: section {section_id!r}"
        repeat = raw.get("repeat")
        if repeat is not None and (not isinstance(repeat, str) or repeat not in list_paths):
            raise FormLayoutError(f"{swhere}: repeat {repeat!r} is not a list in the case file")
        item_title = raw.get("item_title")
        if item_title is not None and (not isinstance(item_title, str) or not item_title.strip()):
            raise FormLayoutError(f"{swhere}: 'item_title' must be a non-empty string")
        if item_title is not None and repeat is None:
            raise FormLayoutError(f"{swhere}: 'item_title' is only meaningful with 'repeat'")
        raw_fields = raw["fields"]
        if not isinstance(raw_fields, list) or not raw_fields:
            raise FormLayoutError(f"{swhere}: 'fields' must be a non-empty list")
        fields: list[FormField] = []
        seen_paths: set[str] = set()
        for findex, raw_field in enumerate(raw_fields):
            fwhere = f"{swhere}: fields[{findex}]"
            _check_keys(fwhere, raw_field, _FIELD_KEYS, _FIELD_KEYS_OPTIONAL)
            fpath = _string(fwhere, raw_field, "path")
            label = _string(fwhere, raw_field, "label")
            kind = _string(fwhere, raw_field, "kind")
            if kind not in FIELD_KINDS:
                raise FormLayoutError(
                    f"{fwhere}: unknown kind {kind!r} "
                    f"(expected one of {', '.join(sorted(FIELD_KINDS))})"
                )
            if fpath not in known_leaves | NEVER_DISCLOSED:
                raise FormLayoutError(f"{fwhere}: path {fpath!r} is not a case-file field")
            if fpath in seen_paths:
                raise FormLayoutError(f"{fwhere}: duplicate path {fpath!r}")
            seen_paths.add(fpath)
            if repeat is not None and not fpath.startswith(f"{repeat}."):
                raise FormLayoutError(f"{fwhere}: path {fpath!r} is not inside repeat {repeat!r}")
            inner = fpath[len(repeat) + 1 :] if repeat is not None else fpath
            inner_prefix = f"{repeat}." if repeat is not None else ""
            parts = inner.split(".")
            for depth in range(1, len(parts)):
                if inner_prefix + ".".join(parts[:depth]) in list_paths:
                    raise FormLayoutError(
                        f"{fwhere}: path {fpath!r} goes through a list; put it in a section "
                        f"with 'repeat'"
                    )
            optional = raw_field.get("optional", False)
            if not isinstance(optional, bool):
                raise FormLayoutError(f"{fwhere}: 'optional' must be true or false")
            if fpath in NEVER_DISCLOSED and not optional:
                raise FormLayoutError(
                    f"{fwhere}: path {fpath!r} is content marked private, disclosed only where a "
                    f"court order names it; it must be 'optional: true'"
                )
            fields.append(FormField(path=fpath, label=label, kind=kind, optional=optional))
        sections.append(
            FormSection(
                id=section_id,
                title=_string(swhere, raw, "title"),
                fields=tuple(fields),
                repeat=repeat,
                item_title=item_title.strip() if item_title else None,
            )
        )
    return FormLayout(
        id=form_id,
        code=_string(where, data, "code"),
        title=_string(where, data, "title"),
        citation=_string(where, data, "citation"),
        sections=tuple(sections),
        confidentiality_notice=notice,
        layout_status=status,
        statement=tuple(paragraph.strip() for paragraph in statement),
        withheld_text=withheld_text,
    )


# --- rendering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderContext:
    """What the document says about itself: which form, for whom, under which policy, when."""

    form_code: str
    form_title: str
    recipient_name: str
    recipient_address: str | None
    case_reference: str
    policy_version: str
    policy_citation: str
    generated_at: datetime
    # A supplemental report: the reference of the report it supplements, and the paths of the
    # answers it changed or added (those the recipient may see).
    supplemental_to: str | None = None
    changed_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.generated_at.utcoffset() is None:
            raise ValueError("RenderContext.generated_at must be timezone-aware")


@dataclass(frozen=True)
class RenderedReport:
    html: str
    text: str
    sha256: str


class WithheldFieldError(LookupError):
    """A layout field is not among the disclosed fields: the policy withheld it (or it was never
    limited in). Rendering refuses rather than leaving a silent gap. Names the path, never
    values."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"layout field {path!r} is not in the disclosed fields (withheld by the recipient's "
            f"policy); refusing to render"
        )
        self.path = path


@dataclass(frozen=True)
class _Row:
    """One rendered field. ``paragraphs`` are lists of lines; ``block`` rows span several lines."""

    label: str
    kind: str
    paragraphs: tuple[tuple[str, ...], ...]
    block: bool


@dataclass(frozen=True)
class _Group:
    title: str | None
    rows: tuple[_Row, ...]


@dataclass(frozen=True)
class _Section:
    id: str
    title: str
    groups: tuple[_Group, ...]


_MISSING = object()


def _clean(text: str) -> str:
    """Normalise line breaks; make control characters visible instead of passing them through."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        "\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in text
    )


def _lines(text: str) -> tuple[str, ...]:
    lines = [line.rstrip() for line in _clean(text).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return tuple(lines)


def _paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    paragraphs: list[tuple[str, ...]] = []
    current: list[str] = []
    for line in _lines(text):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(tuple(current))
            current = []
    if current:
        paragraphs.append(tuple(current))
    return tuple(paragraphs)


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def format_datetime(value: datetime) -> str:
    """``2026-11-24 14:30 UTC``; seconds only when non-zero; a non-UTC offset is kept."""
    shown = value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    offset = value.utcoffset()
    if offset is None:
        return shown
    if offset == timedelta(0):
        return f"{shown} UTC"
    return f"{shown} {_format_offset(offset)}"


def _display(field: FormField, value: Any, shown_path: str) -> tuple[tuple[str, ...], ...]:
    """A value as paragraphs of lines. Mismatches (TypeError, ValueError) name the path only."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ((NOT_KNOWN,),)
    if isinstance(value, bool):
        if field.kind in ("date", "datetime", "list", "narrative"):
            raise TypeError(f"field {shown_path!r}: a yes/no value cannot be shown as {field.kind}")
        return (("Yes" if value else "No",),)
    if field.kind == "flag":
        raise TypeError(f"field {shown_path!r}: expected yes/no/unknown")
    if field.kind == "date":
        try:
            return ((date.fromisoformat(value).isoformat(),),)
        except (TypeError, ValueError):
            raise ValueError(f"field {shown_path!r}: expected an ISO date") from None
    if field.kind == "datetime":
        try:
            return ((format_datetime(datetime.fromisoformat(value)),),)
        except (TypeError, ValueError):
            raise ValueError(f"field {shown_path!r}: expected an ISO date-time") from None
    if field.kind == "list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise TypeError(f"field {shown_path!r}: expected a list of strings")
        items = [" ".join(_lines(item)) for item in value if item.strip()]
        return ((", ".join(items) if items else NONE_RECORDED,),)
    if field.kind == "narrative":
        if not isinstance(value, str):
            raise TypeError(f"field {shown_path!r}: expected text")
        return _paragraphs(value)
    # text
    if isinstance(value, (int, float)):
        return ((str(value),),)
    if not isinstance(value, str):
        raise TypeError(f"field {shown_path!r}: expected text")
    return (_lines(value),)


def _row(field: FormField, value: Any, shown_path: str) -> _Row:
    paragraphs = _display(field, value, shown_path)
    block = field.kind == "narrative" or len(paragraphs) > 1 or len(paragraphs[0]) > 1
    return _Row(label=field.label, kind=field.kind, paragraphs=paragraphs, block=block)


def _lookup(node: Any, parts: list[str], full_path: str, prefix: str = "") -> Any:
    walked = prefix
    for part in parts:
        if not isinstance(node, dict):
            raise TypeError(f"fields: expected an object at {walked.rstrip('.')!r}")
        if part not in node:
            raise WithheldFieldError(full_path)
        node = node[part]
        walked = f"{walked}{part}."
    return node


def _repeat_items(section: FormSection, fields: dict[str, Any]) -> list[dict[str, Any]]:
    assert section.repeat is not None
    parts = section.repeat.split(".")
    first = section.fields[0].path
    try:
        container = _lookup(fields, parts, first)
    except WithheldFieldError:
        raise WithheldFieldError(first) from None
    if isinstance(container, list):
        if not all(isinstance(item, dict) for item in container):
            raise TypeError(f"fields: expected a list of objects at {section.repeat!r}")
        return container
    if isinstance(container, dict):
        # `limit_fields` turns an empty list into an object of allowed keys set to None. Accept
        # that shape (after checking nothing is withheld) as "no items"; anything else is refused.
        for f in section.fields:
            _lookup(container, f.path[len(section.repeat) + 1 :].split("."), f.path)
        if all(value is None for value in container.values()):
            return []
    raise TypeError(f"fields: expected a list at {section.repeat!r}")


def _withheld_row(label: str, layout: FormLayout) -> _Row:
    return _Row(label=label, kind="text", paragraphs=((layout.withheld_text,),), block=False)


def _field_row(
    layout: FormLayout, f: FormField, node: Any, parts: list[str], prefix: str = ""
) -> _Row:
    try:
        value = _lookup(node, parts, f.path, prefix=prefix)
    except WithheldFieldError:
        if f.optional:
            return _withheld_row(f.label, layout)
        raise
    return _row(f, value, f.path)


def _sections(layout: FormLayout, fields: dict[str, Any]) -> tuple[_Section, ...]:
    rendered: list[_Section] = []
    for section in layout.sections:
        groups: list[_Group] = []
        if section.repeat is None:
            rows = tuple(_field_row(layout, f, fields, f.path.split(".")) for f in section.fields)
            groups.append(_Group(title=None, rows=rows))
        elif all(f.optional for f in section.fields) and not _has_any(section, fields):
            groups.append(
                _Group(
                    title=None, rows=(_withheld_row(section.item_title or section.title, layout),)
                )
            )
        else:
            items = _repeat_items(section, fields)
            item_title = section.item_title or section.title
            for number, item in enumerate(items, start=1):
                rows = tuple(
                    _field_row(
                        layout,
                        f,
                        item,
                        f.path[len(section.repeat) + 1 :].split("."),
                        prefix=f"{section.repeat}.",
                    )
                    for f in section.fields
                )
                groups.append(_Group(title=f"{item_title} {number}", rows=rows))
            if not items:
                empty = _Row(
                    label=item_title, kind="text", paragraphs=((NONE_RECORDED,),), block=False
                )
                groups.append(_Group(title=None, rows=(empty,)))
        rendered.append(_Section(id=section.id, title=section.title, groups=tuple(groups)))
    return tuple(rendered)


def _has_any(section: FormSection, fields: dict[str, Any]) -> bool:
    """Whether any field of a repeated section was disclosed (its list is in the fields)."""
    assert section.repeat is not None
    try:
        _lookup(fields, section.repeat.split("."), section.repeat)
    except WithheldFieldError:
        return False
    return True


def _header(layout: FormLayout, context: RenderContext) -> tuple[_Row, ...]:
    def row(label: str, text: str) -> _Row:
        lines = _lines(text) or (NOT_KNOWN,)
        return _Row(label=label, kind="text", paragraphs=(lines,), block=len(lines) > 1)

    rows = []
    if context.supplemental_to is not None:
        rows.append(row("Supplemental report", f"Supplemental to {context.supplemental_to}"))
        changed = "\n".join(readable_path(p) for p in context.changed_fields)
        rows.append(
            row(
                "Changed or added in this supplement",
                changed or "No change to the information this recipient receives",
            )
        )
    rows.append(row("Recipient", context.recipient_name))
    if context.recipient_address:
        rows.append(row("Recipient address", context.recipient_address))
    rows += [
        row("Case reference", context.case_reference),
        row("Disclosure policy", f"{context.policy_version} ({context.policy_citation})"),
        row("Form citation", layout.citation),
        row("Generated", format_datetime(context.generated_at)),
    ]
    return tuple(rows)


@functools.cache
def report_environment(templates_dir: Path) -> Environment:
    """One environment per templates folder, so each template is compiled once, not on every
    report (compiling both took more CPU than rendering them); a template edited on disk is
    still compiled again (jinja2's ``auto_reload`` checks its modification time)."""
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        # On for HTML templates only: report.html.j2 escapes, report.txt.j2 does not.
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2"),
            disabled_extensions=("txt", "txt.j2"),
            default_for_string=True,
            default=False,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# Fields a second person approved beyond the allow-list that the form has no place for: they go
# in a section of their own at the end, so an approved disclosure is never silently dropped.
ADDITIONS_SECTION_ID = "approved-additions"
ADDITIONS_SECTION_TITLE = "Additional information disclosed under an approved exception"


def _leaf_values(node: Any, parts: list[str], full_path: str) -> list[Any]:
    """The values at a dotted path, across lists (``guardians.phone``: one per guardian)."""
    if isinstance(node, list):
        return [value for item in node for value in _leaf_values(item, parts, full_path)]
    if not parts:
        return [node]
    if not isinstance(node, dict) or parts[0] not in node:
        raise WithheldFieldError(full_path)
    return _leaf_values(node[parts[0]], parts[1:], full_path)


def _addition_lines(value: Any, path: str) -> tuple[str, ...]:
    """One value of an addition, shown as the layouts' kinds show it (the kind from the value)."""
    kind = "flag" if isinstance(value, bool) else "list" if isinstance(value, list) else "text"
    return tuple(
        line
        for paragraph in _display(FormField(path, path, kind), value, path)
        for line in paragraph
    )


def readable_path(path: str) -> str:
    """``clinical_context.treatment_summary`` as ``Clinical context: treatment summary``."""
    words = [part.replace("_", " ") for part in path.split(".")]
    return ": ".join([words[0].capitalize(), *words[1:]])


def _additions_section(
    layout: FormLayout, fields: dict[str, Any], additions: Iterable[str]
) -> _Section | None:
    shown = {f.path for section in layout.sections for f in section.fields}
    extra = sorted(set(additions) - shown)
    if not extra:
        return None
    rows = []
    for path in extra:
        values = _leaf_values(fields, path.split("."), path)
        if len(values) == 1:
            paragraphs: tuple[tuple[str, ...], ...] = (_addition_lines(values[0], path),)
        else:
            paragraphs = tuple(
                (f"{number}: {lines[0]}", *lines[1:])
                for number, lines in enumerate((_addition_lines(v, path) for v in values), start=1)
            ) or ((NONE_RECORDED,),)
        rows.append(
            _Row(label=readable_path(path), kind="narrative", paragraphs=paragraphs, block=True)
        )
    return _Section(
        id=ADDITIONS_SECTION_ID,
        title=ADDITIONS_SECTION_TITLE,
        groups=(_Group(title=None, rows=tuple(rows)),),
    )


def render_report(
    layout: FormLayout,
    fields: dict[str, Any],
    context: RenderContext,
    templates_dir: Path = TEMPLATES_DIR,
    *,
    additions: Iterable[str] = (),
) -> RenderedReport:
    """Render the limited ``fields`` into the layout's form as HTML and plain text.

    ``additions``: fields a second person approved beyond the recipient's allow-list (they are
    in ``fields``); those the layout has no place for are shown in a last section of their own.

    Raises `WithheldFieldError` if any layout field (or addition) is absent from ``fields``.
    """
    sections = _sections(layout, fields)
    extra = _additions_section(layout, fields, additions)
    if extra is not None:
        sections = (*sections, extra)
    notice = _clean(layout.confidentiality_notice).replace(
        POLICY_CITATION_PLACEHOLDER, _clean(context.policy_citation)
    )
    values = {
        "form_code": _clean(context.form_code),
        "form_title": _clean(context.form_title),
        "case_reference": _clean(context.case_reference),
        "header": _header(layout, context),
        "sections": sections,
        "confidentiality_notice": " ".join(notice.split()),
        "statement": tuple(p for paragraph in layout.statement for p in _paragraphs(paragraph)),
    }
    env = report_environment(Path(templates_dir))
    html = env.get_template(HTML_TEMPLATE).render(values)
    text = env.get_template(TEXT_TEMPLATE).render(values)
    return RenderedReport(html=html, text=text, sha256=document_sha256(html, text))


@dataclass(frozen=True)
class EntryText:
    """One field of the form as text, the way a person types it into an agency's portal."""

    label: str
    text: str


@dataclass(frozen=True)
class SectionText:
    """One section of the form as text: its entries, item by item for a repeated section."""

    id: str
    title: str
    entries: tuple[EntryText, ...]


def form_as_text(
    layout: FormLayout, fields: dict[str, Any], *, additions: Iterable[str] = ()
) -> tuple[SectionText, ...]:
    """The same sections and entries `render_report` renders from the limited ``fields`` (so
    nothing withheld can appear), as plain text per entry, in the layout's order."""
    sections = _sections(layout, fields)
    extra = _additions_section(layout, fields, additions)
    if extra is not None:
        sections = (*sections, extra)
    return tuple(
        SectionText(
            id=section.id,
            title=section.title,
            entries=tuple(
                EntryText(
                    label=f"{group.title}: {row.label}" if group.title else row.label,
                    text="\n\n".join("\n".join(lines) for lines in row.paragraphs),
                )
                for group in section.groups
                for row in group.rows
            ),
        )
        for section in sections
    )
