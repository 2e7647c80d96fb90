"""The wheel is what users install: build it, install it (not editable) into a fresh virtual environment, and
import every module and load every widget's front end from the installed files.

The wheel is built from a copy of the package sources (so a stale `build/` of the checkout cannot slip files in,
and the checkout is not touched). The fresh environment gets no copy of the dependencies: a `.pth` file in its
site-packages lists the dev environment's site-packages. A `.pth` line only adds a path; the `.pth` files inside
that path (the editable install's finder among them) are not run, so `universetbd` can only come from the wheel.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "universetbd"
PROJECT_FILES = ("setup.py", "settings.ini", "pyproject.toml", "README.md", "LICENSE")
DATA_FILES = ("arxiv_sample.parquet", "arxiv_sample_minilm.npy", "arxiv_sample.json", "README.md")  # universetbd/data/
MAX_DATA_BYTES = 10_000_000  # what the shipped data may add to the wheel (compressed)
EXPORT = "export default {{ render: {} }};"  # the line Widget.front_end appends
pytestmark = pytest.mark.timeout(600)

# Runs in the fresh environment: import everything, load each widget's front end, report as JSON.
PROBE = r'''
import importlib, json, sys
import universetbd
from universetbd._modidx import d
from universetbd.widgets import Widget

mods = sys.argv[1:] + sorted(d["syms"])
errors = {}
for m in mods:
    try: importlib.import_module(m)
    except Exception as e: errors[m] = f"{type(e).__name__}: {e}"

def subclasses(c):
    for s in c.__subclasses__(): yield s; yield from subclasses(s)

widgets = {}
for cls in set(subclasses(Widget)):
    if not cls.__module__.startswith("universetbd.") or not cls.__dict__.get("_module"): continue
    name = f"{cls.__module__}.{cls.__qualname__}"
    try:
        js, css = cls.front_end()
        widgets[name] = {"module": cls._module, "render": cls._render, "js": js, "css": css}
    except Exception as e: widgets[name] = {"error": f"{type(e).__name__}: {e}"}
try:
    from universetbd.corpus import arxiv_sample, arxiv_sample_dir
    corpus, X = arxiv_sample(with_embeddings=True)
    sample = {"documents": len(corpus), "shape": list(X.shape), "dir": str(arxiv_sample_dir())}
except Exception as e: sample = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps({"file": universetbd.__file__, "errors": errors, "widgets": widgets, "sample": sample,
                  "files": {m: getattr(sys.modules.get(m), "__file__", None) for m in mods}}))
'''


def _run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _assets(root: Path) -> set[str]:
    """The front-end files (.js, .css) below `root`, as package paths ('universetbd/search/search_box.js')."""
    return {p.relative_to(root.parent).as_posix() for p in root.rglob("*") if p.suffix in (".js", ".css")
            and not any(s.startswith(".") for s in p.relative_to(root).parts)}


def _families() -> list[str]:
    """The subpackages of the checkout (one folder per method family)."""
    return sorted(f"universetbd.{p.parent.name}" for p in PKG.glob("*/__init__.py"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for f in PROJECT_FILES:
        if (REPO / f).exists(): shutil.copy2(REPO / f, src / f)
    shutil.copytree(PKG, src / "universetbd", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "--disable-pip-version-check", "-w", tmp / "dist", src])
    (whl,) = (tmp / "dist").glob("universetbd-*.whl")
    return whl


@pytest.fixture(scope="module")
def fresh_env(wheel, tmp_path_factory) -> dict:
    """A fresh venv with the wheel installed (not editable) and the dev environment's packages visible; the probe's report."""
    tmp = tmp_path_factory.mktemp("fresh")
    env = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", env])
    py = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # install before the dev packages are visible, so pip cannot see (or touch) the dev environment's universetbd
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", "-q",
          "--disable-pip-version-check", wheel])
    paths = json.loads(_run([py, "-I", "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"]).stdout)
    site = Path(paths["purelib"])
    dev = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_universetbd_dev_packages.pth").write_text("\n".join(dev) + "\n")
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    run_env.update(HF_HUB_OFFLINE="1", UNIVERSETBD_PROGRESS="0", UNIVERSETBD_HOME=str(tmp / "home"))
    out = _run([py, "-I", "-c", PROBE, *_families()], cwd=tmp, env=run_env, timeout=300).stdout
    return {"site": site, "env": env, **json.loads(out.strip().splitlines()[-1])}


def test_wheel_contains_the_front_end_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_assets(PKG) - names)
    assert not missing, f"the wheel lacks front-end files {missing}: add their folder to package_data in setup.py"
    mods = {p.relative_to(REPO).as_posix() for p in PKG.rglob("*.py") if "__pycache__" not in p.parts}
    assert not sorted(mods - names), f"the wheel lacks modules {sorted(mods - names)} (is a family's __init__.py missing?)"
    assert {"universetbd/features/feature_card.js", "universetbd/static/common.js"} <= names


def test_wheel_contains_the_data_files(wheel):
    """The arXiv sample (corpus, embeddings, provenance) ships in the wheel, byte for byte, and stays small."""
    zf = zipfile.ZipFile(wheel)
    data = {p.relative_to(REPO).as_posix() for p in (PKG / "data").rglob("*") if p.is_file()
            and "__pycache__" not in p.parts and not p.name.startswith(".")}
    assert {f"universetbd/data/{f}" for f in DATA_FILES} <= data, f"the checkout lacks data files: {sorted(data)}"
    missing = sorted(data - set(zf.namelist()))
    assert not missing, f"the wheel lacks data files {missing}: add their pattern to package_data in setup.py"
    for rel in sorted(data): assert zf.read(rel) == (REPO / rel).read_bytes(), f"the wheel's {rel} differs from the checkout's"
    size = sum(i.compress_size for i in zf.infolist() if i.filename.startswith("universetbd/data/"))
    assert size < MAX_DATA_BYTES, f"the data files add {size / 1e6:.1f} MB to the wheel (limit {MAX_DATA_BYTES / 1e6:.0f} MB)"


def test_installed_wheel_imports_every_module(fresh_env):
    env = fresh_env["env"].resolve()
    assert Path(fresh_env["file"]).resolve().is_relative_to(env), \
        f"universetbd was imported from {fresh_env['file']}, not from the installed wheel in {env}"
    assert not fresh_env["errors"], f"modules that fail to import from the installed wheel: {fresh_env['errors']}"
    assert set(_families()) >= {"universetbd.sae", "universetbd.features", "universetbd.search", "universetbd.circuits",
                                "universetbd.grokking"}
    outside = {m: f for m, f in fresh_env["files"].items() if not f or not Path(f).resolve().is_relative_to(env)}
    assert not outside, f"modules not loaded from the installed wheel: {outside}"
    sample = fresh_env["sample"]
    assert "error" not in sample, f"arxiv_sample() fails from the installed wheel: {sample}"
    assert sample["documents"] == 3000 and sample["shape"] == [3000, 384], sample
    assert Path(sample["dir"]).resolve().is_relative_to(env), f"the sample was read from {sample['dir']}, not the wheel"


def test_installed_widgets_load_their_front_end(fresh_env):
    widgets = fresh_env["widgets"]
    assert widgets, "no universetbd.widgets.Widget subclass with a _module was found in the installed package"
    broken = {n: w["error"] for n, w in widgets.items() if "error" in w}
    assert not broken, f"widgets whose front end does not load from the installed files: {broken}"
    for name, w in widgets.items():
        js = w["js"].rstrip()
        assert js.endswith(EXPORT.format(w["render"])) and len(js) > len(EXPORT.format(w["render"])) + 100, name
        assert w["css"].strip(), f"{name}: no CSS"
    used = {p for w in widgets.values() for p in ([w["module"]] if isinstance(w["module"], str) else w["module"])}
    assert {"features/feature_card", "search/search_box", "circuits/head_overlap", "static/choice_list"} <= used, used
    # the installed files are the checkout's, byte for byte
    site = fresh_env["site"]
    for rel in sorted(_assets(PKG)):
        installed = site / rel
        assert installed.is_file(), f"{rel} is not installed"
        assert installed.read_bytes() == (REPO / rel).read_bytes(), f"the installed {rel} differs from the checkout's"
