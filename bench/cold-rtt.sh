#!/usr/bin/env bash
# A first tunnel's latency, A/B over distributions (a benchmark, not a test): for each round and
# each distribution given, in turn (so that the machine's noise falls on all alike), two fresh
# daemons in namespaces p2pt-crt-a and p2pt-crt-b on a veth LAN, started one after the other, each
# followed by `p2p start` of one network; then
#  - first ping: from the first daemon's start to the first ping across the overlay, in ms;
#  - cold: 2 s later, 100 pings 20 ms apart: median, p90, average and largest RTT in ms;
#  - warm: the same after a 3 s iperf3 through the tunnel (its Mbit/s printed too);
#  - RSS: the first daemon's, in MB, before the iperf3.
# On a 2-core machine with a noisy host, a difference smaller than the spread of a few rounds is
# noise: compare medians over ROUNDS (default 3). P2P_JAVA_OPTS is passed to every daemon.
# Needs root, iperf3, ping, python3. Usage: [ROUNDS=N] bench/cold-rtt.sh [DIST ...] (default launcher/target/p2p)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "bench/cold-rtt.sh needs root" >&2; exit 1; }
for t in iperf3 ping python3; do command -v "$t" > /dev/null || { echo "needs $t" >&2; exit 1; }; done
dists=()
for d in "${@:-launcher/target/p2p}"; do dists+=("$(readlink -f "$d")"); done
rounds=${ROUNDS:-3}
a=p2pt-crt-a; b=p2pt-crt-b
work=$(mktemp -d)
pa=""; pb=""

cleanup() {
  for p in $pa $pb; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  pa=""; pb=""
  ip netns pids "$a" 2>/dev/null | xargs -r kill 2>/dev/null || true # iperf3
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
}
trap 'cleanup; rm -rf "$work"' EXIT

# stats: median, p90, average and largest of the RTTs in ping's output on standard input
stats() {
  grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -n \
    | awk '{v[NR]=$1; s+=$1} END {if (NR) printf "%.3f %.3f %.3f %.3f", v[int(NR/2)+1], v[int(NR*0.9)], s/NR, v[NR]; else print "- - - -"}'
}

# daemon DIST NS DIR: starts a daemon, waits for its API; prints its PID
daemon() {
  P2P_STATE_DIR=$3 ip netns exec "$2" "$1/bin/p2p" daemon > "$3.log" 2>&1 &
  local pid=$!
  until api_up "$3/control/rpc-52523.sock"; do
    kill -0 "$pid" 2>/dev/null || { echo "a daemon died:" >&2; cat "$3.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "$pid"
}

one() {
  local dist=$1 key t0 first cold warm bw rss
  veth_pair "$a" "$b" p2pt-crt-va p2pt-crt-vb 192.168.181.1 192.168.181.2
  rm -rf "$work/a" "$work/b"; mkdir -p "$work/a" "$work/b"
  key=$("$dist/bin/p2p" keygen)
  t0=$(now_ms)
  pa=$(daemon "$dist" "$a" "$work/a")
  P2P_STATE_DIR=$work/a ip netns exec "$a" "$dist/bin/p2p" start -ip 10.81.0.1 -hash crt -key "$key" > /dev/null
  pb=$(daemon "$dist" "$b" "$work/b")
  P2P_STATE_DIR=$work/b ip netns exec "$b" "$dist/bin/p2p" start -ip 10.81.0.2 -hash crt -key "$key" > /dev/null
  timeout 30 sh -c "until ip netns exec $b ping -c1 -W0.05 10.81.0.1 > /dev/null 2>&1; do :; done" \
    || { echo "no ping across within 30 s" >&2; exit 1; }
  first=$(( $(now_ms) - t0 ))
  sleep 2
  cold=$(ip netns exec "$b" ping -c 100 -i 0.02 10.81.0.1 | stats)
  rss=$(( $(rss_kb "$pa") / 1024 ))
  ip netns exec "$a" iperf3 -s -B 10.81.0.1 -D > /dev/null
  sleep 0.3
  bw=$(ip netns exec "$b" iperf3 -c 10.81.0.1 -t 3 -J | mbit)
  sleep 1
  warm=$(ip netns exec "$b" ping -c 100 -i 0.02 10.81.0.1 | stats)
  printf '%-5s %-40s %6s | %s | %s | %5s %4s\n' "$2" "$(basename "$(dirname "$dist")")/$(basename "$dist")" "$first" \
    "$cold" "$warm" "$bw" "$rss"
  cleanup
}

echo "round distribution                            first |      cold: med   p90   avg   max |      warm: med   p90   avg   max | iperf  RSS"
for r in $(seq "$rounds"); do
  for d in "${dists[@]}"; do
    one "$d" "$r"
  done
done
