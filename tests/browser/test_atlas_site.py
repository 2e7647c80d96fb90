"""The exported feature atlas site opens from file:// in headless Chromium with no server and no network: it searches
(labels and document titles), sorts, opens a card, follows a similar-feature link and a family, opens a feature from
its URL fragment and shows the map; hostile and long text stays text that fits. Every request the page makes is
recorded and must stay inside the site's folder; console errors fail the test. (Firefox is not installed on the
build machines: the site uses classic scripts, DOM calls and standard CSS only, nothing Chromium-specific.)"""
import shutil
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, IGNORED_CONSOLE

LONG = "Long label " + "word " * 900 + "W" * 3000  # 7,500 characters, with one unbroken 3,000-character word
RTL = "\u05e9\u05dc\u05d5\u05dd \u202eevil override\u202c text"  # Hebrew and a right-to-left override character


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from universetbd.features.cards import synthetic_atlas
    import universetbd.features.site  # noqa: F401  (adds FeatureAtlas.export_site)
    atlas = synthetic_atlas(hostile=True)
    atlas.labels[3], atlas.labels[5] = LONG, RTL
    atlas.df["text"] = atlas.df["title"] + ". " + atlas.df["text"]   # snippets start with the title, as real ones do
    atlas.df.loc[0, "title"] = atlas.titles[0] = "T" * 4000   # a title that is one 4,000-character word
    xy = np.random.default_rng(0).normal(size=(len(atlas.df), 2))
    folder = tmp_path_factory.mktemp("site") / "atlas site"   # a space in the path, as in "My Documents"
    index = atlas.export_site(folder, title="Synthetic <img src=x onerror=alert(1)> atlas", landscape=xy, show_progress=False)
    return atlas, index


class Page:
    """A page of the site with every request, console error and dialog recorded."""

    def __init__(self, browser, index: Path, fragment: str = ""):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.ctx.set_default_timeout(30_000)
        self.page = self.ctx.new_page()
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" and not any(s in m.text for s in IGNORED_CONSOLE[1:]) else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.base = index.parent.as_uri() + "/"
        self.page.goto(index.as_uri() + fragment)
        self.root = self.page.locator(".utbd-site")
        expect(self.root).to_have_attribute("data-ready", "1")
        self.ex = self.page.locator(".utbd-feature-explorer")
        expect(self.ex).to_have_attribute("data-ready", "1")

    def grid(self) -> list[int]:
        return [int(x) for x in self.ex.locator(".utbd-fx-grid .utbd-fx-card").evaluate_all("els => els.map(e => e.dataset.feature)")]

    def detail(self, f: int):
        card = self.ex.locator(f'.utbd-fx-detail .utbd-fc-card[data-feature="{f}"]')
        expect(card).to_be_visible()
        assert self.page.evaluate("location.hash") == f"#feature-{f}"
        return card

    def check_clean(self):
        outside = [u for u in self.requests if not u.startswith(self.base)]
        assert not outside, f"requests outside the site's folder: {outside}"
        assert not self.dialogs, f"a dialog opened (script ran from data?): {self.dialogs}"
        assert not self.errors, "browser console errors:\n" + "\n".join(self.errors)
        assert self.root.locator("img").count() == 0 and self.root.locator("script").count() == 0
        wide = self.page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
        assert wide <= 1, f"the page scrolls sideways by {wide} px"


