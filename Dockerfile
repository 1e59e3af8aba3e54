# GPU image: docker build -t mimic . ; docker run --gpus all ... mimic fit --config ...
# The PyPI torch wheels bring their own CUDA libraries; the base image provides the runtime setup
# the NVIDIA container toolkit expects.
FROM nvidia/cuda:13.0.1-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

# Distribution packages follow the base image's release; pinning them would break on its updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv libsndfile1 espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv

WORKDIR /app
# PyTorch first: the largest layer, reused while the code changes.
RUN pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
COPY pyproject.toml README.md ./
COPY mimic ./mimic
COPY configs ./configs
# Editable, so that `mimic demo` finds /app/configs beside the package.
RUN pip install -e .

# Runs land in /work/runs: mount a host folder there to keep them.
WORKDIR /work
ENTRYPOINT ["mimic"]
CMD ["--help"]
