"""LabelView in a real JupyterLab: label by clicking and by keys (a, p, s, u), undo, the judge's guess hidden until the
person answers, progress and the metrics chart after an iteration; a hostile prompt and a 5,000-character prompt stay
escaped text inside the layout; every answer reaches the loop's SQLite file; no console errors."""
from playwright.sync_api import expect

HOSTILE = "<img src=x onerror=alert(1)> Where does Dr. <b>Roe</b> live?"
_SIDEWAYS = """el => [el, ...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'hidden'
                 && !['svg', 'input', 'select', 'option'].includes(e.tagName.toLowerCase()))
               .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> ${e.scrollWidth} > ${e.clientWidth}`)"""


def test_judge_label_view(notebook):
    nb = notebook("judge_view.ipynb")
    nb.run_cell(1, timeout=120_000)
    root = nb.cell_output(1).locator(".utbd-root.utbd-label-view")
    expect(root).to_be_visible(timeout=60_000)
    prompt, last, status = root.locator(".utbd-lv-prompt"), root.locator(".utbd-lv-last"), root.locator(".utbd-lv-status")
    ok, bad = root.locator("button.utbd-lv-acceptable"), root.locator("button.utbd-lv-problematic")
    skip, undo = root.locator("button.utbd-lv-skip"), root.locator("button.utbd-lv-undo")
    expect(root.locator(".utbd-title")).to_have_text("Label <b>prompts</b>")

    # the hostile prompt is text; the judge's guess is nowhere on the page before the answer
    expect(prompt).to_have_text(HOSTILE)
    assert root.locator("img").count() == 0 and root.locator("b").count() == 0
    expect(last).to_have_text("Answer to see what the judge had guessed. Keys: a acceptable · p problematic · s skip · u undo.")
    assert root.locator(".utbd-lv-guess").count() == 0 and "p = " not in root.inner_text()
    expect(status).to_contain_text("round 1 / 3")
    nb.screenshot("judge_view_first", root)

    # click Problematic: the guess is revealed for that prompt, the 5,000-character prompt comes next
    bad.click()
    expect(last.locator(".utbd-lv-said")).to_have_text("You said problematic")
    expect(last.locator(".utbd-lv-guess")).to_contain_text("the judge had guessed")
    expect(last.locator(".utbd-lv-last-prompt")).to_have_text(HOSTILE)
    expect(prompt).to_contain_text("y" * 200)
    assert len(prompt.text_content()) == 5000
    expect(status).to_contain_text("1 labelled")
    # long text scrolls inside the card, never sideways, and does not stretch the widget
    card = root.locator(".utbd-lv-card")
    assert card.bounding_box()["height"] <= 280
    assert root.evaluate(_SIDEWAYS) == []
    out_w = nb.cell_output(1).bounding_box()["width"]
    assert root.bounding_box()["width"] <= out_w + 1
    nb.screenshot("judge_view_long", root)

    # keys: a = acceptable, u = undo (the long prompt is back), s = skip, the Undo button takes the skip back
    expect(ok).to_be_enabled()  # the click's request has finished
    root.focus()
    nb.page.keyboard.press("a")
    expect(last.locator(".utbd-lv-said")).to_have_text("You said acceptable")
    expect(status).to_contain_text("2 labelled")
    expect(ok).to_be_enabled()
    nb.page.keyboard.press("u")
    expect(last).to_contain_text("Undone")
    expect(prompt).to_contain_text("y" * 200)
    expect(status).to_contain_text("1 labelled")
    expect(ok).to_be_enabled()
    nb.page.keyboard.press("s")
    expect(last.locator(".utbd-lv-said")).to_have_text("You said skipped")
    expect(status).to_contain_text("1 skipped")
    expect(ok).to_be_enabled()
    undo.click()
    expect(status).to_contain_text("0 skipped")
    expect(prompt).to_contain_text("y" * 200)
    # the notebook was not edited by the keys (a would insert a cell, s would save...)
    assert nb.page.locator(".jp-Notebook .jp-Cell").count() == 3

    # finish iteration 1 (3 rounds): p by key, then a click; the chart gains iteration 1
    expect(root.locator("circle.utbd-lv-pt-accuracy")).to_have_count(1)
    expect(ok).to_be_enabled()
    root.focus(); nb.page.keyboard.press("p")
    expect(status).to_contain_text("2 labelled")
    expect(ok).to_be_enabled()
    ok.click()
    expect(last.locator(".utbd-lv-trained")).to_be_visible(timeout=60_000)
    expect(root.locator("circle.utbd-lv-pt-accuracy")).to_have_count(2)
    expect(root.locator("circle.utbd-lv-pt-success_rate")).to_have_count(1)
    expect(root.locator("polyline.utbd-lv-accuracy")).to_have_count(1)
    expect(status).to_contain_text("iteration 2 / 2")
    assert root.locator("img").count() == 0 and root.evaluate(_SIDEWAYS) == []
    nb.screenshot("judge_view", root)

    # every answer is in the loop's file, in order (the undone ones are gone)
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text("sources=human,benign,human,benign,human,benign labels=1,1,0 iteration=2")
    nb.assert_clean()
