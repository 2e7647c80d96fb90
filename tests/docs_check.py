"""Local docs check (no Quarto): execute every notebook in nbs/ (and its subfolders), render each to standalone
HTML in build/docs/ (same folders), then open every page offline in Chromium and check what a reader sees.

    python -m tests.docs_check                                 # all notebooks, 2 workers, browser check
    python -m tests.docs_check 00 01_widgets sae/01_topk tour  # only these (prefixes of the path below nbs/)
    python -m tests.docs_check sae circuits/0                  # a whole family folder, or part of one
    python -m tests.docs_check --no-browser --out /tmp/docs --timeout 900

Run it from the repository root (`bash .github/scripts/dev.sh docs [NAMES...]` does).

Execution: nbconvert's ExecutePreprocessor, the notebook's own directory as working directory,
HF_HUB_OFFLINE=1, UNIVERSETBD_PROGRESS=0 and a fresh UNIVERSETBD_HOME shared by the run. Like `nbdev_test`,
cells marked `#| eval: false` (or with a test flag from settings.ini, e.g. `#| slow`) are not executed.
Rendering follows nbdev's docs: `show_doc` of every exported name after its cell, `#| hide`/`#| export`/
`#| default_exp` cells left out, directive lines stripped. Widgets: the rendered copy drops the
`application/vnd.jupyter.widget-view+json` output and the notebook's widget state (nbconvert would otherwise
show the live view through a widget manager from a CDN, i.e. nothing offline) so the `text/html` static
snapshot (class `utbd-static`) is what shows; each former widget output is wrapped in `div.utbd-docs-widget`
for the browser check. The source notebooks are never modified.

Browser check (Playwright + Debian Chromium, the launch arguments of tests/browser/conftest.py): every page is
served from a loopback http.server with all other requests blocked; a page fails on console errors or page
errors from our content (failed requests to outside hosts, e.g. the template's MathJax CDN, are ignored),
on a widget output without a static snapshot, an Altair chart snapshot without an inline SVG, or an <img>
that did not load (naturalWidth 0).

Writes build/docs/<path below nbs/>.html (e.g. build/docs/sae/01_topk.html), build/docs/report.html (links and
status), build/docs/report.json and screenshots in test-artifacts/browser/docs/ (sae__01_topk.png). Exit code 0 when
every notebook executed and every page passed.
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures as cf
import contextlib
import functools
import html
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NBS = REPO / "nbs"
DEFAULT_OUT = REPO / "build" / "docs"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser" / "docs"
# Same as tests/browser/conftest.py
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PROGRESS_WIDGET = "progress-widget"   # universetbd.core.PROGRESS_WIDGET (this module imports no package code)
_DIRECTIVE = re.compile(r"^\s*#\|\s*(.*?)\s*$")
_TQDM = re.compile(r"\d+%\|.*\|\s*\d+/|\bit/s\]|s/it\]")
_ANSI = re.compile(r"\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")


# ---------------------------------------------------------------- notebooks and nbdev directives
def notebook_name(path, nbs: Path = NBS) -> str:
    """The notebook's path below `nbs` without `.ipynb` ('sae/01_topk'); its file stem when it is outside `nbs`."""
    path = Path(path)
    try: return path.resolve().relative_to(Path(nbs).resolve()).with_suffix("").as_posix()
    except ValueError: return path.stem


def find_notebooks(names=(), # prefixes of paths below `nbs`: '00', 'sae/01_topk', 'sae', 'circuits/0' (() = all)
                   nbs: Path = NBS, # the notebook folder, searched recursively
                   skip: str | None = None, # regex of paths below `nbs` ('sae/index.ipynb') to leave out
                   ) -> list[Path]:
    """Notebooks in `nbs` and its subfolders, none whose file or folder name starts with _ or . (checkpoints)."""
    nbs = Path(nbs)
    found = sorted((p for p in nbs.rglob("*.ipynb")
                    if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts)),
                   key=lambda p: notebook_name(p, nbs))
    if names:
        want = [n.removesuffix(".ipynb").removeprefix("nbs/").strip("/") for n in names]
        found = [p for p in found if any(notebook_name(p, nbs).startswith(w) for w in want)]
    if skip: found = [p for p in found if not re.search(skip, notebook_name(p, nbs) + ".ipynb")]
    return found


