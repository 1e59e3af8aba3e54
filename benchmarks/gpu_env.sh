# Sourced by the GPU scripts: what the device image lacks, installed from wheels carried in .whl/ (made
# beforehand where pip works; see benchmarks/gpu_paper_speech.sh), and this tree on the Python path.
# NO_WHEELS=1 skips the wheels (trying a script on a machine that has everything).
if [ -d .whl ] && [ "${NO_WHEELS:-0}" != 1 ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "gpu_env: installing the wheels in .whl/ failed"; exit 1; }
  export PYTHONPATH="$PWD:/tmp/site"
else
  export PYTHONPATH="$PWD"
fi
export PYTHONUNBUFFERED=1
# what the log should say about the machine first
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/GPU: /'
