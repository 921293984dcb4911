"""Issue 5 in a real browser: drag a data point, pick settings, load the learner's CSV."""
import pytest

import tinynet

pytestmark = pytest.mark.browser

# Where a data point of the named source is on the page, in CSS pixels: find the plot that
# draws the source, and map data coordinates through its frame's scales.
POINT_ON_PAGE_JS = """
([name, x, y]) => {
  const doc = Bokeh.documents[0];
  const source = doc.get_model_by_name(name);
  for (const view of Bokeh.index.all_views ? Bokeh.index.all_views() : []) {
    const r = view.model.renderers;
    if (view.frame == null || r == null) continue;
    if (!r.some((g) => g.data_source === source)) continue;
    const box = view.canvas_view.el.getBoundingClientRect();
    return [box.left + view.frame.x_scale.compute(x), box.top + view.frame.y_scale.compute(y)];
  }
  return null;
}
"""


def test_dragging_a_point_refits_to_the_new_data(playground):
    page = playground.open("/")
    start = playground.page.evaluate(POINT_ON_PAGE_JS, ["fit_data", 4.0, 0.0])
    assert start is not None, "could not find the fit plot's data points on the page"
    target = playground.page.evaluate(POINT_ON_PAGE_JS, ["fit_data", 4.0, 0.8])
    page.mouse.move(*start)
    page.mouse.down()
    for k in range(1, 9):  # a person's drag: several small moves
        page.mouse.move(start[0], start[1] + (target[1] - start[1]) * k / 8)
    page.mouse.up()
    playground.wait(lambda: (playground.source("fit_points") or {}).get("y", [0])[-1] > 0.5,
                    what="the dragged point to reach the server")
    data = playground.source("fit_points")
    x, y = data["x"], data["y"]
    assert x[:3] == [1.0, 2.0, 3.0] and abs(x[3] - 4.0) < 0.05 and 0.7 < y[3] < 0.9
    expected = tinynet.Network([0.5], [-0.1], [0.3], 0.2).loss(x, y)
    playground.wait(lambda: abs(playground.loss() - expected) < 5e-7,
                    what="the loss for the new data")
    curve = playground.source("fit_curve")
    assert curve["y"][0] == pytest.approx(
        tinynet.Network([0.5], [-0.1], [0.3], 0.2).predict([curve["x"][0]])[0])


def test_settings_from_a_link_train_like_tinynet(playground):
    playground.open("/?opt=momentum&momentum=0.8&lr=0.1&act=tanh&data=line")
    playground.click(".tn-step")
    playground.wait(lambda: playground.epoch() == 1, what="one step")
    x, y = tinynet.preset("line")
    net = tinynet.Network([0.5], [-0.1], [0.3], 0.2, activation="tanh")
    tinynet.Trainer(net, x, y, tinynet.Momentum(0.1, beta=0.8)).run(1)
    playground.wait(lambda: abs(playground.loss() - net.loss(x, y)) < 5e-7, what="the loss")
    assert "opt=momentum" in playground.page.url and "act=tanh" in playground.page.url


def test_a_bad_csv_is_refused_where_the_learner_looks(playground, tmp_path):
    page = playground.open("/")
    page.locator(".tn-settings-card").first.click()  # open the card
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,0\n2,banana\n")
    page.locator(".tn-upload input[type=file]").set_input_files(str(bad))
    playground.wait(lambda: "not loaded" in playground.text(".tn-message"), what="the refusal")
    assert "banana" in playground.text(".tn-message")
    good = tmp_path / "good.csv"
    good.write_text("x,y\n0,0\n1,1\n2,0\n")
    page.locator(".tn-upload input[type=file]").set_input_files(str(good))
    playground.wait(lambda: (playground.source("fit_points") or {}).get("x") == [0.0, 1.0, 2.0],
                    what="the uploaded data on the plot")
    expected = tinynet.Network([0.5], [-0.1], [0.3], 0.2).loss([0, 1, 2], [0, 1, 0])
    playground.wait(lambda: abs(playground.loss() - expected) < 5e-7, what="the loss")
