#!/usr/bin/python3
"""Held-out replay of the hostile-input campaign's cases (docs/bad-inputs.md, "Held-out replay").

Every case the campaign reported as wrong or weak is replayed here as the campaign stated it,
against a built `semra` and the built Python package, independently of scripts/bad_inputs.py and
tests/cli/bad_inputs*.txt. Each case prints one verdict line (fixed / STILL WRONG) with a reason;
the script exits 1 if any case is still wrong.

    /usr/bin/python3 scripts/replay_hostile.py [--semra build/semra] [--pythonpath build/python]
                                                [--only SUBSTRING] [--keep] [--preload LIBS]

The Python cases under AddressSanitizer + UndefinedBehaviorSanitizer (after make check's build):

    /usr/bin/python3 scripts/replay_hostile.py --only 2. --semra build-check/semra \
        --pythonpath build-check/python --preload "$(c++ -print-file-name=libasan.so) \
        $(c++ -print-file-name=libubsan.so)"

Argument vectors only (no shell), one scratch directory, a PWNED marker file for the injection
cases (a case fails if any file named PWNED appears anywhere under the scratch directory), address-
space limits (resource.setrlimit in the child) for the memory and thread cases, timeouts for hangs.
The full-disk cases mount small tmpfs file systems (needs root; otherwise they are reported as
skipped, naming the tests that cover them).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GB = 1 << 30

# ---------------------------------------------------------------------------------------------
# running things


class Res:
    def __init__(self, rc, out, err, secs, timed_out=False):
        self.rc, self.out, self.err, self.secs, self.timed_out = rc, out, err, secs, timed_out

    def what(self) -> str:
        if self.timed_out:
            return f"hung (killed after {self.secs:.0f} s)"
        if self.rc is not None and self.rc < 0:
            return f"killed by signal {-self.rc} ({signal.Signals(-self.rc).name})"
        line = (self.err.strip().splitlines() or [""])[-1]
        return f"exit {self.rc}: {short(line)}"


def short(s: str, n: int = 160) -> str:
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[: n - 30] + f"...({len(s)} chars)"


def limiter(as_bytes=None, stack_bytes=None):
    def f():
        os.setsid()
        if as_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
        if stack_bytes:  # glibc gives each new thread a stack of RLIMIT_STACK
            resource.setrlimit(resource.RLIMIT_STACK, (stack_bytes, stack_bytes))
    return f


def run(argv, cwd, timeout=120, env=None, as_bytes=4 * GB, stdin=subprocess.DEVNULL,
        stack_bytes=None) -> Res:
    t0 = time.monotonic()
    p = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=stdin,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=limiter(as_bytes, stack_bytes))
    try:
        out, err = p.communicate(timeout=timeout)
        return Res(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return Res(None, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - t0, True)


def run_signalled(argv, cwd, sig, after_s, env=None, as_bytes=4 * GB, wait_s=10, ready=None):
    """Starts argv, sends `sig` after `after_s` seconds (or once ready() is true), and measures how
    long the process takes to end after the signal. Returns (Res, seconds after the signal, rc
    before the signal or None)."""
    p = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=limiter(as_bytes))
    t0 = time.monotonic()
    while time.monotonic() - t0 < after_s or (ready is not None and not ready()):
        if p.poll() is not None:
            out, err = p.communicate()
            return Res(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                       time.monotonic() - t0), None, p.returncode
        if time.monotonic() - t0 > 120:
            break
        time.sleep(0.02)
    p.send_signal(sig)
    ts = time.monotonic()
    try:
        out, err = p.communicate(timeout=wait_s)
        return Res(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - t0), time.monotonic() - ts, None
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return Res(None, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - t0, True), time.monotonic() - ts, None


PY_PRELUDE = """
import sys, json, threading, warnings
import numpy as np
import semra
warnings.simplefilter("ignore")
def result(kind, msg=""):
    print("RESULT\\t" + json.dumps([kind, str(msg)]), flush=True)
def expect(fn):
    try:
        fn()
        result("ok")
    except Exception as e:
        result(type(e).__name__, e)