def tst_flags() -> set[str]:
    """Test flags from settings.ini (cells carrying one are skipped, like nbdev_test without --flags)."""
    ini = REPO / "settings.ini"
    if not ini.exists(): return set()
    m = re.search(r"^tst_flags\s*=\s*(.*)$", ini.read_text(), re.MULTILINE)
    return set(m.group(1).replace(",", " ").split()) if m else set()


def directives(cell) -> dict:
    """nbdev/Quarto directives at the top of a code cell: {'export': [], 'eval:': ['false'], ...}."""
    out = {}
    if cell.get("cell_type") != "code": return out
    for line in cell.get("source", "").splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            if line.strip(): break
            continue
        words = m.group(1).split()
        if words: out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def strip_directives(src: str) -> str:
    lines = src.splitlines()
    i = 0
    while i < len(lines) and (_DIRECTIVE.match(lines[i]) or not lines[i].strip()): i += 1
    return "\n".join(lines[i:])


def _false(d: dict, key: str) -> bool:
    return d.get(key, [""])[:1] == ["false"]


def skip_execution(cell, flags=frozenset()) -> bool:
    """True for cells nbdev_test would not run: `#| eval: false`, or a test flag such as `#| slow`."""
    d = directives(cell)
    return _false(d, "eval:") or bool(flags & set(d))


def public_names(src: str) -> list[str]:
    """Top-level functions and classes defined in `src` whose names do not start with `_` (what nbdev documents)."""
    try: tree = ast.parse(strip_directives(src))
    except SyntaxError: return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not n.name.startswith("_")]


def add_show_docs(nb) -> int:
    """Insert `show_doc(name)` cells after exported cells (unless the notebook already shows that name)."""
    import nbformat
    shown = set(re.findall(r"^\s*show_doc\(\s*([\w.]+)", "\n".join(c.source for c in nb.cells if c.cell_type == "code"),
                           re.MULTILINE))
    cells, added = [], 0
    for c in nb.cells:
        cells.append(c)
        d = directives(c)
        if {"export", "exports"} & set(d) and "hide" not in d and not _false(d, "include:"):
            for name in public_names(c.source):
                if name in shown: continue
                sd = nbformat.v4.new_code_cell(f"#| echo: false\nshow_doc({name})")
                sd.metadata["docs_check"] = "show_doc"
                cells.append(sd); added += 1
    if added:
        imp = nbformat.v4.new_code_cell("#| hide\nfrom nbdev.showdoc import show_doc")
        imp.metadata["docs_check"] = "import"
        cells.insert(0, imp)
    nb.cells = cells
    return added


def percent_prefixed(cell) -> bool:
    """A markdown cell whose lines still carry the '# ' prefixes of a percent-format source (renders as headings)."""
    if cell.get("cell_type") != "markdown": return False
    lines = [l for l in cell.get("source", "").splitlines()]
    if not lines or not all(l.startswith("#") for l in lines if l.strip()): return False
    return any(l.rstrip() == "#" or re.match(r"#\s+(#|>|\||-|\*|\d+\.)", l) for l in lines) or \
        (len(lines) > 1 and all(re.match(r"#( |$)", l) for l in lines))


def lint(nb) -> list[str]:
    """Problems of the source notebook that spoil its page (before anything runs)."""
    out = []
    bad = [i + 1 for i, c in enumerate(nb.cells) if percent_prefixed(c)]
    if bad:
        out.append(f"{len(bad)} markdown cell(s) still have the percent-format '# ' line prefixes (cells {bad[:8]}, 1-based"
                   f"{'...' if len(bad) > 8 else ''}): every line renders as a heading; remove the leading '# ' "
                   f"from the markdown lines")
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not re.match(r"#\s+\S", first.source) or \
            "\n> " not in "\n" + first.source.replace("\n\n", "\n"):
        out.append("the first cell is not markdown '# Title' + '> summary' (nbdev's page title and description)")
    return out


