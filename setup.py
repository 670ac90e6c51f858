"""Builds semra's C++ module (python/src/module.cpp) with the project's CMake for the interpreter
running pip, and packages python/semra. Used by `pip install --no-build-isolation .`."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent.resolve()
VERSION = re.search(
    r"project\(semra VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()
).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build = Path(self.build_temp).resolve() / "cmake"
        subprocess.run(
            [
                "cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                f"-DPython3_EXECUTABLE={sys.executable}", "-DSEMRA_BUILD_TESTS=OFF",
                "-DSEMRA_BUILD_BENCH=OFF", "-DSEMRA_MPI=OFF",
            ],
            check=True,
        )
        jobs = os.environ.get("SEMRA_JOBS", "2")
        subprocess.run(
            ["cmake", "--build", str(build), "--target", "semra_python_core", "-j", jobs],
            check=True,
        )
        built = next((build / "python" / "semra").glob("_core*"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    version=VERSION,
    packages=["semra"],
    package_dir={"": "python"},
    package_data={"semra": ["py.typed", "_core.pyi"]},
    ext_modules=[Extension("semra._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
