#!/usr/bin/env bash
# Fuzzes every network parser (each @FuzzTest of the project) for $RUNS inputs (default 10^6), one
# Jazzer run per fuzz test (Jazzer fuzzes one test per JVM), and prints a table: fuzz test, inputs
# run, seconds, result. The build runs the same tests for fuzz.runs inputs each (the surefire
# execution "fuzz" of the parent pom); this is the long run whose numbers go in reports. A finding
# is written under the module's target/fuzz/ and named in the output. Not a test: run it by hand,
# offline, after `mvn -B -o -q install -DskipTests`. Usage: bench/fuzz.sh [RUNS] [CLASS...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# every class with a @FuzzTest, with its module
mapfile -t tests < <(grep -rl --include='*Test.java' '@FuzzTest' bundles launcher | sort)
printf '%-58s %12s %8s  %s\n' "fuzz test" "inputs" "seconds" "result"
failed=0
for file in "${tests[@]}"; do
  module=${file%%/src/test/*}
  class=$(basename "$file" .java)
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$class"; then
    continue
  fi
  start=$(date +%s)
  if mvn -B -o test-compile surefire:test@fuzz -pl "$module" -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dfuzz.skip=false -Dfuzz.runs="$runs" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED: $(grep -m1 -o 'FuzzTestFindingException: [^)]*' "$log" || grep -m1 'ERROR' "$log")"
    failed=1
  fi
  done_line=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 || true)
  inputs=$(echo "$done_line" | awk '{print $2}')
  secs=$(echo "$done_line" | awk '{print $5}')
  [ -n "$inputs" ] || { inputs="-"; secs=$(( $(date +%s) - start )); }
  printf '%-58s %12s %8s  %s\n' "$module/$class" "$inputs" "$secs" "$result"
  grep -o 'Test unit written to [^ ]*' "$log" | sed 's/^/    /' || true
done
exit $failed
