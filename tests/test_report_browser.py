"""The run index in a real browser (headless Chromium, Debian's `chromium`): every link resolves,
every image loads, and a screenshot is saved under the run folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mining.report import run_report

FIXTURES = Path(__file__).parent / "fixtures"
OK_NB = FIXTURES / "params_ok.ipynb"
FINDINGS_NB = FIXTURES / "findings_ok.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Loads index.html in a frame, then checks each image and fetches each link (file:// access is
# allowed by --allow-file-access-from-files); the result is written into the page as JSON.
CHECK_PAGE = """<!DOCTYPE html><html><body><pre id="out">pending</pre>
<iframe id="f" src="index.html" style="width:1200px;height:900px"></iframe>
<script>
const f = document.getElementById("f");
f.onload = () => {
  const d = f.contentDocument;
  const imgs = [...d.images].map(i => ({src: i.getAttribute("src"),
                                         ok: i.complete && i.naturalWidth > 0}));
  const links = [...d.querySelectorAll("a[href]")].map(a => {
    const href = a.getAttribute("href");
    try {
      const x = new XMLHttpRequest(); x.open("GET", href, false); x.send();
      return {href, ok: (x.status === 0 || x.status === 200) && x.responseText.length > 0};
    } catch (e) { return {href, ok: false}; }
  });
  const figures = [...d.querySelectorAll(".figure b")].map(e => e.textContent);
  const verdicts = [...d.querySelectorAll(".verdict")].map(e => e.textContent);
  const datalines = [...d.querySelectorAll(".dataline")].map(e => e.textContent);
  document.getElementById("out").textContent = JSON.stringify(
    {imgs, links, figures, verdicts, datalines});
};
</script></body></html>
"""

BROWSER = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-dev-shm-usage", "--allow-file-access-from-files"]


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium not installed (apt-get install chromium)")


def _check(run_dir: Path) -> dict:
    page = run_dir / "browser-check.html"
    page.write_text(CHECK_PAGE, encoding="utf-8")
    try:
        dom = subprocess.run(
            [*BROWSER, "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=True).stdout
    finally:
        page.unlink()
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "pending", dom[:500]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.slow
def test_index_in_headless_chromium(tmp_path):
    _need_chromium()
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"defaults: {{dataset: demo, seed: 0}}\nnotebooks: [{OK_NB}, {FINDINGS_NB}]\n")
    run = run_report(cfg, out=tmp_path / "out")
    assert run.ok, [r.error for r in run.results]
    result = _check(run.run_dir)
    assert len(result["imgs"]) == 2 and all(i["ok"] for i in result["imgs"]), result["imgs"]
    assert len(result["links"]) >= 10 and all(x["ok"] for x in result["links"]), result["links"]
    # the findings of the notebook that shows them, its action lists, the data line once
    assert result["figures"] == ["1,234", "EUR 5,679"], result["figures"]
    assert result["verdicts"] == ["Verdict. The fixture works."]
    hrefs = [x["href"] for x in result["links"]]
    assert "findings_ok/lists/calls.csv" in hrefs and "findings_ok/findings_ok.xlsx" in hrefs
    assert len(result["datalines"]) == 1 and "demo" in result["datalines"][0]
    shot = run.run_dir / "index-screenshot.png"
    subprocess.run([*BROWSER, f"--screenshot={shot}", "--window-size=1280,900",
                    run.index.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_the_check_catches_a_broken_link_and_image(tmp_path):
    _need_chromium()
    (tmp_path / "index.html").write_text(
        '<a href="missing.html">x</a><img src="missing.png" alt="gone">', encoding="utf-8")
    result = _check(tmp_path)
    assert result["links"] == [{"href": "missing.html", "ok": False}]
    assert result["imgs"] == [{"src": "missing.png", "ok": False}]
