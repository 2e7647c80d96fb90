"""FeatureExplorer and FeatureCard in a real JupyterLab: render, type-ahead, the cards shown in the kernel's
order (`FeatureExplorer.results`) for several sorts, queries and pages, related-feature clicks, selection seen
by Python, family tree, hostile data strings shown literally, no console errors."""
import json
import re

from playwright.sync_api import expect

IMG = "<img src=x onerror=alert(1)> <script>alert(2)</script> prompts"
TITLE = "<script>alert('t')</script> Dark <b>matter</b> title"


def _no_elements_from_data(root):
    # the widgets never create <img>, <script> or <b>: any such element came from data
    assert root.locator("img").count() == 0
    assert root.locator("script").count() == 0
    assert root.locator("b").count() == 0


def _kernel(nb, cell):
    """The kernel's query, sort, page and full `results` order, printed by the fixture's last cell."""
    nb.run_cell(cell)
    expect(nb.cell_output(cell)).to_contain_text("KERNEL ")
    text = "\n".join(nb.output_text(cell))
    return json.loads(text[text.index("KERNEL ") + 7:].strip().splitlines()[0])


def _assert_kernel_order(nb, root, cell, *, query, sort, page, page_size):
    """The cards on screen, once drawn for (query, sort, page), are the kernel's `results` for that page, in order."""
    expect(root).to_have_attribute("data-query", query, timeout=15_000)
    expect(root).to_have_attribute("data-sort", sort, timeout=15_000)
    expect(root).to_have_attribute("data-page", str(page), timeout=15_000)
    expect(root).not_to_have_class(re.compile(r"\butbd-fx-pending\b"), timeout=15_000)
    shown = root.locator(".utbd-fx-grid .utbd-fx-card").evaluate_all("els => els.map(e => Number(e.dataset.feature))")
    k = _kernel(nb, cell)
    assert (k["query"], k["sort"], k["page"]) == (query, sort, page)
    want = k["results"][page * page_size:(page + 1) * page_size]
    assert want, f"no features for {query!r}: the check would be empty"
    assert shown == want, f"browser shows {shown}, kernel order is {want} (query={query!r} sort={sort} page={page})"
    return k["results"]


def test_feature_explorer(notebook):
    nb = notebook("feature_cards.ipynb")
    nb.run_all()
    root = nb.cell_output(1).locator(".utbd-root.utbd-feature-explorer")
    expect(root).to_be_visible(timeout=60_000)
    expect(root).to_have_attribute("data-ready", "1", timeout=30_000)
    cards = root.locator(".utbd-fx-grid .utbd-fx-card")
    expect(cards).to_have_count(8, timeout=30_000)
    expect(root.locator(".utbd-fx-title")).to_have_text("Synthetic <b>features</b>")
    nb.screenshot("feature_explorer_grid", root)

    # the kernel orders, the browser draws: the cards on screen are the kernel's `results`, page by page
    _assert_kernel_order(nb, root, 5, query="", sort="density", page=0, page_size=8)
    sort = root.locator(".utbd-fx-sort")
    sort.select_option("family")
    order = _assert_kernel_order(nb, root, 5, query="", sort="family", page=0, page_size=8)
    assert order[:2] == [16, 0]  # both family parents first (the browser used to order family 0 by density only)
    root.locator(".utbd-fx-next").click()
    _assert_kernel_order(nb, root, 5, query="", sort="family", page=1, page_size=8)
    nb.screenshot("feature_explorer_family_page2", root)
    sort.select_option("score")
    _assert_kernel_order(nb, root, 5, query="", sort="score", page=0, page_size=8)
    sort.select_option("clean")
    _assert_kernel_order(nb, root, 5, query="", sort="clean", page=0, page_size=8)
    sort.select_option("family")
    search = root.locator(".utbd-fx-search")
    search.press_sequentially("neural", delay=40)
    _assert_kernel_order(nb, root, 5, query="neural", sort="family", page=0, page_size=8)
    sort.select_option("density")
    _assert_kernel_order(nb, root, 5, query="neural", sort="density", page=0, page_size=8)
    search.fill("")
    expect(root).to_have_attribute("data-query", "", timeout=15_000)

    # type-ahead: the grid narrows to the features whose label has both words, and Python sees the query
    search.press_sequentially("dark mat", delay=40)
    expect(cards).to_have_count(2, timeout=15_000)
    for i in range(2):
        expect(cards.nth(i).locator(".utbd-fx-card-label")).to_contain_text("dark matter")
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text("query='dark mat' n=2")

    # hostile label: literal text, no element created from it
    search.fill("prompts")
    expect(cards).to_have_count(1, timeout=15_000)
    expect(cards.first.locator(".utbd-fx-card-label")).to_have_text(" " + IMG)
    _no_elements_from_data(root)

    # open a card, then a related feature from inside it
    search.fill("dark matter")
    expect(cards).to_have_count(2, timeout=15_000)
    cards.first.click()
    detail = root.locator(".utbd-fx-detail .utbd-fc-card")
    expect(detail).to_be_visible(timeout=15_000)
    first = detail.get_attribute("data-feature")
    link = detail.locator(".utbd-fc-similar .utbd-fc-link").first
    target = link.get_attribute("data-feature")
    assert target != first
    link.click()
    expect(root.locator(f'.utbd-fx-detail .utbd-fc-card[data-feature="{target}"]')).to_be_visible(timeout=15_000)
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text(f"selected={target} ")
    # back returns to the first card
    root.locator(".utbd-fx-detail .utbd-fc-back").click()
    expect(root.locator(f'.utbd-fx-detail .utbd-fc-card[data-feature="{first}"]')).to_be_visible(timeout=15_000)
    nb.screenshot("feature_explorer_detail", root)

    # family tree: families drawn, a child link opens its card
    root.locator(".utbd-fx-view-tree").click()
    fams = root.locator(".utbd-fx-tree .utbd-fx-fam")
    expect(fams.first).to_be_visible(timeout=15_000)
    child = root.locator(".utbd-fx-tree .utbd-fx-fam-children .utbd-fc-link").first
    f = child.get_attribute("data-feature")
    child.click()
    expect(root.locator(f'.utbd-fx-detail .utbd-fc-card[data-feature="{f}"]')).to_be_visible(timeout=15_000)
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text(f"selected={f} ")
    expect(nb.cell_output(2)).to_contain_text("view=tree")
    nb.screenshot("feature_explorer_tree", root)
    _no_elements_from_data(root)
    nb.assert_clean()


