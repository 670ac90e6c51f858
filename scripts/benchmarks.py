#!/usr/bin/python3
"""docs/benchmarks.md: every learner of each scenario, 5 seeds, mean +- CI95, at equal environment
steps and at equal wall time.

Usage (Debian's /usr/bin/python3):
  scripts/benchmarks.py --out DIR [--only ROW[,ROW...]] [--semra PATH] [--dry-run]
                        [--jobs N] [--set KEY=VALUE] [--seeds N] [--steps N] [--schemes A,B,...]

Rows: vderl:50 (Table II, V = 5, U = 50), vderl:10, vderl:30 (U = 10, 30), dhdrl:7 (7 cells),
dhdrl:19 (19 cells). Every (row, scheme, budget) is one `semra run` with its own directory,
DIR/<row>/steps/<scheme> and DIR/<row>/wall/<scheme>; a directory with a summary.json is finished
and skipped, one without is continued with `--resume` (a stopped run keeps its finished seeds and
its checkpoint), so rerunning the same command resumes. DIR must not be inside the repository.

Budgets (docs/decisions.md "Benchmark budgets"):
  - equal steps: every scheme runs the row's step budget (vderl: 100 iterations, the paper's run;
    dhdrl: 10,000 slots, a tenth of the paper's 100,000, so that both cell counts finish on the
    shared 2-core machine; the oracle is left out: NOT_RUN).
  - equal wall time: a per-seed budget W = the smallest CPU time per seed of any learner at equal
    steps (the fastest learner's; runs are single-threaded, so on a quiet core CPU time is wall
    time; the shared machine's load makes wall-clock rates vary tenfold); every other learner then
    runs floor(steps x W / its own CPU time per seed) steps. CPU time is the run's user time from
    os.wait4, stored next to the run (RUN_DIR.cpu.json); a run made outside the script, or resumed,
    is timed by a one-seed calibration run of the same command (DIR/<row>/calib/). The step counts
    come from stored records, so a rerun computes the same ones.
  Heuristics (random, greedy, greedy-local, oracle) do not learn: they are reference rows at equal
  steps only.

Statistics are the project's: mean and ci95 from each run's summary.json, and the Welch p against
the proposed scheme from semra.stats (build/python of this checkout is found by itself).

Outputs per row: DIR/<row>/table.md (the tables, the commands, the wall times), DIR/<row>/row.json
(the same numbers), DIR/<row>/curves.png (learning curves of the equal-steps runs with 95% CI
bands, drawn by `semra plot`). The script prints each run's command before running it; every
command is an argument vector (no shell).
"""
import argparse
import concurrent.futures
import json
import math
import os
import shlex
import shutil
import subprocess
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BUILD_PY = os.path.join(_REPO, "build", "python")
if os.path.isdir(_BUILD_PY):
    sys.path.insert(0, _BUILD_PY)
try:
    from semra import stats  # semra's own statistics (the C++ code behind summary.json)
except ImportError:  # the tables still work from summary.json; the p column says "-"
    stats = None

HEURISTICS = {"random", "greedy", "greedy-local", "oracle"}
# Schemes left out of the tables by default, with the reason shown in their row: the oracle's
# best-response sweeps ran at 3.4 slots/s at 19 cells here (a 10,000-slot seed would take ~50 min).
NOT_RUN = {"oracle": "not run: a bound, too slow for this machine (3.4 slots/s at 19 cells)"}
# On-policy learners a scenario should have; shown as "not built yet" until `semra list` names them.
EXPECTED_ON_POLICY = ("ippo", "mappo")


# --set KEY=VALUE given to the script: appended to every run's command (tests use small worlds).
EXTRA_SETS = []


class Row:
    def __init__(self, key, scenario, title, sets, steps, proposed, metrics):
        self.key = key
        self.scenario = scenario
        self.title = title
        self.sets = sets  # --set KEY=VALUE overrides
        self.steps = steps  # equal-steps budget
        self.proposed = proposed
        self.metrics = metrics  # (summary.json scalar, column title); the first is the p-value's

    @property
    def dirname(self):
        return self.key.replace(":", "-")