def fix_markdown(path) -> int:
    """Remove the leftover percent-format '# ' prefixes from the markdown cells of a notebook file; return the count."""
    import nbformat
    nb = nbformat.read(path, as_version=4)
    n = 0
    for c in nb.cells:
        if percent_prefixed(c):
            c.source = "\n".join(re.sub(r"^# ?", "", l) for l in c.source.splitlines()); n += 1
    if n: nbformat.write(nb, path)
    return n


# ---------------------------------------------------------------- the rendered copy
def display_copy(nb, error: dict | None = None) -> tuple[object, dict]:
    """The notebook as the docs show it (a copy), and counts of widget outputs, snapshots and charts."""
    import copy
    import nbformat
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # no widget state: no widget manager from a CDN, the snapshots show
    counts = {"widgets": 0, "snapshots": 0, "charts": 0}
    cells = []
    for c in nb.cells:
        d = directives(c)
        if c.cell_type == "code":
            if {"hide", "default_exp", "export", "exporti"} & set(d) or _false(d, "include:"): continue
            if _false(d, "output:"): c.outputs = []
            bars = [o for o in c.get("outputs", []) if o.get("metadata", {}).get("universetbd") == PROGRESS_WIDGET]
            if bars:  # core.progress's live widget: its text is the output after it, shown as tqdm's text below
                c.outputs = [o for o in c.outputs if o not in bars]
            if _false(d, "echo:"): c.metadata.setdefault("jupyter", {})["source_hidden"] = True
            c.source = strip_directives(c.source)
            if not c.source.strip() and not c.get("outputs"): continue
            for o in c.get("outputs", []):
                data = o.get("data", {})
                md = data.get("text/markdown")
                if isinstance(md, str) and "{target=" in md:  # show_doc's Quarto link attributes
                    data["text/markdown"] = re.sub(r"\{target=[^}]*\}", "", md)
                if WIDGET_VIEW not in data: continue
                data.pop(WIDGET_VIEW)
                counts["widgets"] += 1
                snap = data.get("text/html")
                if isinstance(snap, list): snap = "".join(snap)
                if snap and "utbd-static" in snap:
                    counts["snapshots"] += 1
                    counts["charts"] += "utbd-chart" in snap
                    data["text/html"] = f'<div class="utbd-docs-widget">{snap}</div>'
                else:
                    txt = data.get("text/plain", "")
                    txt = "".join(txt) if isinstance(txt, list) else txt
                    if _TQDM.search(txt):  # a tqdm progress bar (not ours): its text, as nbdev's docs show it
                        counts["widgets"] -= 1; counts["progress_bars"] = counts.get("progress_bars", 0) + 1
                        data.pop("text/html", None)
                        continue
                    # a widget without our static fallback: make it visible to the check
                    data["text/html"] = (f'<div class="utbd-docs-widget utbd-docs-no-snapshot">'
                                         f'{snap or "<pre>" + html.escape(txt) + "</pre>"}</div>')
        cells.append(c)
    if error:
        msg = (f"**Docs check: this notebook failed to execute** at cell {error.get('cell')}: "
               f"`{error.get('ename')}: {error.get('evalue', '')[:300]}`. Later cells were not run.")
        cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0, nbformat.v4.new_markdown_cell(msg))
    nb.cells = cells
    return nb, counts


def _hide_inputs(nb):
    """Drop the input of cells marked `echo: false` (kept as metadata by `display_copy`)."""
    from nbconvert.preprocessors import TagRemovePreprocessor
    for c in nb.cells:
        if c.cell_type == "code" and c.metadata.get("jupyter", {}).get("source_hidden"):
            c.metadata.setdefault("tags", []).append("docs-remove-input")
    p = TagRemovePreprocessor(remove_input_tags={"docs-remove-input"}, enabled=True)
    nb, _ = p.preprocess(nb, {})
    return nb