def test_feature_card(notebook):
    nb = notebook("feature_cards.ipynb")
    nb.run_all()
    root = nb.cell_output(3).locator(".utbd-root.utbd-feature-card")
    card = root.locator('.utbd-fc-card[data-feature="0"]')
    expect(card).to_be_visible(timeout=60_000)
    # the hostile title of feature 0's top document is shown literally
    expect(card.locator(".utbd-fc-doc-title").first).to_have_text(TITLE)
    expect(card.locator(".utbd-fc-hist rect").first).to_be_attached()
    _no_elements_from_data(root)
    nb.screenshot("feature_card", root)
    # family parent link -> its card; Python sees the feature
    parent = card.locator(".utbd-fc-family .utbd-fc-link").first
    p = parent.get_attribute("data-feature")
    parent.click()
    expect(root.locator(f'.utbd-fc-card[data-feature="{p}"]')).to_be_visible(timeout=15_000)
    nb.run_cell(4)
    expect(nb.cell_output(4)).to_contain_text(f"card_feature={p}")
    # a co-occurring feature from there, then back twice
    co = root.locator(".utbd-fc-cooc .utbd-fc-link").first
    c = co.get_attribute("data-feature")
    co.click()
    expect(root.locator(f'.utbd-fc-card[data-feature="{c}"]')).to_be_visible(timeout=15_000)
    root.locator(".utbd-fc-back").click()
    expect(root.locator(f'.utbd-fc-card[data-feature="{p}"]')).to_be_visible(timeout=15_000)
    root.locator(".utbd-fc-back").click()
    expect(root.locator('.utbd-fc-card[data-feature="0"]')).to_be_visible(timeout=15_000)
    nb.run_cell(4)
    expect(nb.cell_output(4)).to_contain_text("card_feature=0")
    nb.assert_clean()


def test_feature_explorer_at_benchmark_size(notebook):
    """3,072 features: the first page comes with the widget state, and a query is filtered and ordered by the kernel."""
    nb = notebook("feature_cards_large.ipynb")
    nb.run_all()
    root = nb.cell_output(1).locator(".utbd-root.utbd-feature-explorer")
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(".utbd-fx-grid .utbd-fx-card")).to_have_count(12, timeout=30_000)
    expect(root.locator(".utbd-fx-info")).to_contain_text("3072 of 3072 features")
    _assert_kernel_order(nb, root, 2, query="", sort="density", page=0, page_size=12)
    search = root.locator(".utbd-fx-search")
    search.fill("quasar lensing")
    expect(root.locator(".utbd-fx-info")).not_to_contain_text("3072 of 3072", timeout=15_000)
    _assert_kernel_order(nb, root, 2, query="quasar lensing", sort="density", page=0, page_size=12)
    nb.screenshot("feature_explorer_large", root)
    nb.assert_clean()