_VDERL_METRICS = [("final_reward", "total reward (eq. 12)"), ("avg_latency_ms", "latency (ms)")]
ROWS = [
    Row("vderl:50", "vderl", "vderl, Table II (V = 5, U = 50)", [], 100, "vderl", _VDERL_METRICS),
    Row("vderl:10", "vderl", "vderl, U = 10 users (V = 5)", ["network.users=10"], 100, "vderl", _VDERL_METRICS),
    Row("vderl:30", "vderl", "vderl, U = 30 users (V = 5)", ["network.users=30"], 100, "vderl", _VDERL_METRICS),
    Row("dhdrl:7", "dhdrl", "dhdrl, 7 cells", [], 10000, "dhdrl", [("final_qoe", "final QoE")]),
    Row("dhdrl:19", "dhdrl", "dhdrl, 19 cells", ["network.rings=2"], 10000, "dhdrl", [("final_qoe", "final QoE")]),
]
ROW_KEYS = [r.key for r in ROWS]


def fail(message):
    """Bad input: one line naming it, exit code 2 (as semra's CLI)."""
    print(f"benchmarks.py: {message}", file=sys.stderr)
    sys.exit(2)


def list_schemes(semra):
    """scenario -> scheme names, in `semra list` order (indent 2: scenario, indent 4: scheme)."""
    out = subprocess.run([semra, "list"], check=True, capture_output=True, text=True).stdout
    table, current = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            current = None  # "scenarios:" or "figures:"
            if line.strip() == "scenarios:":
                current = ""
            continue
        if current is None:
            continue
        indent = len(line) - len(line.lstrip(" "))
        name = line.split()[0]
        if indent == 2:
            current = name
            table[current] = []
        elif indent == 4 and current:
            table[current].append(name)
    return table


def run_command(semra, row, scheme, steps, seeds, out_dir, resume):
    cmd = [semra, "run", row.scenario, "--scheme", scheme, "--seeds", str(seeds), "--steps", str(steps),
           "--threads", "1", "--quiet"]
    for s in row.sets + EXTRA_SETS:
        cmd += ["--set", s]
    cmd += ["--out", out_dir]
    if resume:
        cmd.append("--resume")
    return cmd


def shown(cmd, out_root):
    """The command as the docs show it: `semra` for the binary, OUT for the output root."""
    shown_cmd = ["semra"] + [a.replace(out_root, "OUT") for a in cmd[1:] if a != "--resume"]
    return shlex.join(shown_cmd)


def read_summary(run_dir):
    path = os.path.join(run_dir, "summary.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def cpu_record(run_dir):
    """User CPU seconds of a run the script made in one go (RUN_DIR.cpu.json), or None."""
    path = run_dir + ".cpu.json"
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def run_measured(cmd):
    """Runs cmd; (exit code, user CPU seconds of that child alone: os.wait4, exact also when --jobs
    runs two at a time). CPU time, not wall time: the machine is shared."""
    p = subprocess.Popen(cmd)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_utime


def execute(semra, row, scheme, steps, seeds, run_dir, out_root, dry_run):
    """Runs (or resumes) one scheme's run unless it finished; returns its summary or None."""
    summary = read_summary(run_dir)
    if summary is not None:
        if summary.get("steps") != steps or len(summary.get("seeds", [])) != seeds:
            print(f"benchmarks.py: {run_dir} holds {summary.get('steps')} steps x {len(summary.get('seeds', []))} "
                  f"seeds, expected {steps} x {seeds} (remove it to rerun); its row stays unfinished",
                  file=sys.stderr)
            return None
        print(f"[done]    {shown(run_command(semra, row, scheme, steps, seeds, run_dir, False), out_root)}")
        return summary
    resume = os.path.isdir(run_dir) and bool(os.listdir(run_dir))
    cmd = run_command(semra, row, scheme, steps, seeds, run_dir, resume)
    print(f"[{'resume' if resume else 'run'}]{' ' * (4 if resume else 7)}{shown(cmd, out_root)}", flush=True)
    if dry_run:
        return None
    os.makedirs(os.path.dirname(run_dir), exist_ok=True)
    code, user_seconds = run_measured(cmd)
    if code != 0:
        print(f"benchmarks.py: `{shown(cmd, out_root)}` exited with {code}; its row stays unfinished",
              file=sys.stderr)
        return None
    if not resume:  # a resumed run's CPU time misses the part done before
        write_atomic(run_dir + ".cpu.json", json.dumps({"user_seconds": user_seconds, "steps": steps,
                                                        "seeds": seeds}))
    return read_summary(run_dir)


def cpu_per_seed(args, row, scheme, steps, run_dir):
    """User CPU seconds of one seed of this run: from its own record, else from a one-seed
    calibration run of the same command (seed 1) under DIR/<row>/calib/, made once."""
    rec = cpu_record(run_dir)
    if rec is not None:
        return rec["user_seconds"] / rec["seeds"]
    calib = os.path.join(args.out, row.dirname, "calib", scheme)
    rec = cpu_record(calib)
    if rec is None or rec["steps"] != steps:
        if args.dry_run:
            return None
        if os.path.isdir(calib):
            shutil.rmtree(calib)  # an interrupted calibration: its CPU time is incomplete
        if os.path.isfile(calib + ".cpu.json"):
            os.remove(calib + ".cpu.json")
        if execute(args.semra, row, scheme, steps, 1, calib, args.out, False) is None:
            return None
        rec = cpu_record(calib)
    return rec["user_seconds"] / rec["seeds"]


def write_atomic(path, content):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, path)


