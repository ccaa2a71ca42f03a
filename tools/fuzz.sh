#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: `tools/fuzz.sh TARGET SECONDS`.
# TARGET: fuzz_cpl | fuzz_case_yaml | fuzz_case_json | fuzz_eval | fuzz_batch | fuzz_server | fuzz_lsp | fuzz_fhir | all
# (each in turn).
# Builds build-fuzz/ with clang (ASan + UBSan + libFuzzer) when needed, seeds the corpus from
# rules/ and tests/, and keeps the corpus in build-fuzz/corpus/TARGET between runs. A crash,
# leak or timeout is saved to build-fuzz/artifacts/TARGET/ and makes the script exit 1.
# Environment: FUZZ_BUILD (build dir, default build-fuzz), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=${1:?usage: tools/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: tools/fuzz.sh TARGET SECONDS}
build=${FUZZ_BUILD:-build-fuzz}
targets=(fuzz_cpl fuzz_case_yaml fuzz_case_json fuzz_eval fuzz_batch fuzz_server fuzz_lsp fuzz_fhir)

if [[ "$target" == all ]]; then
  status=0
  for t in "${targets[@]}"; do bash "$0" "$t" "$seconds" || status=1; done
  exit $status
fi
if [[ ! " ${targets[*]} " == *" $target "* ]]; then
  echo "unknown target \`$target\`; one of: ${targets[*]} all" >&2
  exit 2
fi

clangxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z "$clangxx" ]] || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: clang and its libFuzzer runtime (apt-get install clang-14 libclang-rt-14-dev) are needed; skipped" >&2
  exit 0
fi

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$clangxx" \
    -DCOVCHECK_FUZZ=ON -DCOVCHECK_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target "$target"

# Seeds: the real inputs of the project for each target.
seeds="$build/seeds/$target"
rm -rf "$seeds" && mkdir -p "$seeds"
case "$target" in
  fuzz_cpl)
    find rules tests -name '*.cpl' -exec cp --backup=numbered -t "$seeds" {} + ;;
  fuzz_case_yaml)
    find rules tests -path '*/cases/*' \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
      -exec cp --backup=numbered -t "$seeds" {} +
    [[ -d tests/bad/cases ]] && find tests/bad/cases -type f ! -name '*.expected' -exec cp --backup=numbered -t "$seeds" {} + ;;
  fuzz_case_json)
    n=0
    while IFS= read -r f; do
      python3 -c 'import json,sys,yaml' 2>/dev/null || break
      python3 - "$f" "$seeds/case$n.json" <<'PY' || true
import datetime, json, sys, yaml
def plain(v):
    if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()
    if isinstance(v, dict): return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    return v
json.dump(plain(yaml.safe_load(open(sys.argv[1]))), open(sys.argv[2], "w"))
PY
      n=$((n + 1))
    done < <(find rules -path '*/cases/*' -name '*.yaml' | sort | head -80)
    find rules tests -name '*.jsonl' -exec sh -c 'head -c 4000 "$1" | head -n 1 > "$2/$(basename "$1").json"' _ {} "$seeds" \; ;;
  fuzz_eval)
    for i in $(seq 1 32); do head -c 256 /dev/urandom > "$seeds/random$i"; done ;;
  fuzz_batch)
    # Byte 0: bit 0 YAML stream (else JSON Lines), bits 1-2 the output mode, bits 3-7 the chunk
    # size of the second run. Then the stream: workload records (some broken), YAML documents.
    workload=tests/data/workload/cases.jsonl
    for mode in 0 2 4; do
      { printf "\\x$(printf %02x $((mode | 0x40)))"; head -n 6 "$workload"; } > "$seeds/jsonl$mode"
      { printf "\\x$(printf %02x $((mode | 0x09)))"; head -c 3000 tests/data/workload/cases-300.yaml; } > "$seeds/yaml$mode"
    done
    { printf '\x10'; head -n 2 "$workload"; printf '{"id":"x",}\n\n  \nnot json\n{"id":"y","patient":{"birth_date":"2026-02-30"}}\n'; head -n 1 "$workload" | head -c 200; } > "$seeds/jsonl_errors"
    { printf '\x01'; for f in $(find rules/acme/cases -name '*.yaml' | sort | head -n 4); do echo ---; cat "$f"; done; printf -- '---\n---\n[1, 2\n'; } > "$seeds/yaml_errors"
    n=0
    for f in tests/bad/cases/*; do
      [[ "$f" == *.expected ]] && continue
      { printf '\x01---\n'; cat "$f"; } > "$seeds/bad$n"; n=$((n + 1))
    done ;;
  fuzz_server)
    # Byte 0: bit 0 /v1/batch (else /v1/check), bits 1-3 the content type (7: the next line
    # is the type); then a line with the query string, then the body.
    n=0
    for f in $(find rules/acme/cases -name '*.yaml' | sort | head -n 12); do
      { printf '\x04\n'; cat "$f"; } > "$seeds/check_yaml$n"
      { printf '\x04trace=true&as_of=2026-03-01\n'; cat "$f"; } > "$seeds/check_yaml_query$n"
      n=$((n + 1))
    done
    for f in tests/bad/cases/*.json; do
      { printf '\x02\n'; cat "$f"; } > "$seeds/check_json_$(basename "$f")"
      { printf '\x0aas_of=2026-03-01\n'; cat "$f"; } > "$seeds/check_json_as_of_$(basename "$f")"
    done
    { printf '\x07\n'; head -n 8 tests/data/workload/cases.jsonl; printf 'not json\n\n{"id":1}\n'; } > "$seeds/batch"
    { printf '\x07trace=true\n'; head -n 3 tests/data/workload/cases.jsonl; } > "$seeds/batch_trace"
    { printf '\x0fapplication/x-ndjson; charset=utf-8\nas_of=bad\n'; head -n 2 tests/data/workload/cases.jsonl; } > "$seeds/batch_custom_type"
    { printf '\x0etext/csv\n\n'; echo 'id,date'; } > "$seeds/check_unsupported" ;;
  fuzz_lsp)
    # Byte 0: bit 0 initialize first; then framed messages: a session over each shipped
    # policy (open, edit, every request), and a few broken frames.
    python3 - "$seeds" rules/*/*.cpl <<'PY'
