"""Texts that state facts about the network are true for the data, width and activation shown."""
import re

import pytest

import tinynet
from app.main import PlaygroundApp


def page_text(app) -> str:
    """What the explanations, the header and the loss plot's floor line say now."""
    line, label = app.loss_plot._floor
    floor = label.text if line.visible else ""
    return " ".join([app.why._text.object, app.landscape_note._text.object,
                     app.header._html.object, floor])


def test_with_the_step_data_one_neuron_claims_no_floor_once_below_it():
    app = PlaygroundApp(loop=False)
    s = app.state
    s.preset = "step"
    s.learning_rate = 1.0
    s.training = True
    for _ in range(40):
        if s.loss() < tinynet.ONE_NEURON_FLOOR:
            break
        assert not s.advance(500).diverged
    s.training = False
    assert s.loss() < tinynet.ONE_NEURON_FLOOR
    text = page_text(app)
    assert "1/12" not in text and "stuck" not in text and "best one neuron" not in text
    assert "One neuron is enough here" in text
    assert "6 points: x = 1, 2, 3, 4, 5, 6" in text


@pytest.mark.parametrize("activation, name", [("tanh", "tanh"), ("relu", "ReLU")])
def test_the_texts_name_the_activation_in_use(activation, name):
    app = PlaygroundApp(loop=False)
    app.state.activation = activation
    text = page_text(app)
    assert "sigmoid" not in text and "σ" not in text
    assert f"{name}(w₁x + b₁)" in text and f"hidden layer of {name} neurons" in text


def test_the_articles_floor_is_shown_and_explained_for_one_neuron():
    app = PlaygroundApp(loop=False)
    text = page_text(app)
    assert "Why one neuron gets stuck at 1/12" in text
    assert "1/12: the best one neuron can do" in text
    assert "never dips below 1/12" in text
    app.state.hidden = 2
    text = page_text(app)
    assert "How two neurons make a bump" in text and "best one neuron" not in text


def test_other_data_with_a_floor_give_its_value():
    app = PlaygroundApp(loop=False)
    app.state.preset = "sine"
    floor = tinynet.monotonic_floor(*tinynet.preset("sine"))
    shown = re.search(r"stuck at ([0-9]+\.[0-9]+)", page_text(app)).group(1)
    assert float(shown) == pytest.approx(floor, abs=5e-5)
    assert app.loss_plot._floor[0].location == pytest.approx(floor)
    assert "12 points" in page_text(app)


def test_the_diagram_caption_and_the_text_name_the_colours_drawn():
    """Both say blue for a positive weight and dashed red-orange for a negative one, the
    colours the diagram draws (Okabe & Ito's blue and vermillion)."""
    import colorsys

    from app.views.base import NEGATIVE, POSITIVE
    from app.views.explain import GRADIENTS

    def hue(color):
        rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        return 360 * colorsys.rgb_to_hls(*rgb)[0]

    assert 10 <= hue(NEGATIVE) <= 30 and 190 <= hue(POSITIVE) <= 230  # red-orange, blue
    app = PlaygroundApp(loop=False)
    caption = app.diagram._figure.title.text
    text = " ".join(GRADIENTS.split())
    assert "solid blue edge = positive weight, dashed red-orange = negative" in caption
    assert "blue edges are positive weights, dashed red-orange ones negative" in text
    assert "orange" not in caption.replace("red-orange", "")
    assert " red " not in text.replace("red tick", "")