def test_site_offline(browser, site):
    atlas, index = site
    p = Page(browser, index)
    # first view: the explorer's first page, in FeatureAtlas.search's order; the title is text
    assert p.grid() == atlas.search("", "density")[:12]
    assert "<img src=x" in p.page.locator(".utbd-site-title").inner_text()
    first = {u[len(p.base):] for u in p.requests}
    assert first >= {"index.html", "data/atlas.js", "data/briefs-0000.js"} and not any("cards-" in u for u in first)

    # search over labels and titles (the synthetic titles hold HTML: shown as text)
    p.ex.locator(".utbd-fx-search").fill("dark matter")
    expect(p.ex).to_have_attribute("data-query", "dark matter")
    assert p.grid() == atlas.search("dark matter")[:12]
    docs = p.page.locator(".utbd-site-docs")
    n_titles = sum("dark matter" in t.lower() for t in atlas.titles)
    expect(docs).to_have_attribute("data-count", str(n_titles))
    assert docs.locator(".utbd-site-doc").count() == min(20, n_titles)
    p.ex.locator(".utbd-site-docs .utbd-site-more").click()   # the next 20
    expect(docs).to_have_attribute("data-shown", str(min(40, n_titles)))
    p.ex.locator(".utbd-fx-search").fill("onerror")   # only the hostile titles hold it: shown as text
    expect(docs).to_have_attribute("data-query", "onerror")
    assert "<img src=x onerror=alert(1)>" in docs.inner_text()

    # sorting: clean first, as FeatureAtlas.search orders it
    p.ex.locator(".utbd-fx-search").fill("")
    expect(p.ex).to_have_attribute("data-query", "")
    p.ex.locator(".utbd-fx-sort").select_option("clean")
    expect(p.ex).to_have_attribute("data-sort", "clean")
    assert p.grid() == atlas.search("", "clean")[:12]

    # open a card, then follow a similar-feature link; each has its URL fragment
    f = p.grid()[0]
    p.ex.locator(f'.utbd-fx-card[data-feature="{f}"]').click()
    card = p.detail(f)
    expect(card.locator(".utbd-fc-label")).to_have_text(str(atlas.labels[f]))
    assert card.locator(".utbd-fc-hist rect").count() >= 1
    top = card.locator(".utbd-fc-col > .utbd-fc-doc")
    assert top.locator(".utbd-fc-doc-title").all_inner_texts() == [d["title"] for d in atlas.card(f)["top"]]
    assert top.locator(".utbd-fc-snippet").all_inner_texts() == [d["snippet"] for d in atlas.card(f)["top"]]
    link = card.locator(".utbd-fc-similar .utbd-fc-link").first
    g = int(link.get_attribute("data-feature"))
    link.click()
    p.detail(g)
    p.ex.locator(".utbd-fc-back").click()
    p.detail(f)
    p.ex.locator(".utbd-fx-close").click()   # closing the card drops the fragment
    expect(p.ex.locator(".utbd-fx-detail")).to_be_hidden()
    assert p.page.evaluate("location.hash") == ""
    p.page.go_back()   # the browser's back button goes through the fragments: the similar feature's card
    p.detail(g)

    # the family tree: a family's parent opens its card, which lists the children
    p.ex.locator(".utbd-fx-view-tree").click()
    fam = p.ex.locator(".utbd-fx-tree .utbd-fx-fam").first
    expect(fam).to_be_visible()
    parent = fam.locator(".utbd-fx-fam-head .utbd-fc-link").first
    q = int(parent.get_attribute("data-feature"))
    assert q == atlas.tree()[0]["parent"]
    parent.click()
    card = p.detail(q)
    children = card.locator(".utbd-fc-children .utbd-fc-link").evaluate_all("els => els.map(e => +e.dataset.feature)")
    assert set(children) == {c["feature"] for c in atlas.card(q)["families"]["parent_of"][0]["children"]}

    # long and right-to-left labels: isolated, clamped, whole on hover; nothing scrolls sideways
    p.page.evaluate("location.hash = '#feature-3'")
    card = p.detail(3)
    assert len(card.locator(".utbd-fc-head").get_attribute("title")) > 7000
    assert card.locator(".utbd-fc-head").evaluate("e => e.getBoundingClientRect().height") < 120   # three lines at most
    assert card.locator(".utbd-fc-label").evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "atlas_site_card.png"))

    # the map: the open card's top documents are highlighted
    p.page.locator(".utbd-site-tab-map").click()
    ls = p.page.locator(".utbd-landscape")
    expect(ls.locator(".utbd-ls-canvas")).to_be_visible()
    expect(ls).to_have_attribute("data-highlighted", str(len(atlas.card(3)["top"])))
    expect(ls.locator(".utbd-ls-legend")).to_contain_text("search results")
    p.page.screenshot(path=str(ARTIFACTS / "atlas_site_map.png"))
    # a click on a point lists its document with the features it is a top document of; a feature link opens its card
    row = atlas.card(3)["top"][0]["doc"]
    x, y = ls.evaluate(f"e => e.utbdLandscape.screenOf({row})")
    box = ls.locator(".utbd-ls-canvas").bounding_box()
    p.page.mouse.click(box["x"] + x, box["y"] + y)
    picked = p.page.locator(".utbd-site-map-docs .utbd-site-doc")
    expect(picked).to_have_count(1)
    assert picked.get_attribute("data-row") == str(row)
    links = picked.locator(".utbd-fc-link").evaluate_all("els => els.map(e => +e.dataset.feature)")
    assert 3 in links
    picked.locator('.utbd-fc-link[data-feature="3"]').click()
    expect(p.page.locator(".utbd-site-features")).to_be_visible()
    p.detail(3)
    p.check_clean()
    p.ctx.close()


def test_site_link_to_a_feature(browser, site):
    atlas, index = site
    p = Page(browser, index, "#feature-5")
    card = p.detail(5)
    assert card.locator(".utbd-fc-label").inner_text() == atlas.labels[5]   # the RTL label, as text
    p.page.evaluate("location.hash = '#feature-99999'")
    expect(p.page.locator(".utbd-site-status")).to_contain_text("no feature 99999")
    p.check_clean()
    p.ctx.close()


def test_site_missing_data_file_says_so(browser, site, tmp_path):
    atlas, index = site
    broken = tmp_path / "copy"
    shutil.copytree(index.parent, broken)
    (broken / "data" / "cards-0000.js").unlink()   # a folder copied in part
    p = Page(browser, broken / "index.html", "#feature-0")
    expect(p.ex.locator(".utbd-fx-detail .utbd-error")).to_contain_text("could not read data/cards-0000.js")
    assert not [e for e in p.errors if "pageerror" in e] and not p.dialogs
    p.ctx.close()
