#!/usr/bin/env bash
# Sourced by the benchmark scripts: finds a Python with PyTorch for bench/python/torch_compute.py,
# installing Debian's CPU build (python3-torch) when it is missing and this runs as root with apt-get.
set -euo pipefail

SYNCBN_TORCH_PYTHON_DEFAULT=/usr/bin/python3

# syncbn_torch_python: prints the path of a Python that can `import torch`, installing python3-torch
# if needed and possible (messages on stderr). Otherwise prints nothing, says why on stderr and
# returns 1, so the caller can go on without the PyTorch numbers:
#   if py=$(syncbn_torch_python); then "$py" bench/python/torch_compute.py; fi
syncbn_torch_python() {
  local py=$SYNCBN_TORCH_PYTHON_DEFAULT
  if [ -x "$py" ] && "$py" -c 'import torch' >/dev/null 2>&1; then
    echo "$py"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "PyTorch not found for $py and not running as root: skipping the PyTorch numbers" \
      "(install it with apt-get install python3-torch)" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "PyTorch not found for $py and no apt-get to install python3-torch: skipping the PyTorch numbers" >&2
    return 1
  fi
  echo "installing PyTorch (python3-torch) with apt-get ..." >&2
  # The package lists may be missing or stale (fresh container): refresh them only if needed.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2; then
    echo "apt-get install failed; updating the package lists and retrying ..." >&2
    if ! { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2; }; then
      echo "could not install python3-torch: skipping the PyTorch numbers" >&2
      return 1
    fi
  fi
  if [ -x "$py" ] && "$py" -c 'import torch' >/dev/null 2>&1; then
    echo "$py"
    return 0
  fi
  echo "python3-torch is installed but $py still cannot import torch: skipping the PyTorch numbers" >&2
  return 1
}
