"""The README's two commands are the ones CI and users run; the guide's figures are the app's."""
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    assert commands[:2] == ['pip install . && tinynet-playground',
                            'pip install ".[test]" && python -m pytest']
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == commands[1]


def test_the_user_guide_states_the_learning_rates_bounds_the_app_uses():
    from app.settings import LEARNING_RATE_BOUNDS

    lo, hi = LEARNING_RATE_BOUNDS
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    assert f"learning rate\n  (log scale, {lo:g}–{hi:g})" in guide
