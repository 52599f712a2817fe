#!/usr/bin/env bash
# Runtime benchmark of the built distribution (not part of the test suite):
#  - cold start of `p2p daemon` until the control API answers (median of N starts)
#  - resident memory of the idle daemon
#  - wall time of `p2p version` and `p2p show` against a running daemon (median of M runs)
# Everything runs inside a network namespace this script creates (p2pt-bench-*) and deletes.
# Needs root. Usage: bench/runtime.sh [DIST] (default launcher/target/p2p)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
dist=$(readlink -f "${1:-launcher/target/p2p}")
p2p="$dist/bin/p2p"
starts=${STARTS:-5}
calls=${CALLS:-10}
ns="p2pt-bench-$$"
state=$(mktemp -d)
port=52523
pid=""

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh needs root" >&2; exit 1; }
ip netns add "$ns"
ip -n "$ns" link set lo up

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

start_daemon() {
  P2P_JAVA_OPTS="${P2P_JAVA_OPTS:-}" P2P_STATE_DIR="$state" ip netns exec "$ns" "$p2p" daemon -rpc-port "$port" > "$state.log" 2>&1 &
  pid=$!
}

stop_daemon() {
  kill -TERM "$pid"; wait "$pid" || true; pid=""
}

echo "distribution: $dist"
startup=()
for i in $(seq "$starts"); do
  t0=$(now_ms)
  start_daemon
  until api_up "$state/control/rpc-$port.sock"; do
    kill -0 "$pid" 2>/dev/null || { echo "daemon died:"; cat "$state.log"; exit 1; }
    sleep 0.01
  done
  startup+=($(( $(now_ms) - t0 )))
  [ "$i" -lt "$starts" ] && stop_daemon
done
echo "cold start until the API answers (ms): ${startup[*]} -> median $(printf '%s\n' "${startup[@]}" | median)"

sleep "${IDLE_SECONDS:-5}"
java_pid=$(pgrep -f "p2p.launcher.Main daemon -rpc-port $port" | head -1)
rss_kb=$(rss_kb "$java_pid")
echo "idle RSS after ${IDLE_SECONDS:-5} s: $(( rss_kb / 1024 )) MB ($rss_kb kB)"

for cmd in "version" "show -rpc-port $port"; do
  times=()
  for i in $(seq "$calls"); do
    t0=$(now_ms)
    P2P_STATE_DIR="$state" ip netns exec "$ns" "$p2p" $cmd > /dev/null
    times+=($(( $(now_ms) - t0 )))
  done
  echo "p2p $cmd (ms): ${times[*]} -> median $(printf '%s\n' "${times[@]}" | median)"
done
# the same without `ip netns exec` in the measurement: time of `ip netns exec true` alone
times=()
for i in $(seq "$calls"); do
  t0=$(now_ms); ip netns exec "$ns" true; times+=($(( $(now_ms) - t0 )))
done
echo "ip netns exec true alone (ms): median $(printf '%s\n' "${times[@]}" | median)"
stop_daemon
