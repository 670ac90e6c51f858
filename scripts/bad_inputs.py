#!/usr/bin/python3
"""Runs the bad-input campaign (tests/cli/bad_inputs*.txt) against a semra binary and prints the
Markdown table of docs/bad-inputs.md: input, expected, observed, verdict.

    /usr/bin/python3 scripts/bad_inputs.py build/tests/semra-test [--before OLD_BINARY] > table.md

The Python channel (python/tests/bad_inputs.txt) against a built package, each case in its own
interpreter (a crash or hang is a verdict, not the end of the run):

    /usr/bin/python3 scripts/bad_inputs.py --python build/python [--before OLD_BUILD/python]

Verdicts: "behaves as promised" (the expected exit code and text, no internal error, no output
directory left behind by a refused command, no PWNED file created), "vague message" (the right exit
code, but the message does not say what the table expects), "wrong behaviour" (anything else: exit
0 or 1, a crash, "internal error", a refused command that left its output directory, or a hostile
payload that ran: a file named PWNED appeared under TMP). The C++ test
tests/cli/bad_inputs_test.cpp asserts the same on every build.

Channels: every tests/cli/bad_inputs*.txt is read, in name order, each with its own scratch
directory. A new channel is a new file there (e.g. bad_inputs_python.txt) in the same line format;
commands may use @PYTHON@ (Debian's interpreter with PYTHONPATH set to the python/ directory of the
binary's build, BUILD/python for BUILD/tests/semra-test; --python-path overrides it). Both runners
pick the file up without any change.
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(path):
    files, setups, cases = [], [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, rest = [x.strip() for x in line.split("|", 1)]
        if kind == "file":
            name, content = rest.split("|", 1)
            files.append((name.strip(), content.strip()))
        elif kind == "setup":
            setups.append(rest.strip())
        elif kind == "case":
            # CHANNEL | COMMAND | EXIT | EXPECTED: the command ends at the first "| <digits> |"
            # (a command may hold '|' itself, e.g. a hostile file name).
            channel, tail = [x.strip() for x in rest.split("|", 1)]
            m = re.search(r"\|\s*([0-9]+)\s*\|", tail)
            cases.append((channel, tail[:m.start()].strip(), int(m.group(1)),
                          tail[m.end():].strip()))
    return files, setups, cases


def unescape(content):
    return content.encode("latin-1").decode("unicode_escape").encode("latin-1")


# Cases of features younger than the "before" binary are not a verdict on it: commands containing
# any of --newer-features (comma-separated; e.g. "@SEMRA@ plot,--format" for a binary older than
# `semra plot`), and cases whose old binary does not know a toy.* key.
NEWER_FEATURES = ()


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def pwned(tmp):
    """Whether a hostile payload ran: a file named PWNED anywhere under the scratch directory."""
    found = False
    for root, _, names in os.walk(tmp):
        for n in names:
            if n == "PWNED":
                os.remove(os.path.join(root, n))
                found = True
    return found


def campaign_files():
    d = os.path.join(SRC, "tests", "cli")
    return [os.path.join(d, n) for n in sorted(os.listdir(d))
            if n.startswith("bad_inputs") and n.endswith(".txt")]


def run_all(binary, data, binary_is_old=False, python_path=None):
    files, setups, cases = parse(data)
    tmp = tempfile.mkdtemp(prefix="semra-bad-")
    env = dict(os.environ, SEMRA_TEST_FIXTURES="1")
    env.pop("SEMRA_MEMORY_AVAILABLE_MB", None)
    if python_path is None:
        python_path = os.path.join(os.path.dirname(os.path.dirname(binary)), "python")
    python = "env PYTHONPATH=%s /usr/bin/python3" % python_path
    try:
        for name, content in files:
            p = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(unescape(content))

        def subst(s, out=""):
            return (s.replace("@SEMRA@", binary).replace("@PYTHON@", python)
                    .replace("@TMP@", tmp).replace("@SRC@", SRC).replace("@OUT@", out))

        for s in setups:
            subprocess.run(subst(s), shell=True, env=env, check=False, capture_output=True)
        results = []
        for i, (channel, command, code, expect) in enumerate(cases):
            out = os.path.join(tmp, "out-%d" % i)
            # Each case in its own process group, killed after 30 s (a binary without the
            # limits happily starts 10^6 experiments), with at most 4 GB of address space (an
            # old binary reads /dev/zero until memory runs out).
            p = subprocess.Popen(subst(command, out), shell=True, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True,
                                 preexec_fn=limit_memory)
            try:
                raw, _ = p.communicate(timeout=30)
                rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                raw, _ = p.communicate()
                rc = -1
            text = raw.decode("utf-8", "replace")
            ran = pwned(tmp)
            left = "@OUT@" in command and os.path.exists(out)
            shutil.rmtree(out, ignore_errors=True)
            want = subst(expect)
            if "unknown config key 'toy." in text or (
                    binary_is_old and any(m in command for m in NEWER_FEATURES)):
                verdict = "n/a (feature added later)"
            elif ran:
                verdict = "wrong behaviour"
            elif rc == code and want in text and "internal error" not in text and not (
                    code == 2 and left):
                verdict = "behaves as promised"
            elif rc == code and code == 2 and "internal error" not in text and not left:
                verdict = "vague message"
            else:
                verdict = "wrong behaviour"
            first = [ln for ln in text.splitlines() if ln.strip()]
            shown = first[0] if first else ""
            if rc == 0:
                shown = "ran and wrote results"
            if rc == -1:
                shown = "still running after 30 s (killed): " + shown
            shown = shown.replace(tmp, "TMP").replace(binary, "semra")
            if left and code == 2:
                shown += " (left its output directory)"
            if ran:
                shown = "RAN THE PAYLOAD (created PWNED); " + shown
            shown = shown.replace("\n", " ")
            results.append((channel, command, code, expect, rc, shown[:110], verdict))
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cell(s):
    return s.replace("|", "\\|").replace("@SEMRA@ ", "semra ").replace("@TMP@", "TMP") \
        .replace("@OUT@", "OUT").replace("@SRC@/", "").replace("@PYTHON@", "python3") \
        .replace("\n", " ")


def python_main(args):
    """The Python channel: --python PYTHONPATH [--before OLD_PYTHONPATH]."""
    sys.path.insert(0, os.path.join(SRC, "python", "tests"))
    import bad_inputs_cases as b

    before = None
    if "--before" in args:
        i = args.index("--before")
        before = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    now_path = os.path.abspath(args[0])
    _, cases = b.parse()

    def run_all(pythonpath, old):
        tmp = b.scratch()
        try:
            return [(c, o, b.verdict(c, o, build_is_old=old), b.shown(o, tmp)) for c in cases
                    for o in [b.outcome_in_subprocess(c, tmp, pythonpath)]]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    now = run_all(now_path, False)
    old = run_all(before, True) if before else None
    print("| # | channel | input | expected | observed before | verdict before | observed now "
          "| verdict now |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, (c, _, v, shown) in enumerate(now):
        ob = old[i] if old else None
        print("| P%d | %s | `%s` | %s, %s | %s | %s | %s | %s |" % (
            i + 1, c.name, c.code.replace("|", "\\|"), c.exception, c.expect.replace("|", "\\|"),
            ob[3].replace("|", "\\|") if ob else "", ob[2] if ob else "", shown.replace("|", "\\|"), v))
    print()
    for label, res in (("before", old), ("now", now)):
        if res:
            cnt = Counter(r[2] for r in res)
            print("%s: %d cases; " % (label, len(res)) +
                  ", ".join("%s %d" % (k, v) for k, v in sorted(cnt.items())))
            print()


def main():
    args = sys.argv[1:]
    if args and args[0] == "--python":
        python_main(args[1:])
        return
    before = None
    if "--before" in args:
        i = args.index("--before")
        before = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    global NEWER_FEATURES
    if "--newer-features" in args:
        i = args.index("--newer-features")
        NEWER_FEATURES = tuple(x for x in args[i + 1].split(",") if x)
        del args[i:i + 2]
    python_path = None
    if "--python-path" in args:
        i = args.index("--python-path")
        python_path = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    binary = os.path.abspath(args[0])
    now, old = [], [] if before else None
    for data in campaign_files():
        now += run_all(binary, data, python_path=python_path)
        if before:
            old += run_all(before, data, binary_is_old=True, python_path=python_path)
    print("| # | channel | input | expected | observed before | verdict before | observed now "
          "| verdict now |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, r in enumerate(now):
        b = old[i] if old else None
        print("| %d | %s | `%s` | %d, %s | %s | %s | %d: %s | %s |" % (
            i + 1, r[0], cell(r[1]), r[2], cell(r[3]),
            ("%d: %s" % (b[4], cell(b[5]))) if b else "", b[6] if b else "", r[4], cell(r[5]),
            r[6]))
    print()
    for label, res in (("before", old), ("now", now)):
        if res:
            c = Counter(r[6] for r in res)
            print("%s: %d cases; " % (label, len(res)) +
                  ", ".join("%s %d" % (k, v) for k, v in sorted(c.items())))
            print()


if __name__ == "__main__":
    main()
