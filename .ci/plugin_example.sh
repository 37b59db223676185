#!/usr/bin/env bash
# Installs mapfault from an existing build into a prefix, builds the out-of-tree plugin in
# examples/plugin against that prefix with find_package(mapfault), and prints the path of the built
# plugin on stdout (everything else goes to stderr), e.g.:
#   so=$(.ci/plugin_example.sh build) && ./build/mapfault run --plugin "$so" --backend my_map
# The library holds two backends: my_map (ABI v1 features) and my_cas_map (ABI v2: thread hooks,
# declined erase-this, visitor writes, a conditional contract).
# Usage: .ci/plugin_example.sh [BUILD_DIR] [PREFIX] [EXAMPLE_BUILD_DIR]
#        (defaults: build, /tmp/mfprefix, /tmp/ex)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
prefix=${2:-/tmp/mfprefix}
example_build=${3:-/tmp/ex}

rm -f "$example_build/CMakeCache.txt"  # a stale cache would remember another prefix's mapfault_DIR
cmake --install "$build" --prefix "$prefix" >&2
cmake -S examples/plugin -B "$example_build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >&2
cmake --build "$example_build" >&2

plugin="$example_build/libmy_map.so"
test -f "$plugin" || { echo "plugin_example.sh: $plugin was not built" >&2; exit 1; }
echo "$plugin"
