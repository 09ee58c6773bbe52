"""Packaging: `pip install -e .` gives the importable `securedrop` package and command."""

from setuptools import find_packages, setup

setup(
    name="securedrop-py",
    version="0.1.0",
    description="A whistleblower submission system: source and journalist interfaces over Tor",
    python_requires=">=3.11",
    packages=find_packages(include=["securedrop", "securedrop.*"]),
    include_package_data=True,
    package_data={
        "securedrop": [
            "source_app/templates/*.html",
            "source_app/static/*",
            "journalist_app/templates/*.html",
            "journalist_app/static/*",
            "web/templates/*.html",
            "migrations/*.py",
            "migrations/versions/*.py",
            "migrations/script.py.mako",
            "crypto/denylist_*.txt",
        ]
    },
    entry_points={"console_scripts": ["securedrop = securedrop.cli:main"]},
)
