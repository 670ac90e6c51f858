#!/usr/bin/python3
"""Results identity across a refactor: does a new `semra` binary give byte-identical metrics.csv?

  results_identity.py run BINARY DIR          every case below with BINARY into DIR/<case>/
  results_identity.py interrupt BINARY DIR    per learner: a run killed (SIGKILL) after its first
                                              checkpoint, into DIR/ckpt/<case>/ (plus the same run
                                              uninterrupted as its reference)
  results_identity.py resume BINARY BASE DIR  copy BASE/ckpt/* to DIR/ckpt/*, finish each with
                                              BINARY --resume (checkpoints of BASE's binary)
  results_identity.py compare A B             metrics.csv and the trained networks (--save-models,
                                              where a case has one network per scheme and seed) of
                                              every case in A and B, byte for byte; for ckpt
                                              cases, B's resumed run's metrics.csv against A's
                                              reference. exit 0: all identical; 1: a difference

metrics.csv is what a user reads; the networks catch a change in the last bits of a weight that has
not (yet) changed any greedy action, and so no metric, in a short run.

Typical use (the baseline once, then after each change):
  scripts/results_identity.py run OLD/semra base && scripts/results_identity.py interrupt OLD/semra base
  scripts/results_identity.py run build/semra new && scripts/results_identity.py resume build/semra base new
  scripts/results_identity.py compare base new

The cases: the default figures (--quick), `semra run` of every scheme of both scenarios (short runs,
2 seeds), and variants that reach the learners' other paths (double DQN, Huber loss, Polyak targets,
VD-ERL's soft critic target and automatic temperature). Runs use --threads 2 (results do not depend
on the thread count). Set SEMRA_ISA to pin the kernel variant (both binaries must use the same one;
summary.json records it and compare checks it).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

DHDRL_SCHEMES = "dhdrl,ddrl,dhdrl-oa,dhdrl-or,dhdrl-ns,greedy,greedy-local,random,oracle,dhdrl-continuous"
VDERL_SCHEMES = "vderl,vdn,idqn,qmix,random"
FIGURES = [
    "dhdrl-qoe-vs-slots",
    "vderl-convergence",
    "vderl-multirb-vs-users",
    "vderl-multirb-vs-servers",
    "vderl-latency-vs-users",
    "vderl-latency-vs-servers",
]

# name -> semra arguments (after the binary; --out, --quiet and --threads are added)
CASES = {f"figure-{f}": ["figure", f, "--quick"] for f in FIGURES}
CASES.update({
    "run-dhdrl": ["run", "dhdrl", "--scheme", DHDRL_SCHEMES, "--steps", "1500", "--seeds", "2"],
    "run-dhdrl-double-huber": ["run", "dhdrl", "--scheme", "dhdrl,ddrl", "--steps", "1500",
                               "--seeds", "2", "--set", "learning.double_dqn=true",
                               "--set", "learning.loss=huber"],
    "run-vderl": ["run", "vderl", "--scheme", VDERL_SCHEMES, "--steps", "6", "--seeds", "2"],
    "run-vderl-double-polyak-huber": ["run", "vderl", "--scheme", "vderl,vdn,idqn,qmix", "--steps",
                                      "6", "--seeds", "2", "--set", "training.double_q=true",
                                      "--set", "training.tau=0.05", "--set", "training.loss=huber"],
    "run-vderl-soft-auto": ["run", "vderl", "--scheme", "vderl", "--steps", "6", "--seeds", "2",
                            "--set", "vderl.critic_target=soft", "--set",
                            "vderl.auto_temperature=true", "--set", "vderl.greedy=critic"],
})

# Where the trained networks are compared too: not the figures that sweep a key, whose sweep points
# all write their networks to the same models/<scheme>-seed<k>/ (the last one to finish wins).
NETWORK_CASES = {n for n in CASES if n.startswith("run-")} | {
    "figure-dhdrl-qoe-vs-slots", "figure-vderl-convergence"}

# Checkpointed learners: killed after the first checkpoint, resumed by the binary under test.
CKPT_CASES = {
    "dhdrl": ["run", "dhdrl", "--scheme", "dhdrl", "--steps", "4000", "--checkpoint-every", "600"],
    "ddrl": ["run", "dhdrl", "--scheme", "ddrl", "--steps", "3000", "--checkpoint-every", "600"],
    "vderl": ["run", "vderl", "--scheme", "vderl", "--steps", "30", "--checkpoint-every", "3"],
    "vdn": ["run", "vderl", "--scheme", "vdn", "--steps", "30", "--checkpoint-every", "3"],
    "idqn": ["run", "vderl", "--scheme", "idqn", "--steps", "30", "--checkpoint-every", "3"],
    "qmix": ["run", "vderl", "--scheme", "qmix", "--steps", "30", "--checkpoint-every", "3"],
}


def semra(binary, args, out, extra=()):
    cmd = [str(Path(binary).resolve())] + args + ["--out", str(out), "--quiet", "--threads", "2"]
    cmd += list(extra)
    return cmd


def run_all(binary, root):
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, args in CASES.items():
        out = root / name
        if out.exists():
            shutil.rmtree(out)
        t0 = time.monotonic()
        extra = ["--save-models"] if name in NETWORK_CASES else []
        subprocess.run(semra(binary, args, out, extra), check=True, stdout=subprocess.DEVNULL)
        print(f"{name}: {time.monotonic() - t0:.1f} s", flush=True)


def interrupt_all(binary, root):
    root = Path(root) / "ckpt"
    root.mkdir(parents=True, exist_ok=True)
    for name, args in CKPT_CASES.items():
        case = root / name
        if case.exists():
            shutil.rmtree(case)
        case.mkdir()
        subprocess.run(semra(binary, args, case / "reference"), check=True,
                       stdout=subprocess.DEVNULL)
        out = case / "interrupted"
        for attempt in range(5):
            if out.exists():
                shutil.rmtree(out)
            proc = subprocess.Popen(semra(binary, args, out), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            killed = False
            while proc.poll() is None:
                if any((out / "experiments").glob("*.ckpt")):
                    time.sleep(0.05 * attempt)  # later attempts: a later checkpoint
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed = True
                    break
                time.sleep(0.005)
            if killed and any((out / "experiments").glob("*.ckpt")):
                break
        else:
            sys.exit(f"{name}: the run finished before a checkpoint could be interrupted")
        (case / "args.json").write_text(json.dumps(args))
        ckpt = sorted((out / "experiments").glob("*.ckpt"))
        print(f"{name}: killed with {', '.join(p.name for p in ckpt)} "
              f"({sum(p.stat().st_size for p in ckpt)} bytes)", flush=True)


def resume_all(binary, base, root):
    for case in sorted((Path(base) / "ckpt").iterdir()):
        dest = Path(root) / "ckpt" / case.name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(case / "interrupted", dest / "resumed")
        args = json.loads((case / "args.json").read_text())
        r = subprocess.run(semra(binary, args, dest / "resumed", ["--resume"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        status = "resumed" if r.returncode == 0 else f"exit {r.returncode}: {r.stderr.strip()}"
        (dest / "status.txt").write_text(status + "\n")
        print(f"{case.name}: {status}", flush=True)


def first_difference(a, b):
    la, lb = a.read_text().splitlines(), b.read_text().splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            worst = 0.0
            for u, v in zip(x.split(","), y.split(",")):
                try:
                    worst = max(worst, abs(float(u) - float(v)))
                except ValueError:
                    pass
            return f"line {i + 1}: {x!r} vs {y!r} (largest abs difference in the line {worst:g})"
    return f"{len(la)} vs {len(lb)} lines"


def isa(d):
    try:
        return json.loads((d / "summary.json").read_text()).get("isa")
    except (OSError, ValueError):
        return None


def models(d):
    root = d / "models"
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def compare(a, b):
    a, b = Path(a), Path(b)
    pairs = []
    for name in CASES:
        pairs.append((name, a / name, b / name))
    for case in sorted((a / "ckpt").glob("*")) if (a / "ckpt").exists() else []:
        pairs.append((f"ckpt-{case.name}", case / "reference", b / "ckpt" / case.name / "resumed"))
    bad = 0
    for name, da, db in pairs:
        fa, fb = da / "metrics.csv", db / "metrics.csv"
        if not fa.exists() or not fb.exists():
            status = "missing " + " and ".join(str(f) for f in (fa, fb) if not f.exists())
            if name.startswith("ckpt-") and (db.parent / "status.txt").exists():
                status += " (" + (db.parent / "status.txt").read_text().strip() + ")"
        elif isa(da) != isa(db):
            status = f"different kernel variants ({isa(da)} vs {isa(db)}): pin SEMRA_ISA"
        elif fa.read_bytes() != fb.read_bytes():
            status = first_difference(fa, fb)
        elif name in NETWORK_CASES and models(da) != models(db):
            ma, mb = models(da), models(db)
            if ma.keys() != mb.keys():
                status = f"other network files: {sorted(ma.keys() ^ mb.keys())[:4]}"
            else:
                changed = sorted(k for k in ma if ma[k] != mb[k])
                status = (f"metrics.csv identical, {len(changed)} of {len(ma)} networks differ "
                          f"({', '.join(changed[:3])}{', ...' if len(changed) > 3 else ''})")
        else:
            nets = len(models(da)) if name in NETWORK_CASES else 0
            print(f"identical  {name} ({len(fa.read_bytes().splitlines())} lines"
                  f"{f', {nets} networks' if nets else ''})")
            continue
        bad += 1
        print(f"DIFFERENT  {name}: {status}")
    print(f"{len(pairs) - bad} of {len(pairs)} cases byte-identical")
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "run" and len(argv) == 3:
        run_all(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "interrupt":
        interrupt_all(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "resume":
        resume_all(argv[1], argv[2], argv[3])
    elif len(argv) == 3 and argv[0] == "compare":
        return compare(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
