"""PyTorch for the reference tests (tests/test_tinynet_torch.py), CPU only.

The test extra pins ``TORCH`` (``pip install ".[test]"`` installs it; where PyTorch's CPU wheel
is the one on offer, as here from /opt/wheels, that is the one taken). A checkout whose
environment predates the pin gets it here on first use, from PyTorch's CPU index (a plain
``pip install torch`` pulls gigabytes of CUDA libraries); a test that needs it fails, never
skips, if it cannot be had.
"""
import importlib
import subprocess
import sys

TORCH = "torch==2.13.0"  # as in pyproject.toml's test extra (tests/test_tinynet_torch.py checks)
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def import_torch():
    """The torch module, installing the pinned CPU wheel first if it is missing.

    Raises RuntimeError with pip's last lines if it cannot be installed.
    """
    try:
        return importlib.import_module("torch")
    except ImportError:
        pass
    cmd = [sys.executable, "-m", "pip", "install", TORCH, "--extra-index-url", CPU_INDEX]
    print(f"[tools.torch_cpu] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise RuntimeError(f"cannot install PyTorch's CPU wheel: {tail}")
    importlib.invalidate_caches()
    return importlib.import_module("torch")
