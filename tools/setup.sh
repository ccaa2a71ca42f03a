#!/usr/bin/env bash
# Installs the Debian 12 build dependencies (skipped when already present) and builds
# covcheck into build/. Run as root on a fresh machine: `bash tools/setup.sh`.
# `neovim` is for tests/e2e/lsp_neovim.sh, which drives `covcheck lsp` from a real client.
# `nginx` is the load balancer of tests/e2e/bundle_replicas.sh (two `serve --bundle` replicas).
# The python3-* and pybind11 packages build and test the Python package (python/, docs/python.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(g++ cmake ninja-build pkg-config libyaml-cpp-dev tao-pegtl-dev libfmt-dev catch2 libcli11-dev libssl-dev libsimdjson-dev lcov libcpp-httplib-dev
          nlohmann-json3-dev neovim python3-jsonschema time nginx
          python3-dev python3-venv python3-setuptools python3-wheel python3-pip pybind11-dev python3-pybind11
          python3-pandas python3-dask python3-distributed python3-pytest python3-yaml)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
  # The tests run nginx in the foreground with their own configuration; the system service
  # Debian starts on install would serve its default site on port 80, so when this script
  # installed nginx it stops that service and keeps it from starting at boot.
  if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOVCHECK_PYTHON=ON
cmake --build build -j"$(nproc)"
