# mimic: `make demo` runs the Fashion-MNIST demo, `make test` the tests; each installs what is missing first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := dataset-fashion-mnist espeak-ng

.PHONY: help install test test-slow test-faults test-all demo demo-speech custom-example paper paper-speech levers lint format bench bench-streaming bench-step bench-viterbi bench-cifar bench-transfer docker clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Venv in .venv, editable install with dev tools; Debian packages when root
$(STAMP): pyproject.toml
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "apt-get install$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi; \
	else echo "not root or no apt-get: install $(SYSTEM_PACKAGES) yourself if you need them"; fi
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

test: install ## Run the tests (the slow ones are excluded; see test-all)
	$(PY) -m pytest

test-slow: install ## Run only the slow tests (DDP subprocesses, the demos end to end)
	$(PY) -m pytest -m slow

test-faults: install ## Kill runs and a whole experiment with SIGKILL at random moments, rerun, require the same results
	$(PY) -m pytest -m faults

test-all: install ## Run every test, slow and fault-injection ones included
	$(PY) -m pytest -m ""

demo: install ## With 1,000 labels and with all: teachers, ensemble, nets on labels and their mimics on Fashion-MNIST (~21 min), resumable -> runs/demo/results.md
	$(VENV)/bin/mimic demo

CUSTOM_STUDENTS := shallow_labels shallow_mimic conv_shallow_labels conv_shallow_mimic
custom-example: install ## Bring your own teacher and images: Fashion-MNIST as PNG folders, a torchvision ResNet-18 exported as a plain state dict and mimicked by a shallow and a conv-shallow net; each step skipped once done -> runs/custom/
	test -d data/fashion-png || $(VENV)/bin/mimic data image-folders --dataset fashion-mnist --out data/fashion-png --unlabeled 50000
	test -f runs/custom/resnet18_labels/test/predictions.npz || { \
	  $(VENV)/bin/mimic fit --config configs/custom/resnet18_labels.yaml && \
	  $(VENV)/bin/mimic test --config configs/custom/resnet18_labels.yaml --ckpt_path runs/custom/resnet18_labels/checkpoints/best.ckpt; }
	test -f teachers/resnet18_fashion.safetensors || \
	  $(VENV)/bin/mimic export runs/custom/resnet18_labels --format torchvision --out teachers/resnet18_fashion.safetensors
	for stage in $(CUSTOM_STUDENTS); do \
	  test -f runs/custom/$$stage/test/predictions.npz || { \
	    $(VENV)/bin/mimic fit --config configs/custom/$$stage.yaml && \
	    $(VENV)/bin/mimic test --config configs/custom/$$stage.yaml --ckpt_path runs/custom/$$stage/checkpoints/best.ckpt; } || exit 1; \
	done
	$(VENV)/bin/mimic compare runs/custom/shallow_mimic --twin runs/custom/shallow_labels --teacher runs/custom/resnet18_labels --md runs/custom/compare_shallow.md
	$(VENV)/bin/mimic compare runs/custom/conv_shallow_mimic --twin runs/custom/conv_shallow_labels --teacher runs/custom/resnet18_labels --md runs/custom/compare_conv_shallow.md
	$(VENV)/bin/mimic speed runs/custom/resnet18_labels runs/custom/shallow_mimic runs/custom/conv_shallow_mimic --md runs/custom/speed.md
	$(VENV)/bin/mimic export runs/custom/shallow_mimic --format onnx --overwrite

paper: install ## Table 2 in miniature (N = 1,000 / 5,000 / all, 3 seeds), the claim and Figures 1-3 on Fashion-MNIST (hours), resumable -> runs/paper, docs/results/paper
	$(VENV)/bin/mimic paper

paper-speech: install ## Table 1 on a hard synthetic corpus (+ unlabeled transfer speech), resumable -> runs/paper-speech
	$(VENV)/bin/mimic paper-speech

levers: install ## What makes a shallow mimic win on Fashion-MNIST, chosen on validation, resumable -> runs/levers
	$(VENV)/bin/mimic levers

demo-speech: install ## Hard synthetic TIMIT-format corpus (espeak-ng), CNN teacher, shallow net and its mimic (+ unlabeled speech) -> PER table
	$(VENV)/bin/mimic demo-speech

lint: install ## ruff (lint and format check) and hadolint on the Dockerfile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Every speed benchmark in one run: one table of ratios against their targets (runs/bench/suite.csv)
	$(PY) benchmarks/suite.py

bench-streaming: install ## Streaming-teacher throughput benchmark
	$(PY) benchmarks/teacher_streaming.py

bench-step: install ## The students' training step: the app against a bare PyTorch loop (samples/s, ratio)
	$(PY) benchmarks/student_step.py --nets fashion,timit,timit-4096-adamw

bench-viterbi: install ## Batched Viterbi against the one-utterance decoder on a dev-set-sized batch
	$(PY) benchmarks/viterbi.py

bench-cifar: install ## CIFAR + 1M Tiny Images loader against the 128c-p-1200L-30k student (writes 3 GB to /tmp)
	$(PY) benchmarks/cifar_loader.py

bench-transfer: install ## Made-up transfer data (MUNGE, mixup) for the Fashion-MNIST mimic; needs `make demo` first
	$(PY) benchmarks/made_up_transfer.py

docker: ## Build the GPU image (needs a Docker engine)
	docker build -t mimic .

clean: ## Remove runs and caches (not the venv)
	rm -rf runs lightning_logs wandb .pytest_cache .ruff_cache
