"""What an executed tour must show, whichever way it ran (nbconvert headless, or JupyterLab's Run All, saved)."""
from __future__ import annotations


def tour_problems(nb) -> list[str]:
    """Everything wrong with the outputs of an executed `nbs/tour.ipynb` (an `nbformat` notebook); [] when it is right."""
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    problems = [f"error output: {o.get('ename')}: {o.get('evalue')}" for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs)   # nbformat.read joins multi-line text into one string
    want = {
        "the version and device line": "universetbd" in text and "device:" in text,
        # the story runs on the shipped arXiv sample: 1,000 papers per field, and features a scientist would look for
        "the shipped arXiv sample, 3,000 documents": "Corpus('arxiv-sample', 3000 documents" in text,
        "1,000 papers per field": "'cs.LG': 1000, 'cs.CL': 1000" in text,
        "a 'dark matter' feature": "'dark matter': feature" in text,
        "a 'transformer' feature": "'transformer': feature" in text,
        "the command-line pipeline on 300 papers": "features active on 300 documents" in text,
    }
    problems += [f"missing from the outputs: {k}" for k, ok in want.items() if not ok]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    if not views: problems.append("no widget outputs")
    problems += ["a widget output has no static text/html fallback" for o in views if "text/html" not in o["data"]][:1]
    return problems