def render_html(nb, title: str) -> str:
    """Standalone HTML with nbconvert's lab template; images embedded."""
    from nbconvert import HTMLExporter
    exp = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exp.from_notebook_node(_hide_inputs(nb), resources={"metadata": {"name": title}})
    return body


# ---------------------------------------------------------------- execution (in worker processes)
def _executor_class():
    from nbconvert.preprocessors import ExecutePreprocessor

    class DocsExecutePreprocessor(ExecutePreprocessor):
        """ExecutePreprocessor that leaves out the cells nbdev_test leaves out."""
        flags: frozenset = frozenset()
        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code" and skip_execution(cell, self.flags): return cell, resources
            return super().preprocess_cell(cell, resources, index)
    return DocsExecutePreprocessor


def _first_error(nb) -> dict | None:
    """The first error output: `cell` is its cell's number in the source notebook (1-based, markdown included)."""
    n = 0
    for c in nb.cells:
        if "docs_check" not in c.get("metadata", {}): n += 1
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                tb = _ANSI.sub("", "\n".join(o.get("traceback", [])))
                return {"cell": n, "ename": o.get("ename"), "evalue": _ANSI.sub("", str(o.get("evalue", ""))),
                        "source": c.source[:400], "traceback": tb[-3000:]}
    return None


