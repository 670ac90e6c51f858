"""Every code block of README.md's "From Python" section and of docs/python.md runs as written:
the Python blocks in order (one namespace per file, in a scratch directory), the shell blocks with
build/python as the package and build/semra as the CLI. The few shell blocks that cannot run in
`make test` are listed below with the reason; the test fails if one of them is no longer in the
docs (the list cannot hide a block that changed) or if a new block is neither run nor listed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import semra

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(semra.__file__).resolve().parents[1]  # build/python (or the installed package)

# First line of a shell block -> why it does not run in make test.
NOT_RUN = {
    "/usr/bin/python3 -m venv --system-site-packages ~/venvs/semra   # sees Debian's numpy (and torch)":
        "creates a venv and builds the C++ module with pip (minutes); checked by hand, see the text",
    "cmake -S . -B build-py -DPython3_EXECUTABLE=/path/to/python":
        "needs another interpreter; the path is a placeholder",
    "build/bench/bench_vector_env --benchmark_repetitions=5 --benchmark_report_aggregates_only=true":
        "a benchmark (minutes; timings are not tests)",
    "PYTHONPATH=build/python /usr/bin/python3 examples/python/ippo_torch.py --seeds 3 --compare":
        "trains for minutes per seed; test_examples.py runs a short version",
    "PYTHONPATH=build/python /usr/bin/python3 examples/python/vdn_torch.py --seeds 1 2 3":
        "trains for minutes per seed; test_examples.py runs a short version",
    "PYTHONPATH=build/python:$PETTINGZOO:$GYMNASIUM /usr/bin/python3 -m pytest python/tests":
        "needs the PettingZoo and Gymnasium sources (not Debian packages)",
}


def blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


SOURCES = {
    "README.md#From Python": section((ROOT / "README.md").read_text(encoding="utf-8"), "From Python"),
    "docs/python.md": (ROOT / "docs" / "python.md").read_text(encoding="utf-8"),
}


def test_every_listed_block_is_still_in_the_docs():
    firsts = {code.splitlines()[0] for text in SOURCES.values() for _, code in blocks(text) if code.strip()}
    for first in NOT_RUN:
        assert first in firsts, f"NOT_RUN lists a block that is not in the docs: {first}"


@pytest.mark.parametrize("source", list(SOURCES))
def test_code_blocks_run(source, tmp_path, cli, monkeypatch):
    found = blocks(SOURCES[source])
    assert found, f"{source}: no code blocks"
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__docs__"}
    env = dict(os.environ, PYTHONPATH=str(PACKAGE))
    for lang, code in found:
        if lang == "python":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(code, f"{source} block", "exec"), ns)
        elif lang in ("sh", "bash"):
            first = code.splitlines()[0]
            if first in NOT_RUN:
                continue
            script = (code.replace("PYTHONPATH=build/python", f"PYTHONPATH={PACKAGE}")
                      .replace("/usr/bin/python3", sys.executable)
                      .replace("build/semra", str(cli)))
            p = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120)
            assert p.returncode == 0, f"{source}: shell block failed:\n{code}\n{p.stdout}{p.stderr}"
        else:
            pytest.fail(f"{source}: a ```{lang} block is neither run nor listed in NOT_RUN")
