"""The package's face: a docstring on every public function, class, method and property; py.typed
and stubs for _core that name everything the C++ module defines, with the argument names the
module uses (not arg0)."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import semra
from semra import _core

PACKAGE = Path(semra.__file__).resolve().parent


def public_members(obj):
    for name, member in inspect.getmembers(obj):
        if name.startswith("_"):
            continue
        yield name, member


def test_every_public_function_class_and_method_has_a_docstring():
    missing = []
    for name in semra.__all__:
        obj = getattr(semra, name)
        if isinstance(obj, str):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj):
            for mname, member in public_members(obj):
                if mname in vars(obj) or any(mname in vars(b) for b in obj.__mro__[1:]
                                             if b.__module__.startswith("semra")):
                    doc = inspect.getdoc(member) if not isinstance(member, (int, str, list, dict)) else "data"
                    if callable(member) or isinstance(inspect.getattr_static(obj, mname), property):
                        if not (doc or "").strip():
                            missing.append(f"{name}.{mname}")
    for fname, f in public_members(semra.stats):
        if inspect.isfunction(f) and f.__module__ == "semra.stats" and not (f.__doc__ or "").strip():
            missing.append(f"stats.{fname}")
    assert not missing, f"no docstring: {missing}"


def test_py_typed_and_stubs_cover_the_core_module():
    assert (PACKAGE / "py.typed").is_file()
    stub = ast.parse((PACKAGE / "_core.pyi").read_text(encoding="utf-8"))
    stubbed = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stubbed |= {t.id for n in stub.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    defined = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    assert defined - {"__version__"} <= stubbed, f"not in _core.pyi: {defined - stubbed}"
    # Argument names, not pybind11's arg0: every stubbed function's parameters as the module has them.
    for node in stub.body:
        if isinstance(node, ast.FunctionDef) and node.args.args:
            doc = getattr(_core, node.name).__doc__ or ""
            assert "arg0" not in doc, f"_core.{node.name} has unnamed arguments"
            for a in node.args.args:
                assert f"{a.arg}:" in doc, f"_core.{node.name}: '{a.arg}' not in {doc.splitlines()[0]}"
