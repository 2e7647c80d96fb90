"""The package's layers, read from its source: no import circles (module-level or inside functions), the foundation never
imports a family, families import each other in one direction only, no family imports the top-level CLI, and importing
a family loads none of the heavy optional libraries until they are used."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "universetbd"
FOUNDATION = {"universetbd", "universetbd.core", "universetbd.widgets", "universetbd.charts", "universetbd.corpus",
              "universetbd.embeddings", "universetbd.llm", "universetbd.commands", "universetbd._modidx"}
TOP = {"universetbd.cli"}
FAMILIES = sorted(p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists())
HEAVY = ("altair", "transformer_lens", "transformers", "sentence_transformers", "umap", "ray", "peft", "faiss", "usearch")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__": parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    "The absolute module a `from ... import` names (relative imports resolved)."
    if not node.level: return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(mod: str) -> set[str]:
    "Every package module `mod` imports, anywhere in the file (functions included)."
    path = MODULES[mod]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            src = _resolve(mod, path.name == "__init__.py", node)
            names = [f"{src}.{a.name}" if f"{src}.{a.name}" in MODULES else src for a in node.names]
        else: continue
        for n in names:
            while n and n not in MODULES: n = n.rpartition(".")[0]   # `import universetbd.sae.topk` -> that module
            if n and n != mod and n.startswith("universetbd"): out.add(n)
    return out


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for m in MODULES:
        g.add_node(m)
        for n in imports_of(m):
            if n == "universetbd" and m != "universetbd": continue   # the package root holds only __version__
            g.add_edge(m, n)
    return g


def family(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else mod


def test_modules_are_found():
    assert {"universetbd.core", "universetbd.cli", "universetbd.sae.topk", "universetbd.circuits.calibrated"} <= set(MODULES)
    assert {"sae", "features", "search", "circuits", "grokking", "scale"} <= set(FAMILIES)
    assert "universetbd.corpus" in imports_of("universetbd.embeddings")   # imports are read (`from .corpus import Corpus`)


def test_no_import_circles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph()) if len(c) > 1]
    assert not cycles, f"import circles (each a set of modules that import each other, directly or not): {cycles}"


def test_families_import_each_other_in_one_direction():
    g = nx.DiGraph()
    for a, b in graph().edges:
        fa, fb = family(a), family(b)
        if fa != fb and fa in FAMILIES and fb in FAMILIES: g.add_edge(fa, fb)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, f"families that import each other both ways: {cycles}"


def test_foundation_imports_no_family_and_no_cli():
    bad = [(m, n) for m, n in graph().edges if m in FOUNDATION and (family(n) in FAMILIES or n in TOP)]
    assert not bad, f"foundation modules importing a family or the CLI: {bad}"


def test_no_family_imports_the_cli():
    bad = [(m, n) for m, n in graph().edges if family(m) in FAMILIES and n in TOP]
    assert not bad, f"family modules importing universetbd.cli (use universetbd.commands): {bad}"


_PROBE = """
import sys, json, importlib
heavy, found = set(sys.argv[2:]), {}
for mod in sys.argv[1].split(","):
    m = importlib.import_module(mod)
    [getattr(m, n) for n in getattr(m, "__all__", [])]       # every public name: all the module's submodules
    loaded = sorted({k.split(".")[0] for k in sys.modules} & heavy)
    if loaded: found[mod] = loaded; break                    # the first import that loaded one is the culprit
print(json.dumps(found))
"""


def test_import_loads_no_heavy_library():
    "Importing each family and every name it exports (so every module of it), in turn, loads none of the heavy libraries."
    mods = ["universetbd.cli", "universetbd.charts", "universetbd.embeddings", "universetbd.llm"] + ["universetbd." + f for f in FAMILIES]
    out = subprocess.run([sys.executable, "-c", _PROBE, ",".join(mods), *HEAVY], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == {}, f"imports that loaded heavy libraries before they are used: {json.loads(out.stdout)}"


# Names users could import before the package was layered (every module's `__all__` then), and the few that moved
# because the module they were in would have closed an import circle.
PUBLIC = json.loads((Path(__file__).parent / "public_names.json").read_text())
MOVED = {"universetbd.sae.commands.cmd_encode": "universetbd.scale.commands.cmd_encode"}   # `encode` is the scale family's


def test_public_names_import_from_the_same_place():
    import importlib
    missing = []
    for mod, names in PUBLIC.items():
        m = importlib.import_module(mod)
        missing += [f"{mod}.{n}" for n in names if not hasattr(m, n) and f"{mod}.{n}" not in MOVED]
    assert not missing, f"public names that no longer import from where users import them: {missing}"
    for new in MOVED.values():
        mod, _, name = new.rpartition(".")
        assert hasattr(importlib.import_module(mod), name), new
