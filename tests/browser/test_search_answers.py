"""SearchBox answers in a real JupyterLab with a fake LLM (an object with `.chat`, defined in the fixture).

HyDE switch (new search, mode "hyde"), an answer whose citations are [n] links that highlight result n,
hostile HTML in the answer kept as text, reformatting, and Cancel (the slow answer is dropped when it arrives).
"""
import re

from playwright.sync_api import expect

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def _ids(root):
    return root.locator(".utbd-sb-result").evaluate_all("els => els.map(e => e.dataset.id)")


def test_search_answers_hyde_cite_reformat_cancel(notebook):
    nb = notebook("search_answers.ipynb")
    nb.run_all(timeout=240_000)
    root = nb.cell_output(2).locator(".utbd-root.utbd-search-box")
    expect(root).to_be_visible(timeout=60_000)
    hyde = root.locator(".utbd-sb-toggle-hyde")
    expect(hyde).to_be_enabled()

    query = root.locator(".utbd-sb-query")
    query.fill("galaxy")
    query.press("Enter")
    results = root.locator(".utbd-sb-result")
    expect(results).to_have_count(5, timeout=60_000)
    expect(root).to_have_attribute("data-mode", "plain")
    plain = _ids(root)

    # HyDE on: searched again with the hypothetical abstract, which the page shows; the kernel logged mode "hyde"
    hyde.check()
    expect(root).to_have_attribute("data-mode", "hyde", timeout=30_000)
    expect(root.locator(".utbd-sb-status")).to_contain_text("hyde")
    expect(root.locator(".utbd-sb-hyde-text")).to_have_text("Pulsar timing of millisecond pulsars.")
    assert _ids(root) != plain, "HyDE did not change the results"
    nb.run_cell(3)
    expect(nb.cell_output(3)).to_contain_text("hyde=True mode=hyde hyde_calls=1 answers=0")
    expect(root.locator(".utbd-sb-qtype option").first).to_have_text("type: auto (single-paper)")

    # an answer: citations are [n] links (n = rank), hostile HTML and unknown ids stay text
    root.locator(".utbd-sb-answer-btn").click()
    text = root.locator(".utbd-sb-answer-text")
    expect(text).to_contain_text("Answer 1:", timeout=30_000)
    cites = text.locator(".utbd-sb-cite")
    expect(cites).to_have_text(["[2]", "[1]", "[3]"])
    assert HOSTILE in text.inner_text() and "[doc999999]" in text.inner_text()
    assert root.locator("img").count() == 0 and root.locator("script").count() == 0
    expect(root.locator(".utbd-sb-answer-meta")).to_contain_text("question type: single-paper")
    expect(root.locator(".utbd-sb-answer-progress")).to_contain_text("written in")

    # clicking [3] highlights the third result (the cited id) and scrolls it into view
    ids = _ids(root)
    for i in (2, 0):
        cite = cites.nth(i)
        rank = int(cite.inner_text().strip("[]"))
        assert cite.get_attribute("data-id") == ids[rank - 1]
        cite.click()
        hl = root.locator(".utbd-sb-result.utbd-sb-highlight")
        expect(hl).to_have_count(1)
        expect(hl).to_have_attribute("data-id", ids[rank - 1])
        expect(hl).to_have_attribute("data-rank", str(rank))
        expect(hl).to_be_in_viewport()

    # reformat in another language: new text, citations kept
    root.locator(".utbd-sb-style").select_option("in Spanish")
    root.locator(".utbd-sb-reformat").click()
    expect(text).to_contain_text("ES: Answer 1:", timeout=30_000)
    expect(cites).to_have_text(["[2]", "[1]", "[3]"])
    expect(root.locator(".utbd-sb-answer-meta")).to_contain_text("reformatted: in Spanish")
    nb.screenshot("search_answers", root)

    # cancel: the second answer takes 4 s in the kernel; the page shows elapsed seconds, cancels, and drops it on arrival
    root.locator(".utbd-sb-answer-btn").click()
    progress = root.locator(".utbd-sb-answer-progress")
    expect(progress).to_have_text(re.compile(r"writing the answer… [1-9]\d* s"), timeout=15_000)
    expect(root.locator(".utbd-sb-cancel")).to_be_visible()
    nb.screenshot("search_answers_writing", root)
    root.locator(".utbd-sb-cancel").click()
    expect(progress).to_contain_text("cancelled")
    expect(root.locator(".utbd-sb-cancel")).to_be_hidden()
    expect(root).to_have_attribute("data-answers-dropped", "1", timeout=30_000)
    expect(text).to_contain_text("ES: Answer 1:")
    expect(text).not_to_contain_text("Answer 2:")
    nb.run_cell(3)
    # the kernel wrote answer 2 (the LLM call cannot be interrupted) and then forgot it
    expect(nb.cell_output(3)).to_contain_text("answers=2 cancelled=1 last=None")
    nb.screenshot("search_answers_cancelled", root)
    nb.assert_clean()
