"""axe-core in the browser, for the accessibility tests.

axe.min.js comes from the pinned wheel of axe-playwright-python
(Tests/e2e/requirements-axe.txt, installed with --no-deps and a hash):
the file is read from site-packages and injected with Selenium. Playwright
itself is never imported.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver

# Impacts that fail a test (WCAG 2.1 AA line of issue 15).
FAILING_IMPACTS = ("serious", "critical")


def axe_source() -> str:
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        raise AssertionError(
            "axe-playwright-python is not installed: Tests/e2e/.venv/bin/python -m pip install "
            "--no-deps --require-hashes -r Tests/e2e/requirements-axe.txt (script/test does this)")
    path = Path(list(spec.submodule_search_locations)[0]) / "axe.min.js"
    source = path.read_text(encoding="utf-8")
    version = re.match(r"/\*! axe v(\d+)\.", source)
    assert version and int(version.group(1)) >= 4, f"{path} is not axe-core 4.x"
    return source


def run_axe(driver: WebDriver, source: str) -> list[dict]:
    """Injects axe (once per page) and returns its violations."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source)
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then((r) => done({violations: r.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary || ''}))
          }))}))
          .catch((e) => done({error: String(e)}));
        """)
    if "error" in result:
        raise AssertionError(f"axe.run failed: {result['error']}")
    return result["violations"]


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict], limit: int = 4) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        for node in v["nodes"][:limit]:
            lines.append(f"      {node['target']}: {node['summary'].splitlines()[-1] if node['summary'] else ''}")
    return "\n".join(lines)


def horizontal_overflow(driver: WebDriver) -> dict | None:
    """None when the page does not scroll sideways; else the widths and the
    widest elements that stick out, to say what to fix."""
    return driver.execute_script(
        """
        const root = document.documentElement;
        if (root.scrollWidth <= root.clientWidth) return null;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.right > root.clientWidth + 1 && r.width > 0) {
            out.push((el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')) +
                     ' right=' + Math.round(r.right));
          }
          if (out.length >= 8) break;
        }
        return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, elements: out};
        """)


# MARK: Colour


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse_rgb(css: str) -> tuple[float, float, float] | None:
    """rgb()/rgba() as computed styles give them; None for transparent."""
    match = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", css)
    if not match:
        return None
    if match.group(4) is not None and float(match.group(4)) == 0:
        return None
    return float(match.group(1)), float(match.group(2)), float(match.group(3))
