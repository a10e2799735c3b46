"""The tools that keep us honest, run as part of the suite: ruff, mypy, import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed in the project environment (uv sync --dev)")
    return path


def test_ruff_lint_is_clean():
    result = _run(_tool("ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run(_tool("ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check_on_core_drivers_and_strategies():
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_contracts_hold():
    result = _run(_tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