def execute_notebook(path, out_dir, home, timeout: int = 600, kernel: str | None = None, nbs: Path = NBS) -> dict:
    """Execute one notebook (in its own folder), render its page into `out_dir` (same subfolder as below nbs/);
    return a result dict (never raises)."""
    import nbformat
    path, out_dir = Path(path), Path(out_dir)
    os.environ.update({"HF_HUB_OFFLINE": "1", "UNIVERSETBD_PROGRESS": "0", "UNIVERSETBD_HOME": str(home),
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    name = notebook_name(path, nbs)
    res = {"notebook": name + ".ipynb", "page": name + ".html", "ok": False, "seconds": 0.0, "error": None}
    t0 = time.perf_counter()
    try:
        nb = nbformat.read(path, as_version=4)
        res["lint"] = lint(nb)
        res["show_docs"] = add_show_docs(nb)
        ep = _executor_class()(timeout=timeout, store_widget_state=False, allow_errors=False,
                               kernel_name=kernel or nb.metadata.get("kernelspec", {}).get("name", "python3"))
        ep.flags = frozenset(tst_flags())
        try:
            ep.preprocess(nb, {"metadata": {"path": str(path.parent)}})
            res["ok"] = True
        except Exception as e:  # CellExecutionError, CellTimeoutError, DeadKernelError, ...
            res["error"] = _first_error(nb) or {"cell": None, "ename": type(e).__name__,
                                                "evalue": _ANSI.sub("", str(e))[:1000], "traceback": ""}
        res["seconds"] = round(time.perf_counter() - t0, 1)
        shown, counts = display_copy(nb, res["error"])
        res.update(counts)
        page = out_dir / res["page"]
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render_html(shown, name), encoding="utf-8")
    except Exception as e:  # unreadable notebook, rendering failure
        res["seconds"] = round(time.perf_counter() - t0, 1)
        res["ok"] = False
        res["error"] = res["error"] or {"cell": None, "ename": type(e).__name__, "evalue": str(e)[:1000], "traceback": ""}
        res["render_error"] = f"{type(e).__name__}: {e}"
    return res


def execute_all(notebooks, out_dir=DEFAULT_OUT, workers: int = 2, timeout: int = 600, home=None, log=print,
                nbs: Path = NBS) -> list[dict]:
    """Execute and render `notebooks` with `workers` processes; the tour (the longest) starts first."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if (nbs / "images").is_dir():  # images the pages link to (../images/x.png), as the docs site serves them
        shutil.copytree(nbs / "images", out_dir / "images", dirs_exist_ok=True)
    home = Path(home) if home else Path(tempfile.mkdtemp(prefix="utbd-docs-home-"))
    order = sorted(notebooks, key=lambda p: (p.stem != "tour", -p.stat().st_size))
    results = {}
    with cf.ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futs = {pool.submit(execute_notebook, p, out_dir, home, timeout, None, nbs): p for p in order}
        for f in cf.as_completed(futs):
            r = f.result()
            results[r["notebook"]] = r
            status = "ok " if r["ok"] else "FAIL"
            extra = "" if r["ok"] else f"  {r['error'].get('ename')}: {str(r['error'].get('evalue'))[:120]}"
            log(f"  [{status}] {r['notebook']:<34} {r['seconds']:7.1f} s  widgets {r.get('widgets', 0)}{extra}")
    return [results[notebook_name(p, nbs) + ".ipynb"] for p in sorted(notebooks, key=lambda p: notebook_name(p, nbs))]


# ---------------------------------------------------------------- browser check
@contextlib.contextmanager
def serve(directory):
    """Serve `directory` on a loopback port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try: yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown(); srv.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


def chromium_path() -> str | None:
    for c in (os.environ.get("UNIVERSETBD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if c and Path(c).exists(): return c
    return None


_PAGE_JS = """() => {
  const widgets = [...document.querySelectorAll('.utbd-docs-widget')];
  const charts = [...document.querySelectorAll('.utbd-static.utbd-chart')];
  const size = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  return {
    widgets: widgets.length,
    missing_snapshot: widgets.filter(w => !w.querySelector('.utbd-static')).length,
    invisible_snapshot: widgets.filter(w => w.querySelector('.utbd-static') && !size(w.querySelector('.utbd-static'))).length,
    charts: charts.length,
    charts_without_svg: charts.filter(c => !c.querySelector('svg')).length,
    images: document.images.length,
    broken_images: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 80)),
    cells: document.querySelectorAll('.jp-Cell').length,
  };
}"""


def _router(base, external):
    "Let requests to our server (and data: URLs) through; abort and record every other one (offline)."
    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith("data:"): return r.continue_()
        external.append(url)
        return r.abort()
    return route


def _console_listener(base, errors):
    def on_console(m):
        if m.type != "error": return
        loc = (m.location or {}).get("url", "")
        if "Failed to load resource" in m.text and not loc.startswith(base): return  # a blocked outside host
        errors.append(f"console.error: {m.text[:300]} ({loc})")
    return on_console


def _pageerror_listener(errors):
    def on_error(e): errors.append(f"pageerror: {str(e)[:300]}")
    return on_error


def _failed_listener(base, failed):
    def on_failed(r):
        if r.url.startswith(base): failed.append(r.url)
    return on_failed


def check_pages(out_dir, pages, browser=None, screenshots: Path | None = ARTIFACTS) -> dict:
    """Open each page offline in Chromium; return {page: {'problems': [...], ...facts}}."""
    out_dir = Path(out_dir)
    results = {}
    with contextlib.ExitStack() as stack:
        if browser is None:
            from playwright.sync_api import sync_playwright
            exe = chromium_path()
            if exe is None: raise RuntimeError("Chromium not found: apt-get install -y chromium, or set UNIVERSETBD_CHROMIUM")
            p = stack.enter_context(sync_playwright())
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            stack.callback(browser.close)
        base = stack.enter_context(serve(out_dir))
        if screenshots: Path(screenshots).mkdir(parents=True, exist_ok=True)
        for page_name in pages:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            errors, external = [], []

            page.route("**/*", _router(base, external))
            page.on("console", _console_listener(base, errors))
            page.on("pageerror", _pageerror_listener(errors))
            failed_local = []
            page.on("requestfailed", _failed_listener(base, failed_local))
            try:
                page.goto(f"{base}/{page_name}", wait_until="load", timeout=60_000)
                page.wait_for_timeout(300)
                facts = page.evaluate(_PAGE_JS)
                if screenshots:  # sae/01_topk.html -> sae__01_topk.png
                    shot = page_name.removesuffix(".html").replace("/", "__") + ".png"
                    page.screenshot(path=str(Path(screenshots) / shot))
            except Exception as e:
                facts = {"load_error": f"{type(e).__name__}: {e}"}
            # MathJax/require.js from a CDN are blocked offline; errors they cause are not our content
            errors = [e for e in errors if not re.search(r"MathJax|require is not defined|requirejs|define is not defined", e)]
            problems = list(errors) + [f"request failed: {u}" for u in failed_local]
            if "load_error" in facts: problems.append(facts["load_error"])
            else:
                if facts["missing_snapshot"]: problems.append(f"{facts['missing_snapshot']} widget output(s) without a static snapshot")
                if facts["invisible_snapshot"]: problems.append(f"{facts['invisible_snapshot']} static snapshot(s) of zero size")
                if facts["charts_without_svg"]: problems.append(f"{facts['charts_without_svg']} chart snapshot(s) without an inline SVG")
                if facts["broken_images"]: problems.append(f"broken images: {facts['broken_images']}")
            results[page_name] = {**facts, "problems": problems, "blocked_external": sorted(set(external))}
            ctx.close()
    return results


# ---------------------------------------------------------------- index and report
def write_index(out_dir, results):
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(r["page"])}">{html.escape(r["notebook"])}</a></td>'
        f'<td>{"ok" if r["ok"] else "FAILED"}</td><td>{r["seconds"]}</td><td>{r.get("widgets", 0)}</td>'
        f'<td>{html.escape(("" if r["ok"] else str(r["error"].get("ename")) + ": " + str(r["error"].get("evalue"))[:200]))}</td></tr>'
        for r in results)
    (Path(out_dir) / "report.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>universetbd docs check</title></head><body>"
        "<h1>universetbd docs check</h1><table border='1' cellpadding='4'><tr><th>notebook</th><th>executed</th>"
        f"<th>seconds</th><th>widgets</th><th>error</th></tr>{rows}</table></body></html>", encoding="utf-8")


def cached_build(out, names=(), workers: int = 2, timeout: int = 900) -> dict:
    """Execute + render the notebooks `names` (prefixes; () = all) into `out` once; later calls read report.json."""
    out = Path(out)
    rep = out / "report.json"
    if rep.exists(): return json.loads(rep.read_text())
    return run_check(find_notebooks(names), out, workers, timeout, browser=False, log=lambda *a: None)


def run_check(notebooks=None, out=DEFAULT_OUT, workers: int = 2, timeout: int = 600, browser: bool | object = True,
              home=None, log=print) -> dict:
    """Execute + render `notebooks` (default: all), then (optionally) check the pages in Chromium; return the report."""
    out = Path(out)
    notebooks = list(notebooks) if notebooks is not None else find_notebooks()
    t0 = time.perf_counter()
    log(f"executing {len(notebooks)} notebook(s) with {workers} worker(s) -> {out}")
    results = execute_all(notebooks, out, workers, timeout, home, log)
    t_exec = time.perf_counter() - t0
    write_index(out, results)
    report = {"notebooks": results, "execute_seconds": round(t_exec, 1), "pages": {}, "browser": None}
    if browser:
        pages = [r["page"] for r in results if (out / r["page"]).exists()]
        exe = chromium_path() if browser is True else "given"
        if exe is None:
            report["browser"] = "skipped: Chromium not found"
        else:
            t1 = time.perf_counter()
            log(f"checking {len(pages)} page(s) in Chromium")
            report["pages"] = check_pages(out, pages, None if browser is True else browser)
            report["browser"] = f"{time.perf_counter() - t1:.1f} s"
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    report["failed_notebooks"] = [r["notebook"] for r in results if not r["ok"]]
    report["lint"] = {r["notebook"]: r["lint"] for r in results if r.get("lint")}
    report["failed_pages"] = [p for p, v in report["pages"].items() if v["problems"]]
    report["ok"] = not report["failed_notebooks"] and not report["failed_pages"] and not report["lint"]
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return report


def format_report(report) -> str:
    lines = [f"docs check: {len(report['notebooks'])} notebook(s) executed in {report['execute_seconds']} s, "
             f"browser {report['browser']}, total {report['total_seconds']} s"]
    for r in report["notebooks"]:
        page = report["pages"].get(r["page"], {})
        lines.append(f"  {'ok  ' if r['ok'] and not page.get('problems') and not r.get('lint') else 'FAIL'} {r['notebook']:<34} "
                     f"{r['seconds']:7.1f} s  widgets {r.get('widgets', 0)} (snapshots {r.get('snapshots', 0)}, "
                     f"charts {r.get('charts', 0)})" + (f"  images {page.get('images')}" if page else ""))
    for r in report["notebooks"]:
        if r["ok"]: continue
        e = r["error"] or {}
        lines += [f"\nFAILED to execute: {r['notebook']} (cell {e.get('cell')}, 1-based, markdown included) {e.get('ename')}: {e.get('evalue')}"]
        if e.get("source"): lines += ["  cell: " + e["source"].strip().splitlines()[0][:160]]
        tb = [l for l in (e.get("traceback") or "").splitlines() if l.strip()]
        lines += ["  " + l[:200] for l in tb[-6:]]
    for p, v in report["pages"].items():
        if v["problems"]: lines += [f"\nPAGE PROBLEMS: {p}"] + [f"  - {x}" for x in v["problems"]]
    for n, msgs in report.get("lint", {}).items():
        lines += [f"\nSOURCE PROBLEMS: {n}"] + [f"  - {x}" for x in msgs]
    lines.append("\nRESULT: " + ("ok" if report["ok"] else
                 f"{len(report['failed_notebooks'])} notebook(s) failed to execute, {len(report['failed_pages'])} page(s) "
                 f"with problems, {len(report.get('lint', {}))} notebook(s) with source problems"))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.docs_check", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*",
                    help="notebook paths below nbs/ or their prefixes: 00_core sae/01_topk sae (default: all)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output folder for the HTML pages")
    ap.add_argument("--workers", type=int, default=2, help="notebooks executed in parallel")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell before it counts as failed")
    ap.add_argument("--skip", help="regex of notebook paths below nbs/ to leave out")
    ap.add_argument("--no-browser", action="store_true", help="execute and render only")
    ap.add_argument("--home", help="UNIVERSETBD_HOME for the run (default: a fresh temporary folder)")
    ap.add_argument("--pages-only", action="store_true", help="only the browser check of the pages already in --out")
    ap.add_argument("--fix-markdown", action="store_true", help="rewrite the given notebooks (default: all) without the "
                    "leftover percent-format '# ' prefixes in markdown cells, then stop (run nbdev_clean after)")
    a = ap.parse_args(argv)
    if a.fix_markdown:
        for p in find_notebooks(a.notebooks, skip=a.skip):
            n = fix_markdown(p)
            if n: print(f"{notebook_name(p)}: fixed {n} markdown cell(s)")
        return 0
    if a.pages_only:
        out = Path(a.out)
        pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if p != out / "report.html")
        res = check_pages(a.out, pages)
        for p, v in res.items():
            print(f"  {'ok  ' if not v['problems'] else 'FAIL'} {p:<36} widgets {v.get('widgets')} charts {v.get('charts')} "
                  f"images {v.get('images')} cells {v.get('cells')}" + "".join(f"\n    - {x}" for x in v["problems"]))
        return 0 if not any(v["problems"] for v in res.values()) else 1
    nbs = find_notebooks(a.notebooks, skip=a.skip)
    if not nbs:
        print(f"no notebooks match {a.notebooks} in {NBS}", file=sys.stderr); return 2
    rep = run_check(nbs, a.out, a.workers, a.timeout, browser=not a.no_browser, home=a.home)
    print(format_report(rep))
    print(f"pages: {a.out}/report.html (links)   report: {a.out}/report.json")
    return 0 if rep["ok"] else 1


if __name__ == "__main__":  # python -m tests.docs_check: run the imported module, so worker processes find its functions
    from tests import docs_check
    sys.exit(docs_check.main())
