#!/usr/bin/env python3
"""Runs PettingZoo's own CleanRL PPO tutorial (tutorials/CleanRL/cleanrl.py in PettingZoo's
repository, written for Pistonball's images) on semra's vderl with only the changes its target
allows: creating the environment, and the network's input layer (docs/python.md "PettingZoo's
CleanRL tutorial"). The tutorial is read from the file given, changed in memory by the exact text
replacements below (each must match once, or the script stops naming it), written to a temporary
directory and run there with this interpreter: none of its code is kept in semra.

  /usr/bin/python3 scripts/cleanrl_tutorial.py PATH/TO/cleanrl.py [--episodes 2]

Needs torch and semra importable (PYTHONPATH=build/python); supersuit is not needed (its wrappers
are part of the Pistonball environment it replaces)."""
import argparse
import os
import subprocess
import sys
import tempfile

# (what, tutorial text, replacement). Environment creation: the supersuit import and Pistonball's
# make + wrappers become semra.parallel_env with array observations shaped (1, D, 1), which the
# tutorial's (H, W, C) -> (C, H, W) transpose turns into (1, 1, D); stack_size and frame_size, the
# wrappers' parameters, become that shape. Input layer: the convolutions become one Linear on D.
CHANGES = [
    ("imports",
     "from supersuit import color_reduction_v0, frame_stack_v1, resize_v1\n",
     ""),
    ("imports",
     "from pettingzoo import make\n",
     "import semra\n"),
    ("environment",
     """    env = make(
        "parallel",
        "butterfly/pistonball-v6",
        render_mode="rgb_array",
        continuous=False,
        max_cycles=max_cycles,
    )
    env = color_reduction_v0(env)
    env = resize_v1(env, frame_size[0], frame_size[1])
    env = frame_stack_v1(env, stack_size=stack_size)
""",
     """    env = semra.parallel_env("vderl", max_cycles=max_cycles, action_mask="info",
                             observation_shape=(1, -1, 1))
    stack_size, frame_size = 1, env.observation_space(env.possible_agents[0]).shape[:2]
"""),
    ("environment (rendering)",
     """    env = make(
        "parallel", "butterfly/pistonball-v6", render_mode="human", continuous=False
    )
    env = color_reduction_v0(env)
    env = resize_v1(env, 64, 64)
    env = frame_stack_v1(env, stack_size=4)
""",
     """    env = semra.parallel_env("vderl", render_mode="human", action_mask="info",
                             observation_shape=(1, -1, 1))
"""),
    ("input layer",
     """            self._layer_init(nn.Conv2d(4, 32, 3, padding=1)),
            nn.MaxPool2d(2),
            nn.ReLU(),
            self._layer_init(nn.Conv2d(32, 64, 3, padding=1)),
            nn.MaxPool2d(2),
            nn.ReLU(),
            self._layer_init(nn.Conv2d(64, 128, 3, padding=1)),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Flatten(),
            self._layer_init(nn.Linear(128 * 8 * 8, 512)),
""",
     """            nn.Flatten(),
            self._layer_init(nn.Linear(stack_size * frame_size[0] * frame_size[1], 512)),
"""),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tutorial", help="PettingZoo's tutorials/CleanRL/cleanrl.py")
    parser.add_argument("--episodes", type=int, default=2, help="total_episodes (tutorial: 2)")
    args = parser.parse_args()
    try:
        with open(args.tutorial, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print(f"cleanrl_tutorial.py: {args.tutorial}: {e.strerror}", file=sys.stderr)
        return 2
    for what, old, new in CHANGES:
        if text.count(old) != 1:
            print(f"cleanrl_tutorial.py: {args.tutorial}: the {what} text to replace was found "
                  f"{text.count(old)} times (expected once): another version of the tutorial?",
                  file=sys.stderr)
            return 2
        text = text.replace(old, new)
    text = text.replace("    total_episodes = 2\n", f"    total_episodes = {args.episodes}\n")
    with tempfile.TemporaryDirectory(prefix="semra-cleanrl-") as tmp:
        script = os.path.join(tmp, "cleanrl_semra.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(text)
        return subprocess.run([sys.executable, script], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
