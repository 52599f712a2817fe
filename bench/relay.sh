#!/usr/bin/env bash
# Relayed throughput: p2p's relay against Nebula 1.6's relay, in the same run (a benchmark, not a test).
#
# Topology: three namespaces p2pt-rly-a, p2pt-rly-b, p2pt-rly-r. A and B each have one veth link,
# to R; R holds the servers' address 198.18.0.1 and forwards nothing (ip_forward=0, and nftables
# drops forwarded traffic besides), so A and B cannot reach each other: everything between them
# crosses a relay on R.
#  - p2p, for each distribution given: R runs `p2p servers -dht-listen 198.18.0.1:PORT
#    -proxy-listen 198.18.0.1:PORT+1` (the bootstrap server and the relay in one JVM); A and B run
#    a daemon each and start one network with -dht on R and -fwd (relayed paths only). The relay's
#    cap per member (-rate, 1000 Mbit/s by default) is lifted to $RATE Mbit/s: Nebula's relay has none.
#  - Nebula (/usr/bin/nebula): R is the lighthouse and the relay (relay.am_relay), A and B name it
#    as their relay (relay.relays, use_relays); their direct handshakes fail for want of a route.
# Every setup runs side by side; then RUNS rounds, each an iperf3 TCP run B -> A of SECONDS_PER_RUN
# seconds through Nebula and through each distribution in turn (so that load from elsewhere on the
# machine falls on all alike). Prints Mbit/s per run and its ratio to Nebula's in the same round,
# then per setup: the relay process's CPU seconds per GB relayed, its RSS under traffic (the
# largest of samples taken every second of every run) and its peak since start (VmHWM). NMT=1 starts the p2p servers with -XX:NativeMemoryTracking=summary
# and prints `jcmd PID VM.native_memory summary` taken under traffic, for each distribution;
# SERVERS_JAVA_OPTS adds JVM options to the servers of every distribution (to try some), and
# SERVERS_TCP=1 gives both servers their stream ports too (-dht-tcp, -proxy-tcp: TLS, idle).
# Needs root, iperf3, nft, python3, bc. Usage: bench/relay.sh [DIST ...] (default launcher/target/p2p)
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "bench/relay.sh needs root" >&2; exit 1; }
[ $# -gt 0 ] || set -- launcher/target/p2p
dists=()
for d in "$@"; do dists+=("$(readlink -f "$d")"); done
secs=${SECONDS_PER_RUN:-10}
runs=${RUNS:-3}
a=p2pt-rly-a; b=p2pt-rly-b; r=p2pt-rly-r
srv=198.18.0.1
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do # up to 5 s for them to end, then by force
    alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in $a $b $r; do ip netns del $ns 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for ns in $a $b $r; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add p2pt-rly-ar netns $a type veth peer name p2pt-rly-ra netns $r
ip link add p2pt-rly-br netns $b type veth peer name p2pt-rly-rb netns $r
ip -n $a addr add 10.201.1.2/24 dev p2pt-rly-ar; ip -n $r addr add 10.201.1.1/24 dev p2pt-rly-ra
ip -n $b addr add 10.201.2.2/24 dev p2pt-rly-br; ip -n $r addr add 10.201.2.1/24 dev p2pt-rly-rb
ip -n $r addr add $srv/32 dev lo
for l in "$a p2pt-rly-ar" "$b p2pt-rly-br" "$r p2pt-rly-ra" "$r p2pt-rly-rb"; do
  set -- $l; ip -n "$1" link set "$2" up
done
ip -n $a route add $srv/32 via 10.201.1.1; ip -n $b route add $srv/32 via 10.201.2.1
ip netns exec $r sysctl -qw net.ipv4.ip_forward=0
ip netns exec $r nft -f - <<'EOF'
table inet p2pt { chain forward { type filter hook forward priority 0; policy drop; }; }
EOF

mbit() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))'; }
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
bg() { "$@" & pids+=($!); }
until_ok() { # until_ok SECONDS WHAT COMMAND...: retries COMMAND until it succeeds, or fails the script
  local limit=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" > /dev/null 2>&1; do
    [ "$(date +%s)" -lt "$limit" ] || { echo "bench/relay.sh: $what did not happen" >&2; tail -20 "$work"/*.log >&2; exit 1; }
    sleep 0.1
  done
}

# ---- Nebula: lighthouse and relay on R ----
neb="$work/nebula"; mkdir -p "$neb"
nebula-cert ca -name p2pt-rly -out-crt "$neb/ca.crt" -out-key "$neb/ca.key"
i=1
for n in r a b; do
  nebula-cert sign -ca-crt "$neb/ca.crt" -ca-key "$neb/ca.key" -name $n -ip 10.99.0.$i/24 \
    -out-crt "$neb/$n.crt" -out-key "$neb/$n.key"
  if [ $n = r ]; then
    role="lighthouse: {am_lighthouse: true}
listen: {host: $srv, port: 4242}
relay: {am_relay: true, use_relays: false}"
  else
    role="static_host_map: {'10.99.0.1': ['$srv:4242']}
lighthouse: {am_lighthouse: false, interval: 60, hosts: ['10.99.0.1']}
listen: {host: 0.0.0.0, port: 4242}
relay: {relays: ['10.99.0.1'], am_relay: false, use_relays: true}"
  fi
  cat > "$neb/$n.yml" <<EOF
pki: {ca: $neb/ca.crt, cert: $neb/$n.crt, key: $neb/$n.key}
$role
punchy: {punch: true}
tun: {dev: p2pt-rly-n$n}
logging: {level: warning}
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: any, host: any}]
EOF
  i=$((i + 1))
done
bg ip netns exec $r nebula -config "$neb/r.yml" > "$work/nebula-r.log" 2>&1; nebula_relay=${pids[-1]}
bg ip netns exec $a nebula -config "$neb/a.yml" > "$work/nebula-a.log" 2>&1
bg ip netns exec $b nebula -config "$neb/b.yml" > "$work/nebula-b.log" 2>&1
until_ok 30 "a Nebula ping from B to A through the relay" ip netns exec $b ping -c1 -W0.5 10.99.0.2
bg ip netns exec $a iperf3 -s -B 10.99.0.2 -p 5299 > /dev/null 2>&1

# ---- p2p: the servers on R, a daemon in A and in B, for each distribution ----
key=$("${dists[0]}/bin/p2p" keygen)
relays=(); overlays=(); ports=()
for k in "${!dists[@]}"; do
  p2p="${dists[$k]}/bin/p2p"
  dport=$((6881 + 10 * k)); rpc=$((52523 + k)); net=$((70 + k))
  mkdir -p "$work/r$k" "$work/a$k" "$work/b$k"
  opts="${SERVERS_JAVA_OPTS:-}"; [ "${NMT:-0}" = 1 ] && opts="$opts -XX:NativeMemoryTracking=summary"
  tcp=(); [ "${SERVERS_TCP:-0}" = 1 ] && tcp=(-dht-tcp $srv:$((8443 + k)) -proxy-tcp $srv:$((443 + k)))
  P2P_STATE_DIR="$work/r$k" P2P_JAVA_OPTS="$opts" bg ip netns exec $r "$p2p" servers \
    -dht-listen $srv:$dport -proxy-listen $srv:$((dport + 1)) -rate "${RATE:-100000}" "${tcp[@]}" > "$work/servers$k.log" 2>&1
  relays+=("${pids[-1]}")
  for ns in a b; do
    P2P_STATE_DIR="$work/$ns$k" bg ip netns exec p2pt-rly-$ns "$p2p" daemon -rpc-port $rpc > "$work/daemon-$ns$k.log" 2>&1
  done
  for ns in a b; do until_ok 30 "daemon $ns$k's control socket" test -S "$work/$ns$k/control/rpc-$rpc.sock"; done
  until_ok 10 "the servers of ${dists[$k]}" grep -q "Relay server listening" "$work/servers$k.log"
  i=1
  for ns in a b; do
    P2P_STATE_DIR="$work/$ns$k" ip netns exec p2pt-rly-$ns "$p2p" start -rpc-port $rpc -ip 10.$net.0.$i -hash relay$k \
      -key "$key" -dht $srv:$dport -fwd > /dev/null
    i=$((i + 1))
  done
  until_ok 60 "a p2p ping from B to A through the relay (${dists[$k]})" ip netns exec $b ping -c1 -W0.5 10.$net.0.1
  port=$((5201 + k))
  bg ip netns exec $a iperf3 -s -B 10.$net.0.1 -p $port > /dev/null 2>&1
  overlays+=("10.$net.0.1"); ports+=("$port")
done
sleep 0.5
for k in "${!dists[@]}"; do # warm-up: the relay's and the daemons' data paths compiled
  ip netns exec $b iperf3 -c "${overlays[$k]}" -p "${ports[$k]}" -t 5 > /dev/null
done
ip netns exec $b iperf3 -c 10.99.0.2 -p 5299 -t 5 > /dev/null

# one measured run: measure NAME PID HOST PORT; sets M (Mbit/s), adds to the setup's bytes and CPU
declare -A bytes cpu rss
measure() {
  local name=$1 pid=$2 host=$3 port=$4 c0 c1 sampler r
  c0=$(cpu_s "$pid")
  ( m=0; for _ in $(seq $((secs - 1))); do sleep 1; r=$(rss_mb "$pid"); [ "$r" -gt $m ] && m=$r; done
    echo $m > "$work/rss-$name" ) & sampler=$!
  M=$(ip netns exec $b iperf3 -c "$host" -p "$port" -t "$secs" -J | mbit)
  wait $sampler
  c1=$(cpu_s "$pid")
  bytes[$name]=$(( ${bytes[$name]:-0} + M * 1000000 / 8 * secs ))
  cpu[$name]=$(echo "${cpu[$name]:-0} + $c1 - $c0" | bc)
  r=$(cat "$work/rss-$name"); if [ "$r" -gt "${rss[$name]:-0}" ]; then rss[$name]=$r; fi
}
# NMT of distribution K's servers (pid PID), taken in the middle of an iperf3 run through them
nmt_under_traffic() {
  local k=$1 pid=$2 client
  ip netns exec $b iperf3 -c "${overlays[$k]}" -p "${ports[$k]}" -t 6 > /dev/null & client=$!
  sleep 3; jcmd "$pid" VM.native_memory summary > "$work/nmt-p2p$k" 2>&1 || true
  wait $client
}

echo "iperf3 TCP B -> A through the relay, ${secs} s per run; Nebula $(nebula -version | awk '{print $2}')"
for k in "${!dists[@]}"; do echo "p2p[$k]: ${dists[$k]}"; done
printf '%-4s %14s' run "Nebula Mbit/s"
for k in "${!dists[@]}"; do printf ' %14s %8s' "p2p[$k] Mbit/s" "/Nebula"; done
echo
for run in $(seq "$runs"); do
  measure nebula "$nebula_relay" 10.99.0.2 5299; n=$M
  printf '%-4s %14s' "$run" "$n"
  for k in "${!dists[@]}"; do
    measure "p2p$k" "${relays[$k]}" "${overlays[$k]}" "${ports[$k]}"
    printf ' %14s %8s' "$M" "$(echo "scale=2; $M / $n" | bc)"
  done
  echo
done
echo "relay process: CPU s per GB relayed, RSS under traffic (largest sample), peak RSS (VmHWM)"
for name in nebula $(for k in "${!dists[@]}"; do echo "p2p$k"; done); do
  pid=$nebula_relay; [ "$name" = nebula ] || pid=${relays[${name#p2p}]}
  printf '  %-7s %6s s/GB %5s MB %5s MB\n' "$name" \
    "$(echo "scale=2; ${cpu[$name]} / (${bytes[$name]} / 1000000000)" | bc)" "${rss[$name]}" "$(hwm_mb "$pid")"
done
if [ "${NMT:-0}" = 1 ]; then
  for k in "${!dists[@]}"; do
    nmt_under_traffic "$k" "${relays[$k]}"
    echo "---- p2p[$k] servers under relayed traffic: jcmd VM.native_memory summary"
    grep -E '^(Total|-  *[A-Z][A-Za-z ]+ \(reserved)' "$work/nmt-p2p$k" | sed 's/^-  */  /' || cat "$work/nmt-p2p$k"
  done
fi