def run_all(args, row, runs):
    """execute() for each (scheme, steps, dir), --jobs at a time; scheme -> summary or None."""
    def one(r):
        return execute(args.semra, row, r[0], r[1], args.seeds, r[2], args.out, args.dry_run)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, runs))
    return {r[0]: summary for r, summary in zip(runs, results)}


def scheme_stats(summary, scheme, metrics, steps):
    s = summary["schemes"][scheme]
    entry = {"steps": steps, "wall_seconds": summary["wall_seconds"], "seeds": len(summary["seeds"]),
             "steps_per_second": s.get("steps_per_second")}
    for m, _ in metrics:
        v = s.get(m)
        entry[m] = None if v is None else {"mean": v["mean"], "ci95": v["ci95"], "per_seed": v["per_seed"]}
    return entry


def p_value(a, b):
    if stats is None or a is None or b is None or len(a["per_seed"]) < 2 or len(b["per_seed"]) < 2:
        return None
    if any(x is None for x in a["per_seed"] + b["per_seed"]):
        return None
    return stats.welch_p(a["per_seed"], b["per_seed"])


def fmt(x, digits=4):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}"


def fmt_ci(v):
    if v is None or v["mean"] is None:
        return "-"
    return f"{fmt(v['mean'])} +- {fmt(v['ci95'], 2)}"


def fmt_p(p):
    if p is None:
        return "-"
    return f"{p:.2g}"


