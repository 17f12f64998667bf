"""Helpers of the real-browser tests: screen sizes, where screenshots go, and "has the page settled"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.models import Character

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # tests/artifacts/, ignored by git
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

Screenshot = Callable[[Page, str], Path]
MakeCharacter = Callable[..., Character]


# What still moves or is missing on screen: running finite animations/transitions (spinners run
# forever and are not counted) and on-screen images that have not loaded or are broken.
UNSETTLED_JS = """() => {
  const problems = [];
  const moving = document.getAnimations().filter((a) => a.playState === 'running'
    && a.effect && a.effect.getTiming().iterations !== Infinity);
  if (moving.length || document.querySelector('[class*="-enter-active"], [class*="-leave-active"]'))
    problems.push('a transition is running');
  for (const img of document.images) {
    const r = img.getBoundingClientRect();
    const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0
      && r.left < innerWidth && img.checkVisibility();
    if (onScreen && !(img.complete && img.naturalWidth > 0))
      problems.push(`image not loaded: ${(img.getAttribute('src') || '(no src)').split('?')[0]}`);
  }
  return problems;
}"""


def unsettled(page: Page, timeout: float = 5_000) -> list[str]:
    """Wait until transitions are over and the images on screen have loaded; what is still unsettled."""
    try:
        page.wait_for_function(f"() => ({UNSETTLED_JS})().length === 0", timeout=timeout)
    except PlaywrightTimeoutError:
        return list(page.evaluate(UNSETTLED_JS))
    return []


def settle(page: Page, timeout: float = 5_000) -> None:
    """Like :func:`unsettled`, but fail: for checks whose subject is that the page has finished."""
    problems = unsettled(page, timeout)
    assert not problems, f"the page did not settle: {problems}"


# Accessibility scans (axe-core, bundled by axe-playwright-python): what a person using a screen reader
# or a keyboard, or one with low vision, cannot use. "serious" and "critical" fail a test.
WIDE = {"width": 1440, "height": 900}  # the desktop size
# The two ways the studio is judged: a desktop window, and a touch phone below the 768 px breakpoint.
VIEWS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": WIDE},
    "phone": {"viewport": MOBILE, "has_touch": True, "is_mobile": True},
}
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, object]]:
    """Run axe-core on the page as it is now; the violations of the given impacts."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def describe_violations(where: str, violations: list[dict[str, object]]) -> str:
    """One line per rule (id, impact, help) and per node (its CSS target and axe's summary)."""
    lines = []
    for violation in violations:
        lines.append(f"{where}: {violation['id']} ({violation['impact']}): {violation.get('help', '')}")
        for node in violation.get("nodes", [])[:8]:  # type: ignore[union-attr]
            summary = " ".join(str(node.get("failureSummary", "")).split())[:220]
            lines.append(f"    {node.get('target')}: {summary}")
    return "\n".join(lines)
