"""KoopmanView in a real JupyterLab: renders offline, eigenvalues move while training, a start can be chosen, no console errors."""
import time

from playwright.sync_api import expect


def _eigs(root):
    return root.locator("circle.utbd-kv-eig").evaluate_all("(els) => els.map(e => e.dataset.re + ',' + e.dataset.im).join(';')")


def _kernel_status(nb):
    return nb.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status")


def test_koopman_view_live(notebook):
    nb = notebook("koopman_view.ipynb")
    nb.run_cell(1, timeout=120_000)
    root = nb.cell_output(1).locator(".utbd-root.utbd-koopman-view")
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator("circle.utbd-kv-eig")).to_have_count(4)
    expect(root.locator("circle.utbd-kv-unit")).to_have_count(1)
    expect(root.locator(".utbd-title")).to_have_text("Pendulum <img src=x onerror=alert(1)> view")
    assert root.locator("img").count() == 0
    expect(root.locator("select.utbd-kv-start option")).to_have_count(30)
    first = _eigs(root)

    # train without waiting; the eigenvalue points must move while the kernel is busy
    nb.page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                               nb.activeCellIndex = 2;
                               window.jupyterapp.commands.execute('notebook:run-cell'); }""")
    seen, deadline = set(), time.time() + 120
    while time.time() < deadline:
        e, status = _eigs(root), _kernel_status(nb)
        if e != first and status == "busy": seen.add(e)
        if status == "idle" and nb.page.evaluate(
                "() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.executionCount") is not None:
            break
        time.sleep(0.1)
    assert len(seen) >= 2, f"the eigenvalues did not move while training (saw {len(seen)} states)"
    nb.wait_idle()
    expect(root.locator(".utbd-kv-status")).to_contain_text("epoch 25 / 25")
    expect(root.locator("path.utbd-kv-val")).to_have_count(1)
    expect(root.locator("path.utbd-kv-pred")).to_have_count(2)

    # choose another start: the kernel recomputes the rollout and Python sees the choice
    truth_before = root.locator("path.utbd-kv-truth").first.get_attribute("d")
    root.locator("select.utbd-kv-start").select_option("7")
    expect(root.locator("path.utbd-kv-truth").first).not_to_have_attribute("d", truth_before)
    nb.run_cell(3)
    expect(nb.cell_output(3)).to_contain_text("start=7 epochs=25")
    nb.screenshot("koopman_view", root)
    nb.assert_clean()
