"""The browser tests' accessibility and phone-layout checks: axe-core (vendored in
``tests/web/axe/``, never fetched) injected into a page, and whether anything overflows a phone's
width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "axe" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""

# Elements wider than the page, at the page's current width (the document's own scroll width,
# and which elements stick out past the right edge).
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.closest(".visually-hidden, .skip"))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""));
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


async def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on ``page`` as it is now."""
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(_RUN_AXE)
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


async def horizontal_overflow(page: Any) -> dict[str, Any] | None:
    """What sticks out past the page's right edge (None when nothing does)."""
    measured = await page.evaluate(_OVERFLOW)
    if measured["scroll"] <= measured["width"] and not measured["wide"]:
        return None
    return measured