import json, sys
seeds, files = sys.argv[1], sys.argv[2:]
def frame(m):
    body = json.dumps(m).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
for n, path in enumerate(files):
    text = open(path, encoding="utf-8").read()
    uri = "file:///fuzz/" + path
    doc = {"uri": uri}
    at = lambda line, ch: {"textDocument": doc, "position": {"line": line, "character": ch}}
    msgs = [{"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": uri, "languageId": "cpl", "version": 1, "text": text}}}]
    for i, (method, params) in enumerate([
            ("textDocument/hover", at(20, 12)), ("textDocument/definition", at(25, 10)),
            ("textDocument/references", dict(at(30, 8), context={"includeDeclaration": True})),
            ("textDocument/completion", at(22, 15)), ("textDocument/documentSymbol", {"textDocument": doc}),
            ("textDocument/foldingRange", {"textDocument": doc}), ("textDocument/formatting", {"textDocument": doc}),
            ("textDocument/codeAction", {"textDocument": doc, "range": {"start": {"line": 0, "character": 0},
                                                                        "end": {"line": 99, "character": 0}}})]):
        msgs.append({"jsonrpc": "2.0", "id": i + 1, "method": method, "params": params})
    msgs.append({"jsonrpc": "2.0", "method": "textDocument/didChange",
                 "params": {"textDocument": {"uri": uri, "version": 2},
                            "contentChanges": [{"range": {"start": {"line": 12, "character": 0}, "end": {"line": 12, "character": 4}},
                                                "text": "x."}]}})
    msgs.append({"jsonrpc": "2.0", "id": 99, "method": "textDocument/completion", "params": at(12, 2)})
    open(f"{seeds}/session{n}", "wb").write(b"\x01" + b"".join(frame(m) for m in msgs))
open(f"{seeds}/broken", "wb").write(b"\x00" + frame({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}) +
                                     b"Content-Length: x\r\n\r\n{}" + frame([1]) + frame({"jsonrpc": "2.0", "method": "exit"}))
PY
    ;;
  fuzz_fhir)
    # The Inferno CRD bundle, the hostile bundles, and bundles generated from example cases.
    cp tests/data/fhir/*.json "$seeds/"
    n=0
    while IFS= read -r f; do
      python3 tests/fhir/case_to_bundle.py "$f" "$seeds/bundle$n.json" /dev/null 2>/dev/null || true
      n=$((n + 1))
    done < <(find rules -path '*/cases/*' -name '*.yaml' | sort | head -40) ;;
esac

corpus="$build/corpus/$target"
artifacts="$build/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
dict=()
[[ -f "fuzz/$target.dict" ]] && dict=("-dict=fuzz/$target.dict")
echo "fuzz.sh: $target for ${seconds}s (corpus $corpus, artifacts $artifacts)"
set +e
# shellcheck disable=SC2086
nice -n 10 "$build/fuzz/$target" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=20 \
  -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "${dict[@]}" ${FUZZ_ARGS:-} >"$build/$target.log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|SUMMARY|stat::number_of_executed_units|stat::peak_rss' "$build/$target.log" || true
if ((status != 0)); then
  echo "fuzz.sh: $target found a problem (exit $status); see $build/$target.log and $artifacts/" >&2
  exit 1
fi
