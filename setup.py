"""Packaging: `pip install -e .` gives the importable `securedrop` package and command.

A built package (`pip install .`, a wheel) carries the compiled gettext catalogs:
build_py compiles each securedrop/translations/<locale>/LC_MESSAGES/messages.po
into the messages.mo next to it in the build, so an installed copy serves every
language without a source tree. The .mo files are never committed (they are
derived from the .po files and would drift); in a source tree `make i18n-compile`
builds them in place.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CATALOGS = HERE / "securedrop" / "translations"


class BuildWithCatalogs(build_py):
    """build_py, plus every .po compiled to .mo inside the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree: `make i18n-compile`
        # Babel is a build requirement (pyproject.toml) and a runtime one (flask-babel).
        import importlib.util

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        # Which entries ship (reviewed ones and machine drafts), without importing the
        # package and its dependencies at build time.
        spec = importlib.util.spec_from_file_location("_catalogs", HERE / "securedrop" / "catalogs.py")
        assert spec is not None and spec.loader is not None
        catalogs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(catalogs)

        for po in sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po")):
            locale = po.parent.parent.name
            target = Path(self.build_lib) / "securedrop" / "translations" / po.relative_to(CATALOGS)
            target = target.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            with target.open("wb") as handle:
                write_mo(handle, catalogs.shipped_catalog(catalog))  # as `make i18n-compile` does


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
    cmdclass={"build_py": BuildWithCatalogs},
    entry_points={"console_scripts": ["securedrop = securedrop.cli:main"]},
)
