# Run `make help` for the list of targets.
SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
DEV_DEBS := gnupg
TEST_DEBS := gnupg postgresql chromium chromium-driver tor
# The system tier (tests/system): a Debian root to boot, and the parsers of the hardening files.
TEST_DEBS += debootstrap apparmor nftables
# fonts-noto-core: the browser tests and screenshots then draw every script our catalogs use.
TEST_DEBS += fonts-noto-core
export SECUREDROP_DATA_DIR ?= $(CURDIR)/.dev-data
# The gettext catalogs live inside the package so an installed copy carries them.
I18N := securedrop/translations

.DEFAULT_GOAL := help

.PHONY: help
help: ## List every target
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt requirements-dev.txt setup.py
	test -x $(PY) || python3 -m venv .venv
	# requirements.txt carries hashes (the production installer needs them); the dev pins do not.
	$(PY) -m pip install -q --require-hashes -r requirements.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

.PHONY: venv
venv: $(VENV_STAMP) ## Create .venv with the pinned requirements

.PHONY: dev
dev: venv ## Serve the source (127.0.0.1:8080) and journalist (127.0.0.1:8081) interfaces with dev data
	scripts/system-deps.sh $(DEV_DEBS)
	$(MAKE) --no-print-directory i18n-compile
	exec .venv/bin/securedrop dev

.PHONY: test
test: venv ## Install what is missing and run the whole suite (SQLite and PostgreSQL, Chromium, Tor)
	scripts/system-deps.sh $(TEST_DEBS)
	$(MAKE) --no-print-directory i18n-check
	scripts/run-tests.sh

.PHONY: test-fast
test-fast: venv ## Unit and functional tests on SQLite only, no browser or Tor
	$(MAKE) --no-print-directory i18n-compile
	SECUREDROP_TEST_STRICT= $(PY) -m pytest -m "not browser and not tor and not slow"

.PHONY: lint
lint: venv ## ruff and mypy
	.venv/bin/ruff check securedrop tests
	.venv/bin/mypy

.PHONY: bench
bench: venv ## Benchmarks (prints one table)
	scripts/system-deps.sh gnupg
	-scripts/system-deps.sh onionshare-cli
	$(PY) -m bench

.PHONY: requirements
requirements: venv ## Re-pin requirements*.txt from requirements*.in
	.venv/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	.venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o install_files/build-requirements.txt install_files/build-requirements.in
	.venv/bin/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

.PHONY: i18n-extract
i18n-extract: venv ## Update $(I18N)/messages.pot from the code and templates (locations, Translators: comments)
	.venv/bin/pybabel extract -F babel.cfg -k ngettext:1,2 -k lazy_gettext -k pgettext:1c,2 -k npgettext:1c,2,3 \
		-k lazy_pgettext:1c,2 --add-comments=Translators: -o $(I18N)/messages.pot --project=securedrop securedrop

.PHONY: i18n-update
i18n-update: venv ## Merge messages.pot into every catalog; changed English keeps its old translation as fuzzy
	@if ls $(I18N)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then .venv/bin/pybabel update -i $(I18N)/messages.pot -d $(I18N) --previous --ignore-pot-creation-date; fi

.PHONY: i18n-compile
i18n-compile: venv ## Build the .mo files in place (not committed): reviewed entries and machine drafts
	$(PY) scripts/i18n_compile.py

.PHONY: i18n-check
i18n-check: i18n-compile ## Fail on broken catalogs (compile, placeholders, tags, plurals, glossary); report review state
	$(PY) scripts/i18n_check.py

.PHONY: l10n-screenshots
l10n-screenshots: venv ## Every page of both interfaces in LOCALES="fr_FR ar pseudo" beside English: l10n-screenshots/index.html
	# fonts-noto-core: the Noto faces our CSS font stacks name first (Myanmar, Thai, Ethiopic, Tamil,
	# Nastaliq...); without them headless Chromium draws those scripts as empty boxes.
	scripts/system-deps.sh gnupg chromium chromium-driver fonts-noto-core
	$(MAKE) --no-print-directory i18n-compile
	$(PY) scripts/l10n_screenshots.py $(or $(LOCALES),fr_FR ar pseudo)

.PHONY: clean
clean: ## Remove the venv, dev data and caches
	rm -rf .venv .dev-data .pytest_cache .mypy_cache .ruff_cache l10n-screenshots
