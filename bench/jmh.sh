#!/usr/bin/env bash
# JMH benchmarks (not tests): the data path's seal and seal+open per data AEAD
# (bench/jmh/src/main/java/io/subutai/p2p/bench/SealOpenBenchmark.java) and one whole handshake per
# crypto suite (HandshakeBenchmark.java, e.g. bench/jmh.sh HandshakeBenchmark). Builds bench/jmh and the
# bundles it runs (package only, nothing installed) when bench/jmh/target/benchmarks.jar is missing
# or older than their sources, runs JMH in one fork, then prints per suite and size: packets/s,
# ns per packet and Gbit/s of plaintext (= ops/s x size x 8 / 1e9).
# Usage: bench/jmh.sh [JMH ARGS...], e.g. bench/jmh.sh -p size=1515 'SealOpenBenchmark.seal$'
#   JMH_OPTS   replaces the run-length defaults "-f 1 -wi 3 -w 2s -i 5 -r 2s" (JMH refuses an
#              option given twice, so change those here rather than in the arguments; -foe true,
#              -rf and -rff are always set by this script)
#   MVN_ARGS   added to the build's mvn command (e.g. -o)
# The default run (seal/open: 2 AEADs x 5 sizes x 2 benchmarks; handshakes: 2 suites; ~17 s each)
# takes about 6.5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=bench/jmh/target/benchmarks.jar
sources=(pom.xml bench/jmh/pom.xml bench/jmh/src bundles/api/pom.xml bundles/api/src bundles/crypto/pom.xml bundles/crypto/src bundles/crypto-pq/pom.xml bundles/crypto-pq/bnd.bnd bundles/crypto-pq/src)
if [ ! -f "$jar" ] || [ -n "$(find "${sources[@]}" -newer "$jar" -print -quit)" ]; then
  echo "bench/jmh.sh: building $jar" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS:-} -pl bench/jmh -am package -DskipTests
fi
read -r -a opts <<< "${JMH_OPTS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
# -foe: a benchmark that throws fails the run (JMH would go on, and exit 0)
java -jar "$jar" "${opts[@]}" -foe true -rf csv -rff "$csv" "$@"
[ -s "$csv" ] || exit 0 # -l, -h and the like measure nothing
echo
awk -F, '
  function unq(s) { gsub(/^"|"$/, "", s); return s }
  { sub(/\r$/, "") } # JMH ends its CSV lines with CRLF
  NR == 1 {
    for (i = 1; i <= NF; i++) { h = unq($i); col[h] = i }
    printf "%-10s %-18s %6s %14s %7s %10s %8s\n", "benchmark", "suite", "size", "ops/s", "+-", "ns/op", "Gbit/s"
    next
  }
  {
    name = unq($col["Benchmark"]); sub(/.*\./, "", name)
    score = unq($col["Score"]) + 0; err = unq($col["Score Error (99.9%)"]); unit = unq($col["Unit"])
    size = ("Param: size" in col) ? unq($col["Param: size"]) : ""
    suite = ("Param: suite" in col) ? unq($col["Param: suite"]) : ""
    # to operations per second, whatever -tu and -bm were
    f["ops/s"] = 1; f["ops/ms"] = 1e3; f["ops/us"] = 1e6; f["ops/ns"] = 1e9
    g["s/op"] = 1; g["ms/op"] = 1e-3; g["us/op"] = 1e-6; g["ns/op"] = 1e-9
    if (unit in f) ops = score * f[unit]; else if (unit in g) ops = 1 / (score * g[unit]); else ops = 0
    rel = (err ~ /^[0-9.eE+-]+$/ && score > 0) ? sprintf("%.1f%%", 100 * err / score) : "n/a"
    if (ops > 0) {
      gbit = (size != "") ? sprintf("%8.2f", ops * size * 8 / 1e9) : "       -"
      printf "%-10s %-18s %6s %14.0f %7s %10.1f %s\n", name, suite, size, ops, rel, 1e9 / ops, gbit
    } else {
      printf "%-10s %-18s %6s %s %s\n", name, suite, size, score, unit
    }
  }' "$csv"