"""


def py(ctx, body: str, timeout=120, as_bytes=4 * GB, env_extra=None, stack_bytes=None) -> tuple[Res, list]:
    """Runs `body` in Debian's interpreter with the built package; returns the process result and
    the [kind, message] pairs it printed with result()."""
    env = dict(os.environ, PYTHONPATH=str(ctx.pythonpath), SEMRA_CLI=str(ctx.semra))
    env.update(env_extra or {})
    if ctx.preload:  # AddressSanitizer maps terabytes of shadow memory: no address-space limit
        env.update(LD_PRELOAD=ctx.preload, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1", SEMRA_SANITIZED="1")
        as_bytes = None
    code = PY_PRELUDE + textwrap.dedent(body)
    r = run([ctx.python, "-c", code], ctx.scratch, timeout=timeout, env=env, as_bytes=as_bytes,
            stack_bytes=stack_bytes)
    results = [json.loads(line.split("\t", 1)[1]) for line in r.out.splitlines()
               if line.startswith("RESULT\t")]
    return r, results


def one_line_error(kinds, results, r, allowed=("ValueError", "TypeError", "RuntimeError")):
    """Every result is an exception of an allowed type with a one-line message and no pybind11
    signature dump; the interpreter itself exited normally."""
    if r.timed_out or r.rc is None or r.rc < 0 or r.rc not in (0,):
        return False, f"the interpreter {r.what()}"
    if len(results) != kinds:
        return False, f"{len(results)} of {kinds} calls reported (stderr: {short(r.err)})"
    for kind, msg in results:
        if kind not in allowed:
            return False, f"{kind}: {short(msg)}"
        if "\n" in msg or "Invoked with" in msg or "incompatible function arguments" in msg:
            return False, f"{kind} is not one clear line: {short(msg)}"
    return True, "; ".join(f"{k}: {short(m, 90)}" for k, m in results)


# ---------------------------------------------------------------------------------------------
# checking files


def png_complete(p: Path) -> bool:
    b = p.read_bytes()
    if not b.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    i = 8
    while i + 12 <= len(b):
        n, kind = struct.unpack(">I4s", b[i : i + 8])
        if i + 12 + n > len(b):
            return False
        if zlib.crc32(b[i + 4 : i + 8 + n]) != struct.unpack(">I", b[i + 8 + n : i + 12 + n])[0]:
            return False
        i += 12 + n
        if kind == b"IEND":
            return i == len(b)
    return False


def mat_complete(p: Path) -> bool:
    """A MAT 5 file: the 128-byte header, then data elements that end exactly at the end of the
    file; each compressed element inflates without error."""
    b = p.read_bytes()
    if len(b) < 128 or b[126:128] not in (b"IM", b"MI"):
        return False
    i = 128
    while i < len(b):
        if i + 8 > len(b):
            return False
        typ, n = struct.unpack("<II", b[i : i + 8])
        if typ >> 16:  # small data element: everything in the 8-byte tag
            i += 8
            continue
        data = b[i + 8 : i + 8 + n]
        if len(data) != n:
            return False
        if typ == 15:
            try:
                zlib.decompress(data)
            except zlib.error:
                return False
            i += 8 + n
        else:
            i += 8 + n + (-n % 8)
    return i == len(b)


def figure_complete(p: Path) -> bool:
    if p.suffix == ".png":
        return png_complete(p)
    b = p.read_bytes()
    if p.suffix == ".pdf":
        return b.startswith(b"%PDF") and b.rstrip().endswith(b"%%EOF")
    if p.suffix == ".svg":
        return b.rstrip().endswith(b"</svg>")
    return False


def pwned(ctx) -> list[str]:
    return [str(p.relative_to(ctx.scratch)) for p in ctx.scratch.rglob("PWNED")]


def snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and p.name != ".lock"}


# ---------------------------------------------------------------------------------------------
# MessagePack, enough to rewrite an experiment record (docs/outputs.md: a MessagePack map that ends
# with "checksum", FNV-1a 64 of every byte before its value)


class F32(float):
    pass


def mp_decode(b: bytes, i: int = 0):
    t = b[i]
    if t <= 0x7F:
        return t, i + 1
    if 0x80 <= t <= 0x8F or t in (0xDE, 0xDF):
        n, i = (t & 0x0F, i + 1) if t <= 0x8F else (
            (struct.unpack(">H", b[i + 1 : i + 3])[0], i + 3) if t == 0xDE
            else (struct.unpack(">I", b[i + 1 : i + 5])[0], i + 5))
        m = {}
        for _ in range(n):
            k, i = mp_decode(b, i)
            m[k], i = mp_decode(b, i)
        return m, i
    if 0x90 <= t <= 0x9F or t in (0xDC, 0xDD):
        n, i = (t & 0x0F, i + 1) if t <= 0x9F else (
            (struct.unpack(">H", b[i + 1 : i + 3])[0], i + 3) if t == 0xDC
            else (struct.unpack(">I", b[i + 1 : i + 5])[0], i + 5))
        a = []
        for _ in range(n):
            v, i = mp_decode(b, i)
            a.append(v)
        return a, i
    if 0xA0 <= t <= 0xBF or t in (0xD9, 0xDA, 0xDB):
        n, i = (t & 0x1F, i + 1) if t <= 0xBF else {
            0xD9: (b[i + 1], i + 2), 0xDA: (struct.unpack(">H", b[i + 1 : i + 3])[0], i + 3),
            0xDB: (struct.unpack(">I", b[i + 1 : i + 5])[0], i + 5)}[t]
        return b[i : i + n].decode(), i + n
    if t >= 0xE0:
        return t - 256, i + 1
    fmt = {0xCA: ">f", 0xCB: ">d", 0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b",
           0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
    if t in fmt:
        n = struct.calcsize(fmt[t])
        v = struct.unpack(fmt[t], b[i + 1 : i + 1 + n])[0]
        return (F32(v) if t == 0xCA else v), i + 1 + n
    if t in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[t], i + 1
    raise ValueError(f"msgpack type 0x{t:02x}")


def mp_encode(v) -> bytes:
    if isinstance(v, bool) or v is None:
        return {None: b"\xc0", False: b"\xc2", True: b"\xc3"}[v]
    if isinstance(v, int):
        if 0 <= v <= 0x7F:
            return bytes([v])
        if v >= 0:
            return b"\xcf" + struct.pack(">Q", v)
        if v >= -32:
            return struct.pack(">b", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, F32):
        return b"\xca" + struct.pack(">f", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        e = v.encode()
        return (bytes([0xA0 | len(e)]) if len(e) < 32 else b"\xdb" + struct.pack(">I", len(e))) + e
    if isinstance(v, list):
        return b"\xdd" + struct.pack(">I", len(v)) + b"".join(mp_encode(x) for x in v)
    if isinstance(v, dict):
        return b"\xdf" + struct.pack(">I", len(v)) + b"".join(
            mp_encode(k) + mp_encode(x) for k, x in v.items())
    raise TypeError(type(v))


def fnv1a64(b: bytes) -> int:
    h = 0xCBF29CE484222325
    for c in b:
        h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def rewrite_record(path: Path, change) -> None:
    rec, end = mp_decode(path.read_bytes())
    assert end == len(path.read_bytes())
    rec.pop("checksum")
    change(rec)
    body = b"\xdf" + struct.pack(">I", len(rec) + 1) + b"".join(
        mp_encode(k) + mp_encode(v) for k, v in rec.items()) + mp_encode("checksum") + b"\xcf"
    path.write_bytes(body + struct.pack(">Q", fnv1a64(body)))


def tfrecord_steps(d: Path) -> list[int]:
    """Steps of every scalar event in the TensorBoard event files under d (TFRecord framing;
    Event.step is protobuf field 2, a varint)."""
    steps = []
    for f in sorted(d.rglob("events.out.tfevents.*")):
        b = f.read_bytes()
        i = 0
        while i + 12 <= len(b):
            (n,) = struct.unpack("<Q", b[i : i + 8])
            if i + 16 + n > len(b):
                break
            ev = b[i + 12 : i + 12 + n]
            j, step = 0, None
            while j < len(ev):
                key = ev[j]
                j += 1
                field, wt = key >> 3, key & 7
                if wt == 0:
                    v, shift = 0, 0
                    while True:
                        c = ev[j]
                        j += 1
                        v |= (c & 0x7F) << shift
                        shift += 7
                        if c < 0x80:
                            break
                    if field == 2:
                        step = v
                elif wt == 1:
                    j += 8
                elif wt == 5:
                    j += 4
                elif wt == 2:
                    ln, shift = 0, 0
                    while True:
                        c = ev[j]
                        j += 1
                        ln |= (c & 0x7F) << shift
                        shift += 7
                        if c < 0x80:
                            break
                    if field == 5:  # summary
                        steps.append(step if step is not None else 0)
                    j += ln
                else:
                    break
            i += 16 + n
    return steps


# ---------------------------------------------------------------------------------------------
# the cases

CASES = []


def case(cid, text):
    def deco(fn):
        CASES.append((cid, text, fn))
        return fn
    return deco


def sm(ctx, *args, **kw):
    return run([ctx.semra, *args], kw.pop("cwd", ctx.scratch), **kw)


def finished_run(ctx, name, *extra):
    """A finished two-seed dhdrl run (so it has a figure) under the scratch directory."""
    d = ctx.scratch / name
    if not d.exists():
        r = sm(ctx, "run", "dhdrl", "--scheme", "random", "--seeds", "2", "--steps", "300",
               "--set", "output.record_every_slots=20", "--quiet", "--out", d, *extra)
        if r.rc != 0:
            raise RuntimeError(f"fixture run {name} failed: {r.what()}")
    return d


def figure_verdict(r, fig: Path, what: str):
    """Exit 0 with a complete figure, or exit 2 with a message and no partial figure."""
    if r.timed_out or r.rc not in (0, 2):
        return False, r.what()
    if r.rc == 0:
        if not fig.exists():
            return False, f"exit 0 but no {fig.name} ({what})"
        if not figure_complete(fig):
            return False, f"exit 0 but {fig.name} is incomplete"
        return True, f"exit 0, complete {fig.name}"
    if fig.exists() and not figure_complete(fig):
        return False, f"exit 2 and a partial {fig.name}"
    return True, f"refused: {short(r.err.strip())}"


# -- class 1: strings reach a shell and gnuplot as code ---------------------------------------


@case("1.1", "semra run ... --out \"D'; touch X; echo '\" runs no command")
def c11(ctx):
    out = "D'; touch PWNED; echo '"
    r = sm(ctx, "run", "dhdrl", "--scheme", "random,greedy", "--steps", "200", "--quiet",
           "--out", out)
    if pwned(ctx):
        return False, f"PWNED created: {pwned(ctx)}"
    return figure_verdict(r, ctx.scratch / out / "figure.png", "the run's figure")


@case("1.2", "semra plot R --out 'P/$(touch X).png' runs no command")
def c12(ctx):
    R = finished_run(ctx, "R1")
    (ctx.scratch / "P").mkdir(exist_ok=True)
    out = "P/$(touch PWNED).png"
    r = sm(ctx, "plot", R, "--out", out)
    if pwned(ctx):
        return False, f"PWNED created: {pwned(ctx)}"
    return figure_verdict(r, ctx.scratch / out, "plot")


HOSTILE_GNUPLOT = [
    'a\nsystem "touch PWNED"',
    "a\nsystem 'touch PWNED'",
    'a"\nsystem "touch PWNED"\n"',
    "a'\nsystem 'touch PWNED'\n'",
    "a`touch PWNED`",
    'a"; system "touch PWNED"; "',
    "a'; system 'touch PWNED'; '",
    "a\\\nsystem \"touch PWNED\"",
    "a\\",
]


@case("1.3", "a --label with a newline and `system \"touch X\"` runs no gnuplot command")
def c13(ctx):
    R1, R2 = finished_run(ctx, "R1"), finished_run(ctx, "R2", "--seed", "5")
    seen = []
    for k, lab in enumerate(HOSTILE_GNUPLOT):
        out = ctx.scratch / f"lab{k}.png"
        r = sm(ctx, "plot", R1, R2, "--label", f"{lab},b", "--out", out)
        if pwned(ctx):
            return False, f"label {lab!r} created PWNED"
        ok, why = figure_verdict(r, out, "plot")
        if not ok:
            return False, f"label {lab!r}: {why}"
        seen.append(r.rc)
    return True, f"{len(HOSTILE_GNUPLOT)} hostile labels: exit codes {sorted(set(seen))}, no PWNED"


def sweep_file(ctx, name, names_value=None, plot=None, grid="[20, 46]", extra="",
               scheme='["random"]', seeds="1", grid_key="network.bs_power_dbm"):
    f = ctx.scratch / name
    text = f'scenario = "dhdrl"\nschemes = {scheme}\nseeds = {seeds}\n{extra}\n' \
           f'[set]\n"train.slots" = 200\n"output.record_every_slots" = 20\n' \
           f'[grid]\n"{grid_key}" = {grid}\n'
    if names_value is not None:
        text += f'[names]\n"{grid_key}" = {json.dumps(names_value)}\n'
    if plot is not None:
        text += "[plot]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in plot.items())
    f.write_text(text)
    return f


@case("1.4", "a sweep file's [names] value with a newline and `system \"touch X\"` runs nothing")
def c14(ctx):
    for k, v in enumerate(HOSTILE_GNUPLOT):
        f = sweep_file(ctx, f"names{k}.toml", names_value=v)
        out = ctx.scratch / f"S{k}"
        r = sm(ctx, "sweep", f, "--out", out, "--quiet")
        if pwned(ctx):
            return False, f"[names] {v!r} created PWNED"
        ok, why = figure_verdict(r, out / "figure.png", "sweep")
        if not ok:
            return False, f"[names] {v!r}: {why}"
    for k, v in enumerate(HOSTILE_GNUPLOT):  # the [plot] labels of the same file
        f = sweep_file(ctx, f"plotlab{k}.toml", plot={"x_label": v, "y_label": v})
        out = ctx.scratch / f"SL{k}"
        r = sm(ctx, "sweep", f, "--out", out, "--quiet")
        if pwned(ctx):
            return False, f"[plot] label {v!r} created PWNED"
        ok, why = figure_verdict(r, out / "figure.png", "sweep")
        if not ok:
            return False, f"[plot] label {v!r}: {why}"
    return True, f"{2 * len(HOSTILE_GNUPLOT)} hostile [names]/[plot] strings: no PWNED, figures complete or refused"


@case("1.5", "scheme names and config values of a crafted run directory run nothing in semra plot")
def c15(ctx):
    R = finished_run(ctx, "R1")
    for k, v in enumerate(HOSTILE_GNUPLOT):
        E = ctx.scratch / f"evil{k}"
        shutil.rmtree(E, ignore_errors=True)
        shutil.copytree(R, E)
        m = json.loads((E / "manifest.json").read_text())
        m["schemes"] = [v]
        m["command"] = v
        (E / "manifest.json").write_text(json.dumps(m))
        csv = (E / "metrics.csv").read_text().replace("random", json.dumps(v)[1:-1])
        (E / "metrics.csv").write_text(csv)
        out = ctx.scratch / f"evil{k}.png"
        r = sm(ctx, "plot", E, R, "--out", out)
        if pwned(ctx):
            return False, f"scheme name {v!r} created PWNED"
        if r.timed_out or r.rc not in (0, 2):
            return False, f"scheme name {v!r}: {r.what()}"
    return True, f"{len(HOSTILE_GNUPLOT)} crafted run directories: no PWNED, exit 0 or 2"


@case("1.6", "an apostrophe or newline in a name draws a figure (or is refused), never exit 0 without one")
def c16(ctx):
    R1, R2 = finished_run(ctx, "R1"), finished_run(ctx, "R2", "--seed", "5")
    out = ctx.scratch / "apos.png"
    r = sm(ctx, "plot", R1, R2, "--label", "it's,b", "--out", out)
    if r.rc != 0 or not out.exists() or not figure_complete(out):
        return False, f"apostrophe label: {r.what()}, figure {'complete' if out.exists() and figure_complete(out) else 'missing'}"
    out2 = ctx.scratch / "newl.png"
    r2 = sm(ctx, "plot", R1, R2, "--label", "two\nlines,b", "--out", out2)
    ok, why = figure_verdict(r2, out2, "plot")
    if not ok:
        return False, f"newline label: {why}"
    d = ctx.scratch / "it's a run"  # an apostrophe in a run's directory (it becomes a default label)
    r3 = sm(ctx, "run", "dhdrl", "--scheme", "random,greedy", "--steps", "200", "--quiet", "--out", d)
    ok3, why3 = figure_verdict(r3, d / "figure.png", "run")
    if not ok3 or r3.rc != 0:
        return False, f"apostrophe in --out: {why3}"
    return True, f"apostrophe: exit 0 + complete figure; newline: {why}"


@case("1.7", "NaN data draws a figure or is refused, never exit 0 without one")
def c17(ctx):
    R1, R2 = finished_run(ctx, "R1"), finished_run(ctx, "R2", "--seed", "5")
    verdicts = []
    for name, rows in (("some", lambda i: i % 3 == 0), ("all", lambda i: True)):
        N = ctx.scratch / f"nan-{name}"
        shutil.rmtree(N, ignore_errors=True)
        shutil.copytree(R1, N)
        lines = (N / "metrics.csv").read_text().splitlines()
        head = lines[0].split(",")
        out_lines = [lines[0]]
        for i, line in enumerate(lines[1:]):
            cells = line.split(",")
            if rows(i):
                cells = [c if head[j] in ("scheme", "seed", "slot", "step", "iteration") else "nan"
                         for j, c in enumerate(cells)]
            out_lines.append(",".join(cells))
        (N / "metrics.csv").write_text("\n".join(out_lines) + "\n")
        out = ctx.scratch / f"nan-{name}.png"
        dirs = [N, R2] if name == "some" else [N]
        r = sm(ctx, "plot", *dirs, "--out", out)
        ok, why = figure_verdict(r, out, "plot")
        if not ok:
            return False, f"NaN in {name} rows: {why}"
        verdicts.append(f"{name} rows NaN: {why}")
    return True, "; ".join(short(v, 100) for v in verdicts)


@case("1.8", "a gnuplot failure is an error, never 'wrote' (plot and run)")
def c18(ctx):
    R1 = finished_run(ctx, "R1")
    fake = ctx.scratch / "fakebin"
    fake.mkdir(exist_ok=True)
    g = fake / "gnuplot"
    g.write_text("#!/bin/sh\necho 'gnuplot: simulated failure' >&2\nexit 1\n")
    g.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}")
    out = ctx.scratch / "failing.png"
    r = sm(ctx, "plot", R1, "--out", out, env=env)
    if r.rc == 0 or "wrote" in r.out or out.exists():
        return False, f"plot with a failing gnuplot: {r.what()}, stdout {short(r.out)}"
    d = ctx.scratch / "failing-run"
    r2 = sm(ctx, "run", "dhdrl", "--scheme", "random,greedy", "--steps", "200", "--quiet",
            "--out", d, env=env)
    if r2.rc == 0 or (d / "figure.png").exists():
        return False, f"run with a failing gnuplot: {r2.what()}"
    return True, f"plot {r.what()}; run {r2.what()}"


# -- class 2: the Python bindings --------------------------------------------------------------


@case("2.1", 'vector_env("dhdrl").step() before reset() raises, no segfault')
def c21(ctx):
    r, res = py(ctx, """
        e = semra.vector_env("dhdrl")
        expect(lambda: e.step(np.zeros((e.num_envs, len(e.possible_agents)), np.int64)))
        expect(lambda: e.step())
    """)
    return one_line_error(2, res, r)


@case("2.2", 'vector_env("vderl").state() before reset() raises, no heap corruption')
def c22(ctx):
    r, res = py(ctx, """
        e = semra.vector_env("vderl", num_envs=3)
        expect(lambda: e.state())
        e.reset(seed=1)
        s = e.state()
        result("ok" if s.shape[0] == 3 and np.isfinite(s).all() else "bad state", s.shape)
    """)
    ok, why = one_line_error(1, res[:1], r)
    if ok and (len(res) < 2 or res[1][0] != "ok"):
        return False, f"state after reset: {res[1:]}"
    return ok, why


@case("2.3", 'parallel_env("vderl").state() before reset() raises instead of returning garbage')
def c23(ctx):
    r, res = py(ctx, """
        e = semra.parallel_env("vderl")
        expect(lambda: e.state())
        expect(lambda: e.step({a: 0 for a in e.possible_agents}))
    """)
    return one_line_error(2, res, r)


@case("2.4", "several Python threads stepping one vector env: no deadlock, no segfault")
def c24(ctx):
    r, res = py(ctx, """
        for scen in ("vderl", "dhdrl"):
            e = semra.vector_env(scen, num_envs=4, threads=2, invalid_action="ignore")
            e.reset(seed=1)
            A = np.zeros((e.num_envs, len(e.possible_agents)), np.int64)
            counts = {"ok": 0, "busy": 0, "other": []}
            lock = threading.Lock()
            def worker():
                for _ in range(300):
                    try:
                        e.step(A)
                        k = "ok"
                    except RuntimeError as x:
                        k = "busy" if "another thread" in str(x) else None
                        if k is None:
                            with lock: counts["other"].append(str(x))
                            continue
                    except Exception as x:
                        with lock: counts["other"].append(type(x).__name__ + ": " + str(x))
                        continue
                    with lock: counts[k] += 1
            ts = [threading.Thread(target=worker) for _ in range(8)]
            [t.start() for t in ts]
            [t.join() for t in ts]
            result("ok" if not counts["other"] and counts["ok"] > 0 else "bad", f"{scen}: {counts['ok']} steps, {counts['busy']} refused, other: {counts['other'][:2]}")
        # the C++ object directly (the GIL released while it steps)
        e = semra.vector_env("vderl", num_envs=4, threads=2, invalid_action="ignore")
        e.reset(seed=1)
        core = e._core
        A = np.zeros((4, len(e.possible_agents)), np.int64)
        errs = []
        def raw():
            for _ in range(300):
                try:
                    core.step(A)
                except RuntimeError as x:
                    if "another" not in str(x) and "one caller" not in str(x):
                        errs.append(str(x))
        ts = [threading.Thread(target=raw) for _ in range(8)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        result("ok" if not errs else "bad", f"_core: other errors {errs[:2]}")
    """, timeout=300)
    if r.timed_out or r.rc != 0:
        return False, r.what()
    bad = [m for k, m in res if k != "ok"]
    if len(res) != 3 or bad:
        return False, f"{bad or res}"
    return True, "; ".join(m for _, m in res)


@case("2.5", "vector_env(num_envs=2000, threads=600) under a 4 GB address-space limit raises, no hang")
def c25(ctx):
    r, res = py(ctx, """
        expect(lambda: semra.vector_env("vderl", num_envs=2000, threads=600))
        expect(lambda: semra.vector_env("dhdrl", num_envs=2000, threads=600))
        # the C++ constructor directly, past the Python argument checks
        from semra import _core
        expect(lambda: _core.VectorEnv("vderl", "", [], 2000, 600, True))
    """, timeout=180, as_bytes=4 * GB)
    ok, why = one_line_error(3, res, r)
    if not ok or ctx.preload:  # the rest needs address-space limits, which ASan cannot run under
        return ok, why
    # threads within the CPUs, but no room left for a worker's stack: an address-space limit just
    # above what the interpreter uses once everything is loaded, so a worker really fails to start
    r2, res2 = py(ctx, """
        import resource
        semra.vector_env("vderl", num_envs=2, threads=1)
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + (4 << 20), resource.RLIM_INFINITY))
        expect(lambda: semra.vector_env("vderl", num_envs=2, threads=2))
    """, timeout=180, as_bytes=None, env_extra={"SEMRA_MEMORY_AVAILABLE_MB": "100000"})
    if r2.timed_out or r2.rc is None or r2.rc < 0:
        return False, f"worker start failure: the interpreter {r2.what()}"
    if not res2 or any(k not in ("ValueError", "RuntimeError", "MemoryError") for k, _ in res2):
        return False, f"worker start failure: {res2} {short(r2.err)}"
    r3 = run([ctx.semra, "run", "vderl", "--scheme", "random", "--seeds", "2", "--threads", "2",
              "--steps", "2", "--quiet", "--out", ctx.scratch / "stackrun"], ctx.scratch, timeout=180,
             as_bytes=4 * GB, stack_bytes=3 * GB // 2)
    if r3.timed_out or r3.rc not in (0, 2):
        return False, f"CLI with the same limits: {r3.what()}"
    return True, (why + " | no room for a worker's stack: " + "; ".join(f"{k}: {short(m, 80)}" for k, m in res2)
                  + f" | CLI, 1.5 GB thread stacks in 4 GB: {r3.what()}")


@case("2.6", "vector_env(num_envs=10**7) is refused from an estimate, not by running out of memory")
def c26(ctx):
    t0 = time.monotonic()
    r, res = py(ctx, """
        expect(lambda: semra.vector_env("vderl", num_envs=10**7))
        expect(lambda: semra.vector_env("dhdrl", num_envs=10**7))
    """, timeout=120, as_bytes=16 * GB)
    ok, why = one_line_error(2, res, r, allowed=("ValueError",))
    return ok, f"{why} ({time.monotonic() - t0:.1f} s)"


@case("2.7", "int64 actions of 2^32 + a are refused, never applied as action a")
def c27(ctx):
    r, res = py(ctx, """
        e = semra.vector_env("vderl", num_envs=2)
        e.reset(seed=1)
        A = np.full((2, len(e.possible_agents)), 2**32 + 1, np.int64)
        expect(lambda: e.step(A))
        expect(lambda: e.step(A.astype(np.uint64)))
        expect(lambda: e.step(np.full_like(A, 2**63 - 1)))
        expect(lambda: e.step(np.full_like(A, -(2**32) + 1)))
        p = semra.parallel_env("vderl")
        p.reset(seed=1)
        expect(lambda: p.step({a: 2**32 + 1 for a in p.possible_agents}))
        expect(lambda: p.step({a: np.int64(2**32 + 1) for a in p.possible_agents}))
    """)
    return one_line_error(6, res, r, allowed=("ValueError",))


@case("2.8", "parallel_env.step refuses 0.7, '0' and True (vector_env refuses floats)")
def c28(ctx):
    r, res = py(ctx, """
        p = semra.parallel_env("vderl")
        p.reset(seed=1)
        for v in (0.7, "0", True, np.float64(1.0), 1.0, None, [0]):
            expect(lambda: p.step({a: v for a in p.possible_agents}))
        e = semra.vector_env("vderl")
        e.reset(seed=1)
        shape = (1, len(e.possible_agents))
        expect(lambda: e.step(np.full(shape, 0.7)))
        expect(lambda: e.step(np.zeros(shape, bool)))
        expect(lambda: e.step(np.full(shape, "0")))
    """)
    return one_line_error(10, res, r, allowed=("ValueError", "TypeError"))


@case("2.9", "oversized Python ints give one clear line, no pybind11 signature dump")
def c29(ctx):
    big = "2**80"
    r, res = py(ctx, f"""
        p = semra.parallel_env("vderl")
        p.reset(seed=1)
        expect(lambda: p.step({{a: {big} for a in p.possible_agents}}))
        expect(lambda: p.reset(seed={big}))
        e = semra.vector_env("vderl")
        e.reset(seed=1)
        expect(lambda: e.step(np.full((1, len(e.possible_agents)), {big}, dtype=object)))
        expect(lambda: e.reset(seed={big}))
        expect(lambda: semra.vector_env("vderl", num_envs={big}))
        expect(lambda: semra.vector_env("vderl", threads={big}))
        expect(lambda: semra.parallel_env("vderl", max_cycles={big}))
        expect(lambda: semra.parallel_env("vderl", set={{"network.servers": {big}}}))
        expect(lambda: semra.run("dhdrl", schemes="random", steps={big}, out="big-run"))
        expect(lambda: semra.run("dhdrl", schemes="random", seed={big}, out="big-run"))
    """)
    return one_line_error(10, res, r)


@case("2.10", "close() closes: step, reset and state after close() raise")
def c210(ctx):
    r, res = py(ctx, """
        for make in (lambda: semra.vector_env("vderl", num_envs=2), lambda: semra.parallel_env("vderl")):
            e = make()
            e.reset(seed=1)
            e.close()
            if hasattr(e, "num_envs"):
                expect(lambda: e.step(np.zeros((2, len(e.possible_agents)), np.int64)))
            else:
                expect(lambda: e.step({a: 0 for a in e.possible_agents}))
            expect(lambda: e.reset(seed=1))
            expect(lambda: e.state())
            e.close()  # a second close is harmless
    """)
    return one_line_error(6, res, r, allowed=("RuntimeError",))


@case("2.11", "out-of-range actions are reported as out of range, not as 'masked'")
def c211(ctx):
    r, res = py(ctx, """
        e = semra.vector_env("vderl")
        e.reset(seed=1)
        shape = (1, len(e.possible_agents))
        expect(lambda: e.step(np.full(shape, 999, np.int64)))
        expect(lambda: e.step(np.full(shape, -1, np.int64)))
        p = semra.parallel_env("vderl")
        p.reset(seed=1)
        expect(lambda: p.step({a: 999 for a in p.possible_agents}))
        expect(lambda: p.step({a: -1 for a in p.possible_agents}))
    """)
    ok, why = one_line_error(4, res, r, allowed=("ValueError",))
    if ok:
        for _, m in res:
            if "mask" in m.lower() or "range" not in m:
                return False, f"message: {short(m)}"
    return ok, why


@case("2.12", "threads=1024 on this machine's CPUs is refused, not run 5-1000x slower")
def c212(ctx):
    r, res = py(ctx, """
        import os
        expect(lambda: semra.vector_env("vderl", num_envs=4, threads=1024))
        expect(lambda: semra.vector_env("vderl", num_envs=4, threads=len(os.sched_getaffinity(0)) + 1))
        e = semra.vector_env("vderl", num_envs=4, threads=0)
        result("ok" if 1 <= e.threads <= len(os.sched_getaffinity(0)) else "bad", f"threads=0 -> {e.threads}")
    """)
    ok, why = one_line_error(2, res[:2], r, allowed=("ValueError",))
    if ok and (len(res) < 3 or res[2][0] != "ok"):
        return False, f"threads=0: {res[2:]}"
    return ok, why


# -- class 3: writes by outside libraries (a nearly full disk) ---------------------------------


class Tmpfs:
    def __init__(self, ctx, name, size_k):
        self.dir = ctx.scratch / name
        self.dir.mkdir(exist_ok=True)
        self.size_k = size_k

    def __enter__(self):
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_k}k", "tmpfs",
                            str(self.dir)], capture_output=True)
        if r.returncode != 0:
            raise PermissionError(r.stderr.decode().strip())
        return self

    def __exit__(self, *exc):
        subprocess.run(["umount", str(self.dir)], capture_output=True)

    def leave_free(self, free_bytes):
        """Fills the file system, then frees about free_bytes."""
        for p in self.dir.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
        filler = self.dir / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - free_bytes))


TMPFS_TESTS = ("tests/cli/limits_cli_test.cpp and tests/core/io_test.cpp (tests/support/tmpfs.hpp: "
               "a small tmpfs, skipped without root)")


def disk_full_outputs(ctx, d: Path):
    """Every results.mat and figure that exists under d is complete; returns a problem or None."""
    for p in d.rglob("*"):
        if not p.is_file():
            continue
        if p.name == "results.mat" and not mat_complete(p):
            return f"incomplete {p.relative_to(ctx.scratch)} ({p.stat().st_size} bytes)"
        if p.suffix in (".png", ".pdf", ".svg") and not p.name.startswith(".") and not figure_complete(p):
            return f"incomplete {p.relative_to(ctx.scratch)} ({p.stat().st_size} bytes)"
    return None


@case("3.1", "semra plot on a nearly full disk: a complete PNG or an error, never 'wrote' and a 0-byte PNG")
def c31(ctx):
    R1, R2 = finished_run(ctx, "R1"), finished_run(ctx, "R2", "--seed", "5")
    try:
        with Tmpfs(ctx, "fs-plot", 2048) as fs:
            codes = {}
            for free in range(0, 160 * 1024, 8 * 1024):
                fs.leave_free(free)
                out = fs.dir / "p.png"
                r = sm(ctx, "plot", R1, R2, "--out", out)
                codes.setdefault(r.rc, []).append(free // 1024)
                if r.rc == 0:
                    if not out.exists() or not png_complete(out):
                        return False, f"{free} B free: exit 0 and {'no' if not out.exists() else 'an incomplete'} p.png"
                    continue
                if r.rc != 2 or "wrote" in r.out:
                    return False, f"{free} B free: {r.what()}, stdout {short(r.out)}"
                if out.exists() and not png_complete(out):
                    return False, f"{free} B free: exit 2 and a partial p.png ({out.stat().st_size} B)"
                if "--resume" in r.err:
                    return False, f"{free} B free: the message suggests --resume: {short(r.err)}"
                last_err = r.err.strip()
            if 2 not in codes or 0 not in codes:
                return False, f"the disk sizes tried did not reach both outcomes: {codes}"
            return True, (f"free kB -> exit: 2 at {codes[2][:3]}..{codes[2][-1]}, 0 from {codes[0][0]}; "
                          f"e.g. {short(last_err, 120)}")
    except PermissionError as e:
        return None, f"skipped (cannot mount tmpfs: {e}); covered by {TMPFS_TESTS}"


@case("3.2", "a run on a nearly full disk leaves no 0-byte results.mat and no truncated figure.png")
def c32(ctx):
    try:
        with Tmpfs(ctx, "fs-run", 4096) as fs:
            codes, msgs = {}, set()
            for free in list(range(0, 64 * 1024, 4 * 1024)) + list(range(64 * 1024, 400 * 1024, 12 * 1024)):
                fs.leave_free(free)
                d = fs.dir / "run"
                r = sm(ctx, "run", "dhdrl", "--scheme", "random,greedy", "--steps", "300", "--quiet",
                       "--set", "output.record_every_slots=1", "--out", d)
                codes.setdefault(r.rc, []).append(free // 1024)
                bad = disk_full_outputs(ctx, fs.dir)
                if bad:
                    return False, f"{free // 1024} kB free, {r.what()}: {bad}"
                if r.rc == 0:
                    missing = [n for n in ("results.mat", "figure.png", "metrics.csv") if not (d / n).exists()]
                    if missing:
                        return False, f"{free // 1024} kB free: exit 0 without {missing}"
                elif r.rc != 2:
                    return False, f"{free // 1024} kB free: {r.what()}"
                else:
                    line = r.err.strip().splitlines()[-1]
                    msgs.add(line)
                    if "No space left" not in line and "full disk" not in line:
                        return False, f"{free // 1024} kB free: the message gives no cause: {short(line)}"
            if 2 not in codes or 0 not in codes:
                return False, f"the disk sizes tried did not reach both outcomes: {codes}"
            return True, (f"{sum(map(len, codes.values()))} fill levels: exit 2 up to {codes[2][-1]} kB free, 0 from "
                          f"{codes[0][0]} kB; every results.mat/figure present complete; {len(msgs)} distinct "
                          f"messages naming the file and the cause (No space left on device / a full disk)")
    except PermissionError as e:
        return None, f"skipped (cannot mount tmpfs: {e}); covered by {TMPFS_TESTS}"


@case("3.3", "a full disk while saving models names the path and the cause, not just 'write failed'")
def c33(ctx):
    try:
        with Tmpfs(ctx, "fs-models", 8192) as fs:
            seen = []
            for free in range(0, 640 * 1024, 16 * 1024):
                fs.leave_free(free)
                d = fs.dir / "run"
                r = sm(ctx, "run", "dhdrl", "--scheme", "dhdrl", "--steps", "200", "--quiet",
                       "--save-models", "--out", d)
                if r.rc == 0:
                    break
                line = r.err.strip().splitlines()[-1] if r.err.strip() else ""
                if r.rc != 2:
                    return False, f"{free // 1024} kB free: {r.what()}"
                if "run/models" in line or ".semrann" in line:
                    seen.append(line)
                    if "No space left" not in line and "disk" not in line.lower():
                        return False, f"{free // 1024} kB free: no cause: {short(line)}"
                    if "--resume" in line and "removed" in line:
                        return False, f"contradictory: {short(line)}"
                bad = disk_full_outputs(ctx, fs.dir)
                if bad:
                    return False, bad
            if not seen:
                return False, "no fill level failed while the models were saved (sizes to revisit)"
            return True, f"{len(seen)} failures while saving models, e.g. {short(seen[0], 150)}"
    except PermissionError as e:
        return None, f"skipped (cannot mount tmpfs: {e}); covered by {TMPFS_TESTS}"


# -- class 4: reads without size caps, messages without length caps ----------------------------


def refused_fast(r, must_name, limit_s=10):
    if r.timed_out or r.rc != 2:
        return False, r.what()
    line = r.err.strip()
    if "--threads" in line or "thread" in line.lower():
        return False, f"blames threads: {short(line)}"
    if must_name not in line:
        return False, f"does not name {must_name}: {short(line)}"
    if r.secs > limit_s:
        return False, f"took {r.secs:.1f} s"
    return True, f"exit 2 in {r.secs:.2f} s: {short(line, 120)}"


@case("4.1", "/dev/zero as --config is refused at once (4 GB address-space limit)")
def c41(ctx):
    ok, why = refused_fast(sm(ctx, "run", "dhdrl", "--config", "/dev/zero", timeout=60), "/dev/zero")
    if not ok:
        return ok, why
    sparse = ctx.scratch / "sparse-20MB.toml"  # a regular file above the config cap
    with open(sparse, "wb") as f:
        f.truncate(20 << 20)
    ok2, why2 = refused_fast(sm(ctx, "run", "dhdrl", "--config", sparse, timeout=60), "sparse-20MB.toml")
    if not ok2:
        return ok2, "20 MB sparse config: " + why2
    r, res = py(ctx, f"""
        expect(lambda: semra.parallel_env("dhdrl", config="/dev/zero"))
        expect(lambda: semra.run("dhdrl", config="/dev/zero", out="zero-run"))
        expect(lambda: semra.parallel_env("dhdrl", config={str(sparse)!r}))
    """, timeout=60)
    ok3, why3 = one_line_error(3, res, r, allowed=("ValueError",))
    return ok3, f"{why} | 20 MB: {short(why2, 100)} | Python: {why3}"


@case("4.2", "/dev/zero as the accuracy CSV is refused at once")
def c42(ctx):
    return refused_fast(sm(ctx, "run", "dhdrl", "--set", "semantic.accuracy_csv=/dev/zero",
                           "--out", "acc", timeout=60), "/dev/zero")


@case("4.3", "/dev/zero as --scene-graphs (and semantic.scene_graphs) is refused at once")
def c43(ctx):
    ok, why = refused_fast(sm(ctx, "semantic", "--scene-graphs", "/dev/zero", timeout=60), "/dev/zero")
    if not ok:
        return ok, "semra semantic: " + why
    ok2, why2 = refused_fast(sm(ctx, "run", "vderl", "--set", "semantic.scene_graphs=/dev/zero",
                                "--out", "sg", timeout=60), "/dev/zero")
    return ok2, ("semantic: " + why + " | run: " + why2) if ok2 else "run vderl: " + why2


def fifo(ctx, name):
    p = ctx.scratch / name
    if not p.exists():
        os.mkfifo(p)
    return p


@case("4.4", "a FIFO --config with no writer does not ignore SIGTERM")
def c44(ctx):
    f = fifo(ctx, "cfg.fifo")
    r, after, early = run_signalled([ctx.semra, "run", "dhdrl", "--config", f, "--out", "fifo-run"],
                                    ctx.scratch, signal.SIGTERM, 1.0)
    if early is not None:
        return (early == 2), f"ended before the signal: {r.what()}"
    if r.timed_out or after > 1.5:
        return False, f"SIGTERM ignored: {r.what()} {after:.2f} s after the signal"
    return r.rc == 130, f"{r.what()} {after:.2f} s after SIGTERM"


@case("4.5", "error lines echo at most a capped part of 100 KB - 10 MB of input and say how long it was")
def c45(ctx):
    reports = []
    checks = []
    big = "7" * 100_000
    checks.append(("--set value 100 KB", sm(ctx, "run", "dhdrl", "--set", f"train.slots={big}")))
    checks.append(("--set key 100 KB", sm(ctx, "run", "dhdrl", "--set", f"{'k' * 100_000}=1")))
    checks.append(("--scheme 100 KB", sm(ctx, "run", "dhdrl", "--scheme", "s" * 100_000)))
    checks.append(("scenario 100 KB", sm(ctx, "run", "x" * 100_000)))
    cfg = ctx.scratch / "huge-value.toml"
    cfg.write_text('[train]\nslots = "' + "9" * 10_000_000 + '"\n')
    checks.append(("config value 10 MB", sm(ctx, "run", "dhdrl", "--config", cfg)))
    cfg2 = ctx.scratch / "huge-key.toml"
    cfg2.write_text("[train]\n" + "z" * 10_000_000 + " = 1\n")
    checks.append(("config key 10 MB", sm(ctx, "run", "dhdrl", "--config", cfg2)))
    sw = ctx.scratch / "huge-scheme.toml"
    sw.write_text(f'scenario = "dhdrl"\nschemes = ["{"q" * 5_000_000}"]\nseeds = 1\n[grid]\n"network.bs_power_dbm" = [20]\n')
    checks.append(("sweep scheme 5 MB", sm(ctx, "sweep", sw)))
    for what, r in checks:
        if r.rc != 2:
            return False, f"{what}: {r.what()}"
        if len(r.err) > 4500:
            return False, f"{what}: the message is {len(r.err)} bytes"
        if "bytes" not in r.err:
            return False, f"{what}: the message does not say how long the input was: {short(r.err)}"
        reports.append(len(r.err))
    r, res = py(ctx, """
        expect(lambda: semra.parallel_env("x" * 10**7))
        expect(lambda: semra.parallel_env("vderl", set={"network.servers": "9" * 10**7}))
        expect(lambda: semra.parallel_env("vderl", set={"k" * 10**7: 1}))
    """)
    ok, why = one_line_error(3, res, r, allowed=("ValueError",))
    if not ok:
        return False, "Python: " + why
    longest = max(len(m) for _, m in res)
    if longest > 4500:
        return False, f"Python message of {longest} bytes"
    return True, f"{len(checks)} CLI messages of {min(reports)}-{max(reports)} bytes, Python up to {longest}"


@case("4.6", "a NUL byte in a path is refused, never cut at the NUL (no prefix opened)")
def c46(ctx):
    cfg = ctx.scratch / "nul.toml"
    cfg.write_text("[train]\nslots = 100\n")
    acc = ctx.scratch / "acc.csv"
    acc.write_text("not,a,table\n")
    t = ctx.scratch / "nul-in-toml.toml"
    t.write_text(f'[semantic]\naccuracy_csv = "{acc}\\u0000.ignored"\n')
    r = sm(ctx, "run", "dhdrl", "--config", t, "--out", "nul-run")
    if r.rc != 2 or ("NUL" not in r.err and "\\x00" not in r.err):
        return False, f"TOML path with NUL: {r.what()}"
    sw = ctx.scratch / "nul-sweep.toml"
    sw.write_text(f'scenario = "dhdrl"\nschemes = ["random"]\nseeds = 1\n[set]\n"semantic.accuracy_csv" = "{acc}\\u0000x"\n[grid]\n"network.bs_power_dbm" = [20]\n')
    r2 = sm(ctx, "sweep", sw, "--out", "nul-sweep")
    if r2.rc != 2 or ("NUL" not in r2.err and "\\x00" not in r2.err):
        return False, f"sweep path with NUL: {r2.what()}"
    rp, res = py(ctx, f"""
        expect(lambda: semra.parallel_env("dhdrl", config={str(cfg) + chr(0) + 'junk'!r}))
        expect(lambda: semra.parallel_env("dhdrl", set={{"semantic.accuracy_csv": {str(acc) + chr(0) + 'x'!r}}}))
        expect(lambda: semra.run("dhdrl", schemes="random", steps=10, out="nul\\x00dir"))
        expect(lambda: semra.load_results({str(ctx.scratch / 'R1') + chr(0) + 'x'!r}))
        expect(lambda: semra.load_network("model\\x00.semrann"))
        expect(lambda: semra.parallel_env("dhdrl\\x00x"))
    """)
    ok, why = one_line_error(6, res, rp, allowed=("ValueError",))
    if not ok:
        return False, "Python: " + why
    for _, m in res:
        if "NUL" not in m and "\\x00" not in m:
            return False, f"Python message does not name the NUL byte: {short(m)}"
    if (ctx.scratch / "nul").exists():
        return False, "semra.run created the prefix 'nul'"
    return True, f"TOML, sweep and 6 Python paths refused: {short(r.err.strip(), 100)}"


# -- class 5: records are checked against the run's plan on --resume ---------------------------


def record_case(ctx, name, change, control=False):
    d = ctx.scratch / f"rec-{name}"
    shutil.rmtree(d, ignore_errors=True)
    r = sm(ctx, "run", "dhdrl", "--scheme", "random", "--seeds", "2", "--steps", "300", "--quiet",
           "--set", "output.record_every_slots=20", "--out", d)
    if r.rc != 0:
        return False, f"fixture: {r.what()}"
    recs = sorted((d / "experiments").glob("*.msgpack"))
    rewrite_record(recs[0], change)
    before = snapshot(d)
    r2 = sm(ctx, "run", "dhdrl", "--scheme", "random", "--seeds", "2", "--steps", "300", "--quiet",
            "--set", "output.record_every_slots=20", "--out", d, "--resume")
    after = snapshot(d)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if control:  # the record rewritten by this script without a change must be accepted
        return r2.rc == 0, f"an unchanged record re-encoded here: {r2.what()}"
    if r2.rc != 2:
        return False, f"resume: {r2.what()}"
    if changed:
        return False, f"exit 2, but rewrote {changed[:4]}"
    if recs[0].name not in r2.err:
        return False, f"the message does not name the record: {short(r2.err)}"
    why = r2.err.strip()
    return True, f"exit 2, nothing rewritten: ...{why[why.find('is corrupt'):][:150]}"


@case("5.0", "control: a record re-encoded by this replay without a change is accepted on --resume")
def c50(ctx):
    return record_case(ctx, "control", lambda rec: None, control=True)


@case("5.1", "a record with a valid checksum but other metric columns: exit 2 before anything is rewritten")
def c51(ctx):
    def change(rec):
        rec["result"]["columns"] = [c + "_x" for c in rec["result"]["columns"]]
    return record_case(ctx, "columns", change)


@case("5.2", "a record whose step and value counts disagree is refused (metrics.csv would lose a row)")
def c52(ctx):
    def change(rec):
        rec["result"]["steps"] = rec["result"]["steps"][:-1]
    return record_case(ctx, "counts", change)


@case("5.3", "a record with step -1 is refused")
def c53(ctx):
    def change(rec):
        rec["result"]["steps"][0] = -1
    return record_case(ctx, "negstep", change)


@case("5.4", "a torn TensorBoard event file does not silently lose a step on --resume")
def c54(ctx):
    args = ["run", "dhdrl", "--scheme", "dhdrl", "--steps", "4000", "--seeds", "1", "--threads", "1",
            "--set", "output.record_every_slots=10", "--checkpoint-every", "200", "--tensorboard",
            "--quiet"]
    ref = ctx.scratch / "tb-ref"
    shutil.rmtree(ref, ignore_errors=True)
    r0 = sm(ctx, *args, "--out", ref, timeout=600)
    if r0.rc != 0:
        return False, f"reference run: {r0.what()}"
    want = tfrecord_steps(ref / "tensorboard")
    d = ctx.scratch / "tb-cut"
    shutil.rmtree(d, ignore_errors=True)

    def has_rows():
        files = list((d / "tensorboard").rglob("events.out.tfevents.*")) if (d / "tensorboard").exists() else []
        return any(f.stat().st_size > 2000 for f in files) and any((d / "experiments").glob("*"))
    r1, _, early = run_signalled([ctx.semra, *args, "--out", d], ctx.scratch, signal.SIGKILL, 0.0,
                                 ready=has_rows)
    if early is not None:
        return False, f"the run ended before it could be killed ({r1.what()}); lengthen it"
    files = sorted((d / "tensorboard").rglob("events.out.tfevents.*"))
    torn = 0
    for f in files:
        size = f.stat().st_size
        os.truncate(f, size - 7)  # a record cut in its middle
        torn += 1
    r2 = sm(ctx, *args, "--out", d, "--resume", timeout=600)
    if r2.rc == 2:
        return True, f"refused on resume: {short(r2.err.strip())}"
    if r2.rc != 0:
        return False, f"resume: {r2.what()}"
    got = tfrecord_steps(d / "tensorboard")
    if sorted(got) != sorted(want):
        lost = sorted(set(want) - set(got))[:5]
        return False, f"{len(got)} events after resume, {len(want)} uninterrupted; missing steps {lost}"
    same_csv = (d / "metrics.csv").read_bytes() == (ref / "metrics.csv").read_bytes()
    return same_csv, f"{torn} event file(s) torn by 7 bytes: after --resume {len(got)} events = the uninterrupted run's; metrics.csv {'identical' if same_csv else 'DIFFERS'}"


# -- class 6: SIGINT and SIGTERM stop within 1 s in every phase --------------------------------


@case("6.1", "SIGINT and SIGTERM during a blocking read (FIFO config) stop within 1 s")
def c61(ctx):
    f = fifo(ctx, "cfg2.fifo")
    out = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        r, after, early = run_signalled([ctx.semra, "run", "dhdrl", "--config", f, "--out", "fifo2"],
                                        ctx.scratch, sig, 1.0)
        if early is not None or r.timed_out or after > 1.0 or r.rc != 130:
            return False, f"{sig.name}: {r.what()}, {after:.2f} s after the signal"
        out.append(f"{sig.name} {after:.2f} s")
    return True, ", ".join(out) + ", exit 130"


@case("6.2", "a 10^6-value grid list is refused or stopped within 1 s, not after 35 s")
def c62(ctx):
    big = sweep_file(ctx, "grid-1e6.toml",
                     grid="[" + ", ".join(f"{20 + i * 1e-6:.6f}" for i in range(999_999)) + ", 1e9]")
    r = sm(ctx, "sweep", big, "--out", "grid1e6", timeout=60)
    if r.rc != 2 or r.secs > 10.0:  # parsing the 12 MB file is most of it
        return False, f"10^6 values: {r.what()} after {r.secs:.1f} s"
    res = [f"10^6 values refused in {r.secs:.2f} s ({short(r.err.strip(), 90)})"]
    mid = sweep_file(ctx, "grid-9e4.toml",
                     grid="[" + ", ".join(f"{20 + i * 1e-4:.4f}" for i in range(90_000)) + ", 1e9]")
    for f, n in ((big, "10^6"), (mid, "90,001")):
        for sig in (signal.SIGTERM, signal.SIGINT):
            out = ctx.scratch / f"grid-{n}-{sig.name}"
            r2, after, early = run_signalled([ctx.semra, "sweep", f, "--out", out], ctx.scratch, sig, 0.3)
            if early is not None:
                res.append(f"{n}, {sig.name}: ended before the signal ({r2.what()}, {r2.secs:.2f} s)")
                if early != 2:
                    return False, res[-1]
                continue
            if r2.timed_out or after > 1.0 or r2.rc != 130:
                return False, f"{n} values, {sig.name} at 0.3 s: {r2.what()}, {after:.2f} s after"
            if out.exists():
                return False, f"{n} values, {sig.name}: the output directory was created"
            res.append(f"{n}, {sig.name} at 0.3 s: exit 130 {after:.2f} s later")
    return True, "; ".join(res)


@case("6.3", "SIGTERM and SIGINT during world construction (a 10^9-triple scene build) stop within 1 s")
def c63(ctx):
    res = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        d = ctx.scratch / f"world-{sig.name}"
        argv = [ctx.semra, "run", "vderl", "--scheme", "random", "--steps", "1", "--out", d,
                "--set", "semantic.images=1000000", "--set", "semantic.min_triples=1000",
                "--set", "semantic.max_triples=1000"]
        r, after, early = run_signalled(argv, ctx.scratch, sig, 3.0, as_bytes=None)
        if early is not None:
            if early == 2:
                res.append(f"{sig.name}: refused before the build ({short(r.err.strip(), 100)})")
                continue
            return False, f"ended before the signal: {r.what()}"
        if r.timed_out or after > 1.0 or r.rc != 130:
            return False, f"{sig.name} at 3 s: {r.what()}, {after:.2f} s after the signal"
        res.append(f"{sig.name} at 3 s: exit 130 {after:.2f} s later")
    return True, "; ".join(res)


# -- the weak ones -----------------------------------------------------------------------------


def no_hint(r, forbidden, need=None):
    if r.rc != 2:
        return False, r.what()
    if any(f in r.err for f in forbidden):
        return False, short(r.err.strip())
    if need and not all(n in r.err for n in need):
        return False, f"lacks {need}: {short(r.err.strip())}"
    return True, short(r.err.strip(), 140)


@case("W1", "an empty --set key gets no random 'did you mean'")
def w1(ctx):
    for arg in ("=5", " =5", "=", ".=1"):
        ok, why = no_hint(sm(ctx, "run", "dhdrl", "--set", arg), ["did you mean"])
        if not ok:
            return False, f"--set {arg!r}: {why}"
    return True, why


@case("W2", "a number that is only too large is not called 'not an integer'")
def w2(ctx):
    out = []
    for argv in (["run", "dhdrl", "--set", "train.slots=99999999999999999999"],
                 ["run", "dhdrl", "--set", "train.slots=9223372036854775808"],
                 ["run", "dhdrl", "--steps", "99999999999999999999"],
                 ["run", "dhdrl", "--seed", "99999999999999999999"],
                 ["run", "dhdrl", "--seeds", "99999999999999999999"],
                 ["run", "dhdrl", "--threads", "99999999999999999999"]):
        r = sm(ctx, *argv)
        if r.rc != 2 or "not an integer" in r.err or "integer" not in r.err and "range" not in r.err \
                and "large" not in r.err and "at most" not in r.err:
            return False, f"{' '.join(argv)[:60]}: {r.what()}"
        out.append(r.err.strip())
    return True, short(out[0], 140)


@case("W3", "an unknown [plot] metric in a sweep is refused before anything runs")
def w3(ctx):
    f = sweep_file(ctx, "badmetric.toml", plot={"metric": "final_qeo"})
    d = ctx.scratch / "badmetric"
    r = sm(ctx, "sweep", f, "--out", d)
    if r.rc != 2 or d.exists():
        return False, f"{r.what()}, output {'created' if d.exists() else 'absent'}"
    if "final_qeo" not in r.err:
        return False, short(r.err)
    return True, short(r.err.strip(), 140)


@case("W4", "a cross-key error names the file and the grid point")
def w4(ctx):
    f = sweep_file(ctx, "crosskey.toml", grid="[5, 50]", grid_key="semantic.min_triples")
    f.write_text(f.read_text().replace('scenario = "dhdrl"', 'scenario = "vderl"')
                 .replace('"train.slots" = 200\n"output.record_every_slots" = 20\n', "")
                 .replace('seeds = 1', 'seeds = 1\n').replace('"random"', '"random"'))
    r = sm(ctx, "sweep", f, "--out", "crosskey")
    if r.rc != 2:
        return False, r.what()
    if "crosskey.toml" not in r.err or "50" not in r.err or "max_triples" not in r.err:
        return False, f"names neither file nor point: {short(r.err)}"
    return True, short(r.err.strip(), 160)


@case("W5", "a duplicate seed gets no 'duplicate scheme?' hint")
def w5(ctx):
    f = sweep_file(ctx, "dupseed.toml", seeds="[1, 1]")
    r = sm(ctx, "sweep", f, "--out", "dupseed")
    if r.rc != 2 or "scheme" in r.err.lower() or "seed" not in r.err:
        return False, r.what()
    return True, short(r.err.strip(), 140)


@case("W6", "--xi abc gets semra's message, not the raw parser's")
def w6(ctx):
    r = sm(ctx, "semantic", "--scene-graphs", "/nonexistent.json", "--xi", "abc")
    if r.rc != 2 or "--xi" not in r.err or "abc" not in r.err:
        return False, r.what()
    if "Could not convert" in r.err or "failed" in r.err.lower() and "REAL" in r.err:
        return False, f"raw parser message: {short(r.err)}"
    return True, short(r.err.strip(), 140)


@case("W7", "the message of an interrupted long command is not 8 KB")
def w7(ctx):
    deep = ctx.scratch
    for k in range(16):
        deep = deep / (f"d{k}" + "x" * 200)
    deep.mkdir(parents=True, exist_ok=True)
    cfg = deep / "c.toml"
    cfg.write_text("[train]\nslots = 200000\n")
    out = deep / "o"
    argv = [ctx.semra, "run", "dhdrl", "--scheme", "dhdrl", "--config", cfg, "--out", out,
            "--set", "output.record_every_slots=10", "--checkpoint-every", "100"]
    cmdlen = sum(len(str(a)) + 1 for a in argv)
    r, after, early = run_signalled(argv, ctx.scratch, signal.SIGINT, 0.0,
                                    ready=lambda: (out / "live").exists() and any((out / "live").iterdir()))
    if early is not None:
        return False, f"ended before the signal: {r.what()}"
    last = r.err.strip().splitlines()[-1] if r.err.strip() else ""
    if r.rc != 130:
        return False, r.what()
    if len(last) > 1500:
        return False, f"a {len(last)}-byte line for a {cmdlen}-byte command"
    if "--resume" not in last:
        return False, f"no way to resume: {short(last)}"
    return True, f"{len(last)}-byte line for a {cmdlen}-byte command: {short(last, 110)}"


@case("W8", 'a dict key "network.servers=2" is blamed on the key, not the value')
def w8(ctx):
    r, res = py(ctx, """
        expect(lambda: semra.parallel_env("vderl", set={"network.servers=2": 3}))
        expect(lambda: semra.run("vderl", schemes="random", set={"network.servers=2": 3}, out="w8"))
    """)
    ok, why = one_line_error(2, res, r, allowed=("ValueError",))
    if ok:
        for _, m in res:
            if "key" not in m or "network.servers=2" not in m:
                return False, f"not blamed on the key: {short(m)}"
    return ok, why


@case("W9", "load_results names the file on JSON/Unicode errors, a ragged metrics.csv, no metrics.csv")
def w9(ctx):
    R = finished_run(ctx, "R1")
    dirs = {}
    for name, mutate in (
        ("json", lambda d: (d / "summary.json").write_text("{not json")),
        ("utf8json", lambda d: (d / "summary.json").write_bytes(b'{"a": "\xff\xfe"}')),
        ("utf8", lambda d: (d / "metrics.csv").write_bytes((d / "metrics.csv").read_bytes() + b"\xff\xfe,\x80\n")),
        ("ragged", lambda d: (d / "metrics.csv").write_text((d / "metrics.csv").read_text() + "random,1\n")),
        ("nometrics", lambda d: (d / "metrics.csv").unlink()),
    ):
        d = ctx.scratch / f"lr-{name}"
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(R, d)
        mutate(d)
        dirs[name] = d
    files = {"json": "summary.json", "utf8json": "summary.json", "utf8": "metrics.csv",
             "ragged": "metrics.csv", "nometrics": "metrics.csv"}
    body = "".join(f"expect(lambda: semra.load_results({str(d)!r}))\n" for d in dirs.values())
    r, res = py(ctx, body)
    ok, why = one_line_error(len(dirs), res, r, allowed=("ValueError", "FileNotFoundError"))
    if not ok:
        return False, why
    for (name, _), (_, m) in zip(dirs.items(), res):
        if files[name] not in m:
            return False, f"{name}: does not name {files[name]}: {short(m)}"
    return True, why


@case("W10", "mean_ci95 does not overflow to inf silently")
def w10(ctx):
    # A correct finite answer is as good as a ValueError; an inf or nan returned is not.
    r, res = py(ctx, """
        import math
        for x in ([1e308, 1e308], [1e308, -1e308, 1e308], [1.7e308, 1.7e308, -1e308], [float("inf"), 1.0]):
            try:
                m, h = semra.stats.mean_ci95(x)
                result("ok" if math.isfinite(m) and math.isfinite(h) else "inf", f"{x} -> ({m}, {h})")
            except Exception as e:
                result(type(e).__name__, e)
    """)
    if r.rc != 0 or len(res) != 4:
        return False, r.what()
    bad = [m for k, m in res if k not in ("ok", "ValueError")]
    if bad:
        return False, f"returned without a word: {bad}"
    return True, "; ".join(f"{k}: {short(m, 70)}" for k, m in res)


@case("W11", "semra plot writes the file it was named, or says so (no other name, no other folder)")
def w11(ctx):
    R = finished_run(ctx, "R1")
    notes = []
    for out in ("fig.jpg", "noext", "folder/", "sub/fig", "fig.PNG", "fig.png.pdf"):
        target = str(ctx.scratch / "w11") + "/" + out  # a str: Path would drop the trailing '/'
        (ctx.scratch / "w11").mkdir(exist_ok=True)
        before = {p for p in ctx.scratch.rglob("*")}
        r = sm(ctx, "plot", R, "--out", target)
        new = sorted(str(p.relative_to(ctx.scratch)) for p in set(ctx.scratch.rglob("*")) - before
                     if p.is_file() and p.suffix in (".png", ".pdf", ".svg"))
        if r.rc == 2:
            if new:
                return False, f"--out {out}: exit 2 but wrote {new}"
            notes.append(f"{out}: refused")
            continue
        if r.rc != 0:
            return False, f"--out {out}: {r.what()}"
        outside = [n for n in new if not n.startswith("w11/")]
        if outside:
            return False, f"--out {out}: wrote outside the folder: {outside}"
        for n in new:
            if n not in r.out and Path(n).name not in r.out:
                return False, f"--out {out}: wrote {n} without saying so (stdout {short(r.out)})"
        notes.append(f"{out}: wrote {new}")
    return True, "; ".join(notes)


@case("W12", "semra plot does not draw the same run twice as two curves")
def w12(ctx):
    R = finished_run(ctx, "R1")
    variants = [[R, R], [R, str(R) + "/"], [R, Path(os.path.relpath(R, ctx.scratch))],
                [R, ctx.scratch / "." / "R1"]]
    link = ctx.scratch / "R1-link"
    if not link.exists():
        link.symlink_to(R)
    variants.append([R, link])
    for k, dirs in enumerate(variants):
        out = ctx.scratch / f"twice{k}.png"
        r = sm(ctx, "plot", *dirs, "--out", out)
        if r.rc == 0:
            dat = out.with_suffix(".dat")
            blocks = dat.read_text().count("\n\n\n") if dat.exists() else -1
            if "twice" not in r.err and "same" not in r.err and "duplicate" not in r.err and "once" not in r.err:
                return False, f"{[str(d) for d in dirs]}: exit 0, no word about the repeated run (.dat blocks {blocks})"
        elif r.rc != 2:
            return False, r.what()
    return True, f"{len(variants)} spellings of one run twice: refused or warned ({short(r.err.strip(), 100)})"


@case("W13", "--format png, and --format ,png get the same treatment")
def w13(ctx):
    R = finished_run(ctx, "R1")
    codes = []
    for fmt in ("png,", ",png", "png,,pdf", " png"):
        r = sm(ctx, "plot", R, "--format", fmt, "--out", ctx.scratch / "fmt.png")
        codes.append(r.rc)
        if r.rc not in (0, 2):
            return False, r.what()
        r2 = sm(ctx, "run", "dhdrl", "--scheme", "random", "--steps", "10", "--format", fmt,
                "--out", ctx.scratch / "fmtrun")
        if r2.rc != r.rc:
            return False, f"--format {fmt!r}: plot exit {r.rc}, run exit {r2.rc}"
        shutil.rmtree(ctx.scratch / "fmtrun", ignore_errors=True)
    if codes[0] != codes[1]:
        return False, f"'png,' exit {codes[0]}, ',png' exit {codes[1]}"
    return True, f"exit codes {codes} for 'png,', ',png', 'png,,pdf', ' png'"


# ---------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--semra", default=str(ROOT / "build" / "semra"))
    ap.add_argument("--pythonpath", default=str(ROOT / "build" / "python"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--only", default="", help="run the cases whose id or text contains this")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--preload", default="",
                    help="LD_PRELOAD for the Python cases (the sanitizer runtimes, with a package "
                         "built by make check: --pythonpath build-check/python)")
    args = ap.parse_args()

    class Ctx:
        pass
    ctx = Ctx()
    ctx.semra = Path(args.semra).resolve()
    ctx.pythonpath = Path(args.pythonpath).resolve()
    ctx.python = args.python
    ctx.preload = args.preload
    ctx.scratch = Path(tempfile.mkdtemp(prefix="semra-replay-"))
    wrong, fixed, skipped = [], 0, 0
    print(f"# semra {ctx.semra}, package {ctx.pythonpath}, scratch {ctx.scratch}")
    try:
        for cid, text, fn in CASES:
            if args.only and args.only not in cid and args.only not in text:
                continue
            for p in ctx.scratch.rglob("PWNED"):
                p.unlink()
            t0 = time.monotonic()
            try:
                ok, why = fn(ctx)
            except Exception as e:  # the replay itself failed: count it as not shown fixed
                ok, why = False, f"replay error: {type(e).__name__}: {e}"
            if pwned(ctx):
                ok, why = False, f"PWNED created ({pwned(ctx)}); {why}"
            dt = time.monotonic() - t0
            verdict = "skipped" if ok is None else ("fixed" if ok else "STILL WRONG")
            print(f"{cid:5} {verdict:11} {text} -- {why} [{dt:.1f} s]", flush=True)
            if ok is None:
                skipped += 1
            elif ok:
                fixed += 1
            else:
                wrong.append(cid)
    finally:
        if args.keep:
            print(f"# kept {ctx.scratch}")
        else:
            for fs in ctx.scratch.glob("fs-*"):
                subprocess.run(["umount", str(fs)], capture_output=True)
            shutil.rmtree(ctx.scratch, ignore_errors=True)
    print(f"# {fixed} fixed, {len(wrong)} still wrong{' (' + ', '.join(wrong) + ')' if wrong else ''}, {skipped} skipped")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
