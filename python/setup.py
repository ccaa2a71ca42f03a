"""Builds covcheck._covcheck with the repository's CMake tree (the COVCHECK_PYTHON option)
and puts it into the package. The build directory is the repository's `build/` (as
tools/setup.sh configures it) unless COVCHECK_BUILD_DIR names another; CMake, g++ and the
Debian packages of tools/setup.sh must be installed. No network is used."""

import glob
import os
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("COVCHECK_BUILD_DIR", os.path.join(ROOT, "build"))
        # The module is built for Debian's /usr/bin/python3 (python/CMakeLists.txt), which a
        # venv made with it shares: the same ABI, whichever interpreter runs pip.
        configure = ["cmake", "-S", ROOT, "-B", build_dir, "-DCOVCHECK_PYTHON=ON"]
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            configure += ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"]
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_covcheck"])
        built = glob.glob(os.path.join(build_dir, "python", "covcheck", "_covcheck*.so"))
        if not built:
            raise RuntimeError(f"the CMake build left no _covcheck module in {build_dir}/python/covcheck")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[Extension("covcheck._covcheck", sources=[])], cmdclass={"build_ext": CMakeBuild})
