"""The one thing about packaging that pyproject.toml cannot say: the shipped lessons live in
the top-level scenes/ and install as the package rnnsim.scenes (rnnsim/scenes/*.toml in the
wheel). Every package under rnnsim/ is found as usual; everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["rnnsim", "rnnsim.*"]), "rnnsim.scenes"],
    package_dir={"rnnsim.scenes": "scenes"},
)
