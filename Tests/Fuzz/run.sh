#!/usr/bin/env bash
# Builds a libFuzzer target with -sanitize=fuzzer,address and runs it for a set time.
#
#   Tests/Fuzz/run.sh <target> [seconds] [extra libFuzzer flags...]
#   Tests/Fuzz/run.sh list
#   Tests/Fuzz/run.sh all [seconds]                 # every target in turn (CI smoke: e.g. 30 s each)
#   Tests/Fuzz/run.sh corpus                        # replay every seed with the normal build's replay tools
#   Tests/Fuzz/run.sh <target> replay <file>...    # re-run inputs (e.g. a crash-* artifact)
#
# Targets (name → executable target in Package.swift, seed corpus Tests/Fuzz/Corpus/<name>/):
#   bootstrap          FuzzBootstrapLoader   the full `relay --mode validate` load path, from bytes
#   client-hello       FuzzClientHello       the tls_inspector ClientHello parser
#   metadata-exchange  FuzzMetadataExchange  Istio's metadata-exchange frame reader
#   admin              FuzzAdmin             admin request target/query parsing and dispatch, raw HTTP
# To add one: an executableTarget under Tests/Fuzz/<Product>/ depending on FuzzSupport, whose
# source is `@main enum <Product>: FuzzTarget { static func run(_:) }` (see the existing ones),
# a line in TARGETS and MAX_LEN below, and seeds in Tests/Fuzz/Corpus/<name>/.
#
# Builds go to .build-fuzz/ (never the normal .build/), new corpus entries to
# .build-fuzz/corpus/<name>/, crash/timeout/OOM inputs to .build-fuzz/artifacts/<name>/.
# Exit status is libFuzzer's: non-zero when it found a crash.
set -euo pipefail

declare -A TARGETS=(
    [bootstrap]=FuzzBootstrapLoader
    [client-hello]=FuzzClientHello
    [metadata-exchange]=FuzzMetadataExchange
    [admin]=FuzzAdmin
)
# Largest input libFuzzer generates, per target.
declare -A MAX_LEN=(
    [bootstrap]=8192
    [client-hello]=4096
    [metadata-exchange]=4096
    [admin]=2048
)

cd "$(dirname "$0")/../.."
root=$PWD
scratch=${FUZZ_SCRATCH_PATH:-$root/.build-fuzz}

usage() {
    echo "usage: $0 <target> [seconds] [libFuzzer flags...] | $0 <target> replay <file>... | $0 list|corpus|all [seconds]" >&2
    echo "targets: ${!TARGETS[*]}" >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
name=$1
shift
if [[ $name == list ]]; then
    for target in "${!TARGETS[@]}"; do echo "$target ${TARGETS[$target]}"; done | sort
    exit 0
fi
if [[ $name == corpus ]]; then
    # Every seed (crash-* inputs included) through the replay tools of the normal debug build
    # (`swift build` makes them): no sanitizer build, a few seconds. Fails on the first crash.
    bin=$(swift build --show-bin-path)
    for target in $(printf '%s\n' "${!TARGETS[@]}" | sort); do
        product=${TARGETS[$target]}
        [[ -x $bin/$product ]] || swift build --product "$product" >&2
        "$bin/$product" "$root/Tests/Fuzz/Corpus/$target"/* >/dev/null
        echo "replayed $(ls "$root/Tests/Fuzz/Corpus/$target" | wc -l) $target inputs" >&2
    done
    exit 0
fi
if [[ $name == all ]]; then
    for target in $(printf '%s\n' "${!TARGETS[@]}" | sort); do
        echo "== $target" >&2
        "$0" "$target" "${1:-30}"
    done
    exit 0
fi
product=${TARGETS[$name]:-}
[[ -n $product ]] || usage

swift build -c debug --scratch-path "$scratch" --product "$product" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING >&2
binary=$(swift build -c debug --scratch-path "$scratch" --show-bin-path)/$product

# Swift's runtime keeps metadata caches alive to exit, which LeakSanitizer reports as leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}

if [[ ${1:-} == replay ]]; then
    shift
    exec "$binary" -runs=1 "$@"
fi

seconds=${1:-60}
[[ $# -ge 1 ]] && shift
corpus=$scratch/corpus/$name
artifacts=$scratch/artifacts/$name
mkdir -p "$corpus" "$artifacts"
exec "$binary" "$corpus" "$root/Tests/Fuzz/Corpus/$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${MAX_LEN[$name]}" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$@"
