"""The bad-input campaign's Python channel (bad_inputs.txt, docs/bad-inputs.md "Python API"):
every misuse raises the stated exception with a one-line message naming the problem. Cases whose
channel ends in '!' (environment variables, threads hammering one environment) run in their own
interpreter, so that a crash or hang is reported as such."""
from __future__ import annotations

import os
import shutil
import warnings

import pytest

import semra
from bad_inputs_cases import PROMISED, outcome_in_subprocess, outcome_of, namespace, parse, scratch, verdict

PRELUDE, CASES = parse()


def test_the_campaign_has_enough_cases():
    assert len(CASES) >= 50
    assert len({c.line for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def tmp():
    d = scratch()
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=[f"line{c.line}-{c.name}" for c in CASES])
def test_case(case, tmp):
    if case.isolated:
        out = outcome_in_subprocess(case, tmp, os.path.dirname(os.path.dirname(semra.__file__)))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = outcome_of(case.code, namespace(PRELUDE, tmp))
    assert verdict(case, out) == PROMISED, (
        f"bad_inputs.txt:{case.line}: expected {case.exception} with '{case.expect}', got {out}"
    )
