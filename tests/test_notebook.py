"""The playground outside a server: the example notebook's cells run, the component renders
into a plain Bokeh document (as Jupyter displays it, over a comm), and a Train loop started
from inside an event loop, as in a kernel, pushes the plots' updates over that comm."""
import asyncio
import json
import threading
from pathlib import Path

import numpy as np
import panel as pn
import pytest
from bokeh.document import Document
from pyviz_comms import Comm

from app.loop import TrainLoop
from app.main import PlaygroundApp

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "playground.ipynb"


def code_cells() -> list[str]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def article_fit(x):
    """The article's starting network, written out: 0.3 * sigmoid(0.5 x - 0.1) + 0.2."""
    return 0.3 / (1 + np.exp(-(0.5 * x - 0.1))) + 0.2


def test_the_notebook_cells_run(capsys):
    namespace: dict = {}
    for number, source in enumerate(code_cells(), start=1):
        exec(compile(source, f"{NOTEBOOK.name} cell {number}", "exec"), namespace)
    assert isinstance(namespace["app"], PlaygroundApp)
    assert round(namespace["app"].state.loss(), 4) == 0.1267
    printed = capsys.readouterr().out
    assert "loss at the start: 0.1267" in printed
    assert "after 1000 epochs: 0.08" in printed  # down towards one neuron's 1/12 floor


def test_the_component_renders_without_a_server():
    app = PlaygroundApp()
    root = app.__panel__().get_root(Document(), comm=Comm())
    curve = root.select_one({"name": "fit_curve"})
    history = root.select_one({"name": "loss_history"})
    assert curve is not None and history is not None
    x = np.asarray(curve.data["x"])
    np.testing.assert_allclose(curve.data["y"], article_fit(x), rtol=1e-12)
    assert list(history.data["epoch"]) == [0]
    assert round(history.data["loss"][0], 4) == 0.1267


class RecordingComm(Comm):
    """A comm that is open and keeps what Panel sends to the page."""

    def __init__(self):
        super().__init__()
        self._comm = True
        self.sent: list = []

    def send(self, data=None, metadata=None, buffers=None):
        self.sent.append(data)


@pytest.fixture
def notebook_display(monkeypatch):
    """Display like Jupyter does (_repr_mimebundle_ over a comm); undo Panel's globals after."""
    comm = RecordingComm()
    monkeypatch.setattr(pn.config, "console_output", "disable")
    monkeypatch.setattr(pn.state._comm_manager, "get_server_comm", staticmethod(lambda: comm))
    monkeypatch.setattr(pn.state, "_location", pn.state._location)
    views_before = set(pn.state._views)
    destroyed_before = list(pn.state._on_session_destroyed)
    created_before = list(pn.state._on_session_created)
    yield comm
    for ref in set(pn.state._views) - views_before:
        del pn.state._views[ref]
    pn.state._on_session_destroyed[:] = destroyed_before
    pn.state._on_session_created[:] = created_before


def test_a_train_loop_drives_the_notebook_display(notebook_display):
    comm = notebook_display
    pn.extension()
    app = PlaygroundApp()
    bundle, _ = app._repr_mimebundle_()
    assert "application/vnd.holoviews_exec.v0+json" in bundle
    (doc,) = {v[2] for v in pn.state._views.values() if v[3] is comm}
    ids = {doc.select_one({"name": n}).id for n in ("fit_curve", "loss_history")}
    loop = TrainLoop(app.state, app.race)  # the change proposed for PlaygroundApp

    async def press_train():  # a kernel handles the Train click inside its running loop
        app.state.training = True
        await asyncio.sleep(0.4)
        app.state.training = False

    # a fresh event loop on a thread of its own: the kernel's stand-in, whatever loop the test
    # process runs here (Playwright's sync API leaves one marked running on the main thread)
    worker = threading.Thread(target=asyncio.run, args=(press_train(),))
    worker.start()
    worker.join(timeout=30)
    assert app.state.epoch > 10
    assert not loop._callback.running
    sent = " ".join(str(m) for m in comm.sent if m)
    assert all(i in sent for i in ids), "the fit and loss updates reach the page"