def table(row, entries, kind, proposed_entry):
    """Markdown lines of one budget's table."""
    m0 = row.metrics[0][0]
    head = ["scheme", "steps"] + [t for _, t in row.metrics] + [f"p vs {row.proposed}", "CPU s / seed",
                                                                "wall s (all seeds)", "wall s / seed"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for e in entries:
        name = e["scheme"] + (" (reference)" if e["heuristic"] else "")
        if e["status"] != "done":
            lines.append("| " + " | ".join([name, str(e.get("steps", "-")), e["status"]] + ["-"] * (len(head) - 3)) + " |")
            continue
        p = None
        if e["scheme"] != row.proposed and proposed_entry is not None:
            p = p_value(e.get(m0), proposed_entry.get(m0))
        cells = [name, str(e["steps"])] + [fmt_ci(e.get(m)) for m, _ in row.metrics]
        cells += [fmt_p(p), fmt(e.get("cpu_seconds_per_seed"), 3), f"{e['wall_seconds']:.1f}",
                  f"{e['wall_seconds'] / e['seeds']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def run_row(args, row, schemes_in_list):
    root = os.path.join(args.out, row.dirname)
    steps_all = args.steps if args.steps else row.steps
    listed = schemes_in_list.get(row.scenario, [])
    if not listed:
        fail(f"`semra list` names no scheme of scenario '{row.scenario}'")
    schemes = listed
    if args.schemes:
        unknown = [s for s in args.schemes if s not in listed]
        if unknown:
            fail(f"--schemes: {', '.join(unknown)} not a scheme of {row.scenario} (`semra list`: {', '.join(listed)})")
        schemes = [s for s in listed if s in args.schemes]
    skipped = [s for s in schemes if s in NOT_RUN and not args.schemes]
    schemes = [s for s in schemes if s not in skipped]
    # The proposed scheme first (it defines p), then the learners, then the reference heuristics.
    order = sorted(schemes, key=lambda s: (s != row.proposed, s in HEURISTICS, listed.index(s)))
    missing = [] if args.schemes else [
        s for s in EXPECTED_ON_POLICY if not any(s in name for name in listed)]

    print(f"== {row.key}: {row.title}")
    steps_entries = []
    dirs = {s: os.path.join(root, "steps", s) for s in order}
    summaries = run_all(args, row, [(s, steps_all, dirs[s]) for s in order])
    for s in order:
        d = dirs[s]
        cmd = run_command(args.semra, row, s, steps_all, args.seeds, d, False)
        summary = summaries[s]
        e = {"scheme": s, "heuristic": s in HEURISTICS, "command": shown(cmd, args.out), "steps": steps_all,
             "dir": d}
        if summary is None:
            e["status"] = "running / not run yet"
        else:
            e.update(scheme_stats(summary, s, row.metrics, steps_all))
            e["status"] = "done"
            rec = cpu_record(d)
            e["cpu_seconds_per_seed"] = rec["user_seconds"] / rec["seeds"] if rec else None
        steps_entries.append(e)
    for s in missing:
        steps_entries.append({"scheme": s, "heuristic": False, "status": "not built yet", "steps": "-",
                              "command": None})
    for s in skipped:
        cmd = run_command(args.semra, row, s, steps_all, args.seeds, os.path.join(root, "steps", s), False)
        steps_entries.append({"scheme": s, "heuristic": True, "status": NOT_RUN[s], "steps": steps_all,
                              "command": "# " + shown(cmd, args.out)})

    # Equal wall time: W = the fastest learner's CPU time per seed at equal steps (single-threaded
    # runs: on a quiet core their wall time). Each learner's CPU time per seed: its own record, else
    # a one-seed calibration run (cpu_per_seed).
    learners = [e for e in steps_entries if not e["heuristic"] and e["status"] == "done"]
    wall_entries, budget = [], None
    all_learners_done = all(e["status"] == "done" for e in steps_entries
                            if not e["heuristic"] and e["status"] != "not built yet")
    if learners and all_learners_done:
        for e in learners:
            e["cpu_seconds_per_seed"] = cpu_per_seed(args, row, e["scheme"], e["steps"], e["dir"])
    if learners and all_learners_done and all(e["cpu_seconds_per_seed"] for e in learners):
        fastest = min(learners, key=lambda e: e["cpu_seconds_per_seed"])
        budget = {"cpu_seconds_per_seed": fastest["cpu_seconds_per_seed"], "set_by": fastest["scheme"]}
        plan = {}
        for e in learners:
            n = max(1, math.floor(e["steps"] * budget["cpu_seconds_per_seed"] / e["cpu_seconds_per_seed"]))
            if e["scheme"] != fastest["scheme"] and n != e["steps"]:
                plan[e["scheme"]] = (n, os.path.join(root, "wall", e["scheme"]))
        summaries = run_all(args, row, [(s, n, d) for s, (n, d) in plan.items()])
        for e in learners:
            if e["scheme"] not in plan:
                wall_entries.append(dict(e))
                continue
            n, d = plan[e["scheme"]]
            cmd = run_command(args.semra, row, e["scheme"], n, args.seeds, d, False)
            summary = summaries[e["scheme"]]
            w = {"scheme": e["scheme"], "heuristic": False, "command": shown(cmd, args.out), "steps": n, "dir": d}
            if summary is None:
                w["status"] = "running / not run yet"
            else:
                w.update(scheme_stats(summary, e["scheme"], row.metrics, n))
                w["status"] = "done"
                rec = cpu_record(d)
                w["cpu_seconds_per_seed"] = rec["user_seconds"] / rec["seeds"] if rec else None
            wall_entries.append(w)
        wall_entries.sort(key=lambda e: e["scheme"] != row.proposed)
        for s in missing:
            wall_entries.append({"scheme": s, "heuristic": False, "status": "not built yet", "steps": "-",
                                 "command": None})

    # Learning curves of the equal-steps runs (semra plot draws the 95% CI bands).
    figure = None
    plotted = [e for e in steps_entries if e["status"] == "done"]
    if plotted and not args.dry_run:
        figure = os.path.join(root, "curves.png")
        cmd = [args.semra, "plot"] + [e["dir"] for e in plotted] + [
            "--label", ",".join(e["scheme"] for e in plotted), "--out", figure]
        print(f"[plot]    {shown(cmd, args.out)}", flush=True)
        if subprocess.run(cmd).returncode != 0:
            figure = None

    def proposed_of(entries):
        return next((e for e in entries if e["scheme"] == row.proposed and e["status"] == "done"), None)

    lines = [f"### {row.title}", "",
             f"Equal environment steps ({steps_all} {'iterations' if row.scenario == 'vderl' else 'slots'}, "
             f"{args.seeds} seeds, mean +- CI95):", ""]
    lines += table(row, steps_entries, "steps", proposed_of(steps_entries))
    lines += [""]
    if budget is not None:
        lines += [f"Equal wall time (W = {budget['cpu_seconds_per_seed']:.2f} s of one core per seed, the CPU "
                  f"time {budget['set_by']} takes for {steps_all} steps; each learner runs floor({steps_all} x W / "
                  f"its own CPU s per seed) steps):", ""]
        lines += table(row, wall_entries, "wall", proposed_of(wall_entries))
    else:
        lines += ["Equal wall time: not computed yet (it needs every learner's equal-steps run and its CPU time per seed).", ""]
    lines += ["", "Commands (each row's run; OUT is the output directory):", "", "```",
              f"scripts/benchmarks.py --out OUT --only {row.key}    # the whole table"]
    for e in steps_entries + [w for w in wall_entries if w.get("dir", "").find(os.sep + "wall" + os.sep) >= 0]:
        if e.get("command"):
            lines.append(e["command"])
    lines += ["```", ""]
    text = "\n".join(lines)
    result = {"row": row.key, "title": row.title, "scenario": row.scenario, "proposed": row.proposed,
              "seeds": args.seeds, "steps": steps_all, "equal_steps": steps_entries, "equal_wall": wall_entries,
              "wall_budget": budget, "figure": figure, "metrics": [m for m, _ in row.metrics]}
    if not args.dry_run:
        os.makedirs(root, exist_ok=True)
        for name, content in (("table.md", text), ("row.json", json.dumps(result, indent=1))):
            write_atomic(os.path.join(root, name), content)
    print(text)
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output directory (outside the repository)")
    p.add_argument("--only", help=f"rows, comma-separated ({', '.join(ROW_KEYS)}); default all")
    p.add_argument("--semra", default=os.environ.get("SEMRA_CLI", os.path.join(_REPO, "build", "semra")),
                   help="the semra CLI (default $SEMRA_CLI, else build/semra of this checkout)")
    p.add_argument("--seeds", type=int, default=5, help="seeds per run (default 5)")
    p.add_argument("--steps", type=int, default=0, help="override every row's equal-steps budget (tests)")
    p.add_argument("--schemes", help="only these schemes, comma-separated (tests); default every scheme")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="passed to every run as --set KEY=VALUE (repeatable)")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1; at most 2 on this machine)")
    p.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = p.parse_args(argv)
    if args.seeds < 1:
        fail(f"--seeds {args.seeds}: expected at least 1")
    if args.jobs < 1:
        fail(f"--jobs {args.jobs}: expected at least 1")
    if args.steps < 0:
        fail(f"--steps {args.steps}: expected a positive step count")
    args.out = os.path.abspath(args.out)
    if os.path.commonpath([args.out, _REPO]) == _REPO:
        fail(f"--out '{args.out}' is inside the repository: choose a directory outside it")
    if not (os.path.isfile(args.semra) and os.access(args.semra, os.X_OK)):
        fail(f"--semra '{args.semra}': not an executable file (build it with `make build`)")
    for kv in args.set:
        if "=" not in kv or kv.startswith("="):
            fail(f"--set '{kv}': expected KEY=VALUE")
    EXTRA_SETS[:] = args.set
    args.schemes = [s for s in args.schemes.split(",") if s] if args.schemes else None
    keys = ROW_KEYS
    if args.only:
        keys = [k for k in args.only.split(",") if k]
        bad = [k for k in keys if k not in ROW_KEYS]
        if bad:
            fail(f"--only: unknown row {', '.join(bad)} (expected {', '.join(ROW_KEYS)})")
    listed = list_schemes(args.semra)
    for row in ROWS:
        if row.key in keys:
            run_row(args, row, listed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
