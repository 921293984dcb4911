"""Parts built when first wanted (app/views/lazy.py), without a browser: a new page builds
none of them, its first document is smaller for it, and a part built late shows the session as
it is then and stays live."""
import numpy as np
import panel as pn
import pytest
from bokeh.document import Document

import tinynet
from app.main import PlaygroundApp
from app.views.lazy import Slot, say
from tests.conftest import source, tick

LAZY = ("tables", "graph", "diagram", "landscape", "race", "lottery")
X, Y = tinynet.ARTICLE_X, tinynet.ARTICLE_Y


def models(app) -> int:
    """How many Bokeh models the page's first document holds."""
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    return len(doc.models)


def test_a_new_page_builds_none_of_the_parts_below():
    app = PlaygroundApp(loop=False)
    assert [name for name in LAZY if app.lazy[name].built] == []
    first = models(app)
    whole = PlaygroundApp(loop=False)
    for name in LAZY:
        whole.lazy[name].open()
    assert all(whole.lazy[name].built for name in LAZY)
    everything = models(whole)
    assert first < 0.6 * everything, (first, everything)


def test_the_folded_cards_are_laid_out_when_first_unfolded():
    app = PlaygroundApp(loop=False)
    card = app.blocks["settings"]
    assert card.collapsed and list(card.objects) == []
    card.collapsed = False  # the learner unfolds it
    assert len(card.objects) == 1
    card.collapsed = True
    card.collapsed = False
    assert len(card.objects) == 1  # laid out once


def test_parts_built_after_training_show_the_network_as_it_is_then_and_stay_live():
    app = PlaygroundApp(loop=False)
    s = app.state
    for _ in range(5):
        s.advance(100)
        s.notify()
    net = s.net
    point = source(app.landscape, "landscape_point").data  # built now, 500 epochs in
    assert point["x"] == [net.w1[0]] and point["y"] == [net.b1[0]]
    labels = source(app.diagram, "diagram_edges").data["label"]
    assert labels == [f"{net.w1[0]:+.2f}", f"{net.w2[0]:+.2f}"]
    nodes = source(app.backprop, "graph_nodes").data
    assert nodes["value"][nodes["name"].index("L")] == pytest.approx(s.loss())
    s.set_values(w2_1=-1.0)  # and from then on they follow
    assert source(app.diagram, "diagram_edges").data["label"][1] == "-1.00"
    point = source(app.landscape, "landscape_point").data
    assert point["x"] == [s.net.w1[0]]


def test_showing_a_part_builds_it():
    app = PlaygroundApp(loop=False)
    app.show(["fit", "graph"])  # a lesson or a teacher's link
    assert app.lazy["graph"].built
    assert not any(app.lazy[name].built for name in LAZY if name != "graph")
    app.show(None)  # the whole page again: the rest is built as the learner scrolls
    assert not app.lazy["lottery"].built


def test_the_race_built_late_starts_from_the_starting_weights():
    app = PlaygroundApp(loop=False)
    app.state.advance(300)
    view = app.race_view
    assert view.race.epoch == 0
    curve = source(view, "race_loss_1").data
    assert curve["loss"] == [pytest.approx(tinynet.Network(**tinynet.ARTICLE).loss(X, Y))]
    np.testing.assert_array_equal(curve["epoch"], [0])


def test_the_whole_page_passes_bokehs_checks():
    """The server skips Bokeh's document checks on each new session (app/cli.py); here they run
    on the whole page, every part and card built: no error, no warning (a column that would be
    empty on a new page, the lesson box's or the moments', is made when it has something in
    it)."""
    from bokeh.core.validation.check import check_integrity

    app = PlaygroundApp(loop=False)
    for part in app.lazy.values():
        part.open()
    for card in ("settings", "export"):
        app.blocks[card].collapsed = False
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    issues = check_integrity(doc.models)
    assert issues.error == []
    warned = [(w.name, doc.get_model_by_id(w.extra.split("'")[1]).css_classes)
              for w in issues.warning]
    assert warned == []


def test_the_parts_below_the_first_screen_wait_in_one_placeholder():
    app = PlaygroundApp(loop=False)
    below = app.below.__panel__()
    assert [type(m).__name__ for m in below.objects] == ["Button"]  # nothing else yet
    assert not app.below.built
    app.lazy["race"].open()  # a part of it wanted: the rest of the page comes with it
    assert app.below.built and below.visible
    assert app.blocks["race"] in list(below.objects[0].select(pn.Column))
    assert not app.lazy["tables"].built  # its neighbours stay placeholders until wanted
    focused = PlaygroundApp(loop=False)
    focused.show(["fit", "loss"])  # a teacher's link without the lower parts
    assert not focused.below.__panel__().visible and not focused.below.built
    focused.show(None)
    assert focused.below.__panel__().visible


def test_slots_put_their_parts_in_order_whichever_is_made_first():
    top, bottom = pn.pane.HTML("top"), pn.pane.HTML("bottom")
    layout = pn.Column(top, bottom)
    first = Slot(layout, after=top)
    second = Slot(layout, after=first)
    third = Slot(layout, after=second)
    c = third.fill(pn.pane.HTML("c"))
    a = first.fill(pn.pane.HTML("a"))
    b = second.fill(pn.pane.HTML("b"))
    assert layout.objects == [top, a, b, c, bottom]
    assert Slot(layout).fill(start := pn.pane.HTML("s")) is start and layout[0] is start


def test_say_makes_its_pane_at_the_first_text_and_hides_it_for_none():
    layout = pn.Column()
    slot = Slot(layout)
    say(slot, "", lambda: pn.pane.Alert())
    assert slot.part is None and len(layout) == 0 and not slot.shown
    say(slot, "careful", lambda: pn.pane.Alert())
    assert slot.shown and slot.part.object == "careful" and list(layout) == [slot.part]
    say(slot, "", lambda: pn.pane.Alert())
    assert not slot.shown and list(layout) == [slot.part]


LATE = ("tn-stopped", "tn-message", "tn-undo", "tn-notice", "tn-run-link", "tn-film",
        "tn-moments", "tn-lesson-box", "tn-challenge")


def test_a_new_page_makes_no_message_or_control_it_has_not_needed_and_each_comes_in_place():
    app = PlaygroundApp(loop=False)
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    classes = {c for m in doc.models for c in getattr(m, "css_classes", None) or ()}
    assert classes.isdisjoint(LATE), classes & set(LATE)
    s = app.state
    s.stop_epoch = 5
    s.training = True
    tick(s, 10)  # stops at 5: the message, and the film's controls for the run
    assert app.controls.shown("stopped") and app.timeline.film.slot.part is not None
    s.param.update(stop_epoch=0, learning_rate=10, training=True)
    while s.training:
        tick(s, 20)  # diverges: the alert
    assert app.controls.shown("alert")
    app.controls.notice = "a link said something"
    controls = app.controls.__panel__().objects
    order = [next(c for c in o.css_classes if c in LATE) for o in controls if
             set(o.css_classes) & set(LATE)]
    assert order == ["tn-stopped", "tn-message", "tn-undo", "tn-notice"], order  # (Undo made: a
    # change offered it)
    timeline = app.timeline.__panel__().objects
    assert timeline[0] is app.timeline._slider and "tn-film" in timeline[1].css_classes
