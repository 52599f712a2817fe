#!/usr/bin/env bash
# Throughput benchmark of the overlay against the bare link, in the same run (not a test).
# Two network namespaces (p2pt-bench-a/b) joined by a veth pair; a p2p daemon in each starts
# the same network; then, three times each: iperf3 TCP for $SECONDS_PER_RUN s over the bare veth and
# over the overlay. Reports both, their ratio, ping RTT, start -> first ping, the daemons' CPU
# seconds per GB moved and their RSS. When tinc is installed (Debian package tinc, 1.0), the same
# is measured for tinc in switch mode (an L2 mesh VPN) between the same namespaces, as the anchor.
# Needs root, iperf3, ping, bc. Usage: bench/overlay.sh [DIST]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
dist=$(readlink -f "${1:-launcher/target/p2p}")
p2p="$dist/bin/p2p"
secs=${SECONDS_PER_RUN:-10}
runs=${RUNS:-3}
a=p2pt-bench-a; b=p2pt-bench-b
work=$(mktemp -d)
cleanup() {
  pkill -f "iperf3 -s -B 10.77" 2>/dev/null || true
  pkill -f "iperf3 -s -B 10.88" 2>/dev/null || true
  pkill -f "iperf3 -s -B 192.168.177" 2>/dev/null || true
  pkill -f "tincd -c $work" 2>/dev/null || true
  for ns in $a $b; do
    [ -f "$work/$ns.pid" ] && kill "$(cat "$work/$ns.pid")" 2>/dev/null || true
  done
  sleep 0.5
  pkill -9 -f "tincd -c $work" 2>/dev/null || true # one that ignored SIGTERM would outlive its namespace
  ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench/overlay.sh needs root" >&2; exit 1; }
veth_pair $a $b p2pt-bva p2pt-bvb 192.168.177.1 192.168.177.2

i=1
for ns in $a $b; do
  mkdir -p "$work/$ns"
  P2P_STATE_DIR="$work/$ns" ip netns exec $ns "$p2p" daemon > "$work/$ns.log" 2>&1 &
  echo $! > "$work/$ns.pid"
  until [ -S "$work/$ns/control/rpc-52523.sock" ]; do sleep 0.05; done # the control socket (docs/control-api.md)
done
sleep 0.5
key=$("$p2p" keygen) # a strong key: a weak one is warned about
P2P_STATE_DIR="$work/$a" ip netns exec $a "$p2p" start -ip 10.77.0.1 -hash bench -key "$key" > /dev/null
t0=$(now_ms)
P2P_STATE_DIR="$work/$b" ip netns exec $b "$p2p" start -ip 10.77.0.2 -hash bench -key "$key" > /dev/null
until ip netns exec $b ping -c1 -W0.05 10.77.0.1 > /dev/null 2>&1; do :; done
first=$(( $(now_ms) - t0 ))
ip netns exec $a iperf3 -s -B 10.77.0.1 -D > /dev/null
ip netns exec $a iperf3 -s -B 192.168.177.1 -p 5202 -D > /dev/null
sleep 0.5
ip netns exec $b iperf3 -c 10.77.0.1 -t 3 > /dev/null   # warm-up of the JIT
pa=$(pgrep -f "p2p.launcher.Main daemon" | head -1); pb=$(pgrep -f "p2p.launcher.Main daemon" | tail -1)
echo "distribution: $dist   iperf3 TCP, ${secs} s per run"
printf '%-4s %16s %16s %8s\n' run "bare veth Mbit/s" "overlay Mbit/s" ratio
bytes=0; cpu0=$(echo "$(cpu_s $pa) + $(cpu_s $pb)" | bc)
for r in $(seq "$runs"); do
  bare=$(ip netns exec $b iperf3 -c 192.168.177.1 -p 5202 -t "$secs" -J | mbit)
  over=$(ip netns exec $b iperf3 -c 10.77.0.1 -t "$secs" -J | mbit)
  bytes=$(( bytes + over * 1000000 / 8 * secs ))
  printf '%-4s %16s %16s %8s\n' "$r" "$bare" "$over" "$(echo "scale=3; $over / $bare" | bc)"
done
cpu1=$(echo "$(cpu_s $pa) + $(cpu_s $pb)" | bc)
echo "daemons' CPU per GB over the overlay: $(echo "scale=1; ($cpu1 - $cpu0) / ($bytes / 1000000000)" | bc) s"
echo "start of the second member -> first ping: ${first} ms"
echo "overlay ping: $(ip netns exec $b ping -c 50 -i 0.02 -q 10.77.0.1 | tail -1)"
echo "bare ping:    $(ip netns exec $b ping -c 50 -i 0.02 -q 192.168.177.1 | tail -1)"
echo "daemon RSS: $(( $(rss_kb $pa) / 1024 )) MB and $(( $(rss_kb $pb) / 1024 )) MB"

# ---- the anchor: tinc 1.0 in switch mode, same namespaces, same link ----
if command -v tincd > /dev/null; then
  tinc_pair "$work" 192.168.177.1 192.168.177.2 10.88.0.1 10.88.0.2 p2pt-tinc
  ip netns exec $a tincd -c "$work/tinc-a" --pidfile="$work/tinc-a.pid" > /dev/null 2>&1
  ip netns exec $b tincd -c "$work/tinc-b" --pidfile="$work/tinc-b.pid" > /dev/null 2>&1
  until ip netns exec $b ping -c1 -W0.2 10.88.0.1 > /dev/null 2>&1; do :; done
  ip netns exec $a iperf3 -s -B 10.88.0.1 -p 5203 -D > /dev/null
  sleep 0.5
  printf '%-4s %16s %16s %8s\n' run "tinc Mbit/s" "p2p Mbit/s" "p2p/tinc"
  for r in $(seq "$runs"); do
    tinc=$(ip netns exec $b iperf3 -c 10.88.0.1 -p 5203 -t "$secs" -J | mbit)
    over=$(ip netns exec $b iperf3 -c 10.77.0.1 -t "$secs" -J | mbit)
    printf '%-4s %16s %16s %8s\n' "$r" "$tinc" "$over" "$(echo "scale=2; $over / $tinc" | bc)"
  done
  echo "tinc ping:    $(ip netns exec $b ping -c 50 -i 0.02 -q 10.88.0.1 | tail -1)"
  kill "$(cat "$work/tinc-a.pid")" "$(cat "$work/tinc-b.pid")" 2>/dev/null || true
else
  echo "tinc is not installed (apt-get install tinc): no anchor measured"
fi
