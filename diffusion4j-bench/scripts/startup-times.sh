#!/usr/bin/env bash
# Start-up times of d4j (docs/performance.md, "Start-up"): each variant ROUNDS times (default 9), interleaved, wall
# time of the whole process, then the medians. BEFORE=path/to/an/older/diffusion4j-cli.jar (with its lib/ beside it)
# adds that jar's rows. Run from the repository root after ./d4j --version (which builds the jar and the archive).
set -euo pipefail
rounds="${ROUNDS:-9}"
jar=diffusion4j-cli/target/diffusion4j-cli.jar
cds=(-XX:SharedArchiveFile=diffusion4j-cli/target/diffusion4j-cli.jsa -Xlog:cds=off -Xlog:cds+dynamic=off)
java_line=(java -Dai.djl.offline=true -Djava.awt.headless=true)
out="$(mktemp -d)"
sample=(sample --model gmm:eight-gaussians --sampler dpmpp-2m --steps 20 --n 1000 --out "$out/x.npy" --quiet)
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-67108864}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-268435456}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"

run() { # name command...
  local name="$1" start end
  shift
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$name $(echo "$end - $start" | bc)" >>"$out/raw"
}

for _ in $(seq "$rounds"); do
  if [ -n "${BEFORE:-}" ]; then
    run before_help "${java_line[@]}" -jar "$BEFORE" --help
    run before_sample "${java_line[@]}" -jar "$BEFORE" "${sample[@]}"
    run before_version "${java_line[@]}" -jar "$BEFORE" --version
  fi
  run named_command_sample "${java_line[@]}" -jar "$jar" "${sample[@]}"
  run archive_help "${java_line[@]}" "${cds[@]}" -jar "$jar" --help
  run archive_sample "${java_line[@]}" "${cds[@]}" -jar "$jar" "${sample[@]}"
  run archive_version "${java_line[@]}" "${cds[@]}" -jar "$jar" --version
  run launcher_help ./d4j --help
  run launcher_sample ./d4j "${sample[@]}"
done
sort -k1,1 -k2,2n "$out/raw" | awk '
  function flush() { if (m) printf "%-22s median %.3f s  min %.3f  max %.3f  (%d runs)\n", key,
      (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2, v[1], v[m], m }
  $1 != key { flush(); key = $1; m = 0 }
  { v[++m] = $2 }
  END { flush() }'
rm -rf "$out"
