"""The Python channel of the bad-input campaign (python/tests/bad_inputs.txt): parsing, running a
case (in this process, or in a fresh interpreter for a build that may crash or hang) and the
verdict. Used by test_bad_inputs.py (make test) and scripts/bad_inputs.py --python."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).resolve().with_name("bad_inputs.txt")
PROMISED, VAGUE, WRONG, NEWER = "behaves as promised", "vague message", "wrong behaviour", "n/a (feature added later)"


@dataclass
class Case:
    line: int
    channel: str
    code: str
    exception: str
    expect: str

    @property
    def isolated(self) -> bool:
        return self.channel.endswith("!")

    @property
    def newer(self) -> bool:
        return self.channel.startswith("+")

    @property
    def name(self) -> str:
        return self.channel.strip("+!")


def parse(path: Path = CASES) -> tuple[str, list[Case]]:
    prelude, cases = [], []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        kind, rest = raw.split("|", 1)
        kind = kind.strip()
        if kind == "prelude":
            prelude.append(rest[1:] if rest.startswith(" ") else rest)
        elif kind == "case":
            channel, rest = rest.split("|", 1)
            code, exception, expect = rest.rsplit("|", 2)
            cases.append(Case(n, channel.strip(), code.strip(), exception.strip(), expect.strip()))
        else:
            raise ValueError(f"{path}:{n}: unknown line kind {kind!r}")
    return "\n".join(prelude) + "\n", cases


def namespace(prelude: str, tmp: str) -> dict:
    import numpy as np

    import semra

    ns = {"semra": semra, "np": np, "os": os, "TMP": tmp}
    exec(prelude, ns)
    return ns


def outcome_of(code: str, ns: dict) -> dict:
    """{"type": exception class name or None, "message": str(exception)} of running code."""
    try:
        exec(code, ns)
    except BaseException as e:  # noqa: BLE001 - the campaign classifies every outcome
        return {"type": type(e).__name__, "message": str(e)}
    return {"type": None, "message": ""}


_CHILD = textwrap.dedent(
    """
    import json, sys, warnings
    sys.path.insert(0, {tests!r})
    import bad_inputs_cases as b
    prelude, cases = b.parse()
    case = [c for c in cases if c.line == {line}][0]
    ns = b.namespace(prelude, {tmp!r})
    out = b.outcome_of(case.code, ns)
    sys.stdout.write("\\n@@" + json.dumps(out) + "\\n")
    sys.stdout.flush()
    """
)


def outcome_in_subprocess(case: Case, tmp: str, pythonpath: str, timeout: float = 60) -> dict:
    """The outcome in a fresh interpreter: a crash ("signal N") or hang ("timeout") is an outcome."""
    env = dict(os.environ, PYTHONPATH=pythonpath)
    code = _CHILD.format(tests=str(CASES.parent), line=case.line, tmp=tmp)
    p = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        raw, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return {"type": "timeout", "message": f"still running after {timeout:.0f} s (killed)"}
    text = raw.decode("utf-8", "replace")
    if p.returncode < 0:
        return {"type": f"signal {-p.returncode}", "message": f"crashed ({signal.Signals(-p.returncode).name})"}
    for ln in reversed(text.splitlines()):
        if ln.startswith("@@"):
            return json.loads(ln[2:])
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return {"type": f"exit {p.returncode}", "message": first}


def verdict(case: Case, out: dict, build_is_old: bool = False) -> str:
    if build_is_old and case.newer:
        return NEWER
    t, msg = out["type"], out["message"]
    one_line = "\n" not in msg.strip()
    if t == case.exception and case.expect in msg and one_line:
        return PROMISED
    if t in ("ValueError", "TypeError", "RuntimeError") and t == case.exception:
        return VAGUE
    return WRONG


def shown(out: dict, tmp: str) -> str:
    if out["type"] is None:
        return "no exception"
    first = out["message"].strip().splitlines()[0] if out["message"].strip() else ""
    lines = len(out["message"].strip().splitlines())
    extra = f" (+{lines - 1} more lines)" if lines > 1 else ""
    return f"{out['type']}: {first}"[:110].replace(tmp, "TMP") + extra


def scratch() -> str:
    return tempfile.mkdtemp(prefix="semra-bad-py-")
