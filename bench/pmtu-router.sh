#!/bin/bash
# One round of the PMTU benchmark: bash bench/pmtu-router.sh DIST [label]
# (DIST: a distribution directory, e.g. launcher/target/p2p). For an A/B, copy each build's
# distribution aside and interleave rounds of the two, e.g. under flock /tmp/p2p-e2e.lock.
# A --veth 1500-- R --veth 1280-- B; R forwards and runs the bootstrap server; daemons with -pmtu in A and B;
# iperf3 server in A on 10.94.0.1, client in B: -n 500M each way (B to A, then -R: A to B, across
# the link only probes find). Appends one result line to $RESULTS (default /tmp/pmtu-router.txt).
set -u
DIST=${1:?usage: $0 DIST [label]}
BUILD=$DIST
LABEL=${2:-$(basename "$DIST")}
[ -x "$DIST/bin/p2p" ] || { echo "no $DIST/bin/p2p" >&2; exit 2; }
P2P=$DIST/bin/p2p
NA=p2pt-ab-a; NR=p2pt-ab-r; NB=p2pt-ab-b
RESULTS=${RESULTS:-/tmp/pmtu-router.txt}
W=$(mktemp -d /tmp/p2pt-ab-run.XXXXXX)
PIDS=()

log() { echo "[$(date +%T)] $LABEL: $*" >&2; }

teardown() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for i in $(seq 1 50); do
    alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  # anything still inside our namespaces (started by this script only)
  for ns in $NA $NR $NB; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  if [ "${KEEP_LOGS:-0}" = 1 ]; then log "logs kept in $W"; else rm -rf "$W"; fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

fail() { log "FAIL: $*"; echo "$LABEL	$BUILD	FAIL: $*" >> "$RESULTS"; exit 1; }

# poll CMD until it succeeds or TIMEOUT seconds pass
poll() { local timeout=$1; shift; local end=$(( $(date +%s%N) + timeout * 1000000000 ));
  while ! "$@"; do [ "$(date +%s%N)" -ge $end ] && return 1; sleep 0.2; done; }

# ---- network
for ns in $NA $NR $NB; do
  ip netns list | grep -qw "$ns" && fail "namespace $ns exists already"
done
ip netns add $NA && ip netns add $NR && ip netns add $NB || fail "netns add"
ip link add p2pt-ab-a0 netns $NA type veth peer name p2pt-ab-ra netns $NR || fail "veth a-r"
ip link add p2pt-ab-b0 netns $NB type veth peer name p2pt-ab-rb netns $NR || fail "veth r-b"
ip -n $NA link set p2pt-ab-a0 mtu 1500 up
ip -n $NR link set p2pt-ab-ra mtu 1500 up
ip -n $NR link set p2pt-ab-rb mtu 1280 up
ip -n $NB link set p2pt-ab-b0 mtu 1280 up
for ns in $NA $NR $NB; do ip -n $ns link set lo up; done
ip -n $NA addr add 192.168.94.2/24 dev p2pt-ab-a0
ip -n $NR addr add 192.168.94.1/24 dev p2pt-ab-ra
ip -n $NR addr add 192.168.95.1/24 dev p2pt-ab-rb
ip -n $NB addr add 192.168.95.2/24 dev p2pt-ab-b0
ip -n $NA route add default via 192.168.94.1 || fail "route a"
ip -n $NB route add default via 192.168.95.1 || fail "route b"
ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1 || fail "forwarding"

# ---- bootstrap server in R
mkdir -p $W/state-r $W/state-a $W/state-b
P2P_STATE_DIR=$W/state-r ip netns exec $NR $P2P dht-server -listen :6881 -state $W/state-r/dht-server > $W/dht.log 2>&1 &
PIDS+=($!)
poll 20 grep -q listening $W/dht.log || fail "dht-server did not start: $(tail -5 $W/dht.log)"

# ---- daemons
P2P_STATE_DIR=$W/state-a ip netns exec $NA $P2P daemon -rpc-port 52523 -pmtu > $W/a.log 2>&1 &
PIDS+=($!)
P2P_STATE_DIR=$W/state-b ip netns exec $NB $P2P daemon -rpc-port 52523 -pmtu > $W/b.log 2>&1 &
PIDS+=($!)
pa() { P2P_STATE_DIR=$W/state-a ip netns exec $NA $P2P "$1" -rpc-port 52523 "${@:2}"; }
pb() { P2P_STATE_DIR=$W/state-b ip netns exec $NB $P2P "$1" -rpc-port 52523 "${@:2}"; }
poll 30 test -S $W/state-a/control/rpc-52523.sock || fail "daemon A: no control socket: $(tail -5 $W/a.log)"
poll 30 test -S $W/state-b/control/rpc-52523.sock || fail "daemon B: no control socket: $(tail -5 $W/b.log)"
poll 30 eval 'pa show >/dev/null 2>&1' || fail "daemon A API"
poll 30 eval 'pb show >/dev/null 2>&1' || fail "daemon B API"
pa start -ip 10.94.0.1 -hash ab-net -key ab-key-5k -dht 192.168.94.1:6881 >> $W/a.cli 2>&1 || fail "start a: $(cat $W/a.cli)"
pb start -ip 10.94.0.2 -hash ab-net -key ab-key-5k -dht 192.168.95.1:6881 >> $W/b.cli 2>&1 || fail "start b: $(cat $W/b.cli)"
T0=$(date +%s.%N)
poll 60 eval 'ip netns exec $NA ping -c1 -W1 -q 10.94.0.2 >/dev/null 2>&1' || fail "A never pinged 10.94.0.2"
log "A pings 10.94.0.2 after $(echo "$(date +%s.%N) - $T0" | bc) s"

# ---- wait until A's "Largest datagram" line is unchanged for 3 s (at most 10 s)
largest() { "$@" debug 2>/dev/null | grep "Largest datagram" | sed 's/^[[:space:]]*//' | paste -sd'|'; }
start=$(date +%s%N); prev=""; since=$start; settled=no
while :; do
  now=$(date +%s%N); cur=$(largest pa)
  if [ -n "$cur" ] && [ "$cur" = "$prev" ]; then
    [ $(( now - since )) -ge 3000000000 ] && { settled=yes; break; }
  else prev=$cur; since=$now; fi
  [ $(( now - start )) -ge 10000000000 ] && break
  sleep 0.25
done
SETTLE=$(echo "scale=1; ($(date +%s%N) - $start) / 1000000000" | bc)
LA=$(largest pa); LB=$(largest pb)
log "settled=$settled after ${SETTLE}s; A: $LA; B: $LB"
pa debug > $W/a-debug-before.txt 2>&1; pb debug > $W/b-debug-before.txt 2>&1

# ---- transfer
ctr() { ip netns exec "$1" nstat -asz "$2" | awk -v n="$2" '$1==n {print $2}'; }
ip netns exec $NA iperf3 -s -B 10.94.0.1 > $W/iperf-s.log 2>&1 &
PIDS+=($!)
poll 10 eval 'ip netns exec $NA ss -Hltn "sport = :5201" | grep -q 5201' || fail "iperf3 server not listening"
# counters: reassemblies in A and B, fragments created in A, R and B
snap() { echo "$(ctr $NA IpReasmOKs) $(ctr $NB IpReasmOKs) $(ctr $NA IpFragCreates) $(ctr $NR IpFragCreates) $(ctr $NB IpFragCreates)"; }
# transfer NAME [iperf3 flags]: B is the client; without -R data flows B->A (as the brief asks), with -R A->B
transfer() {
  local name=$1; shift
  local c0 c1; c0=($(snap))
  ip netns exec $NB iperf3 -c 10.94.0.1 -n 500M -J "$@" > $W/iperf-$name.json 2> $W/iperf-$name.err
  local rc=$?
  c1=($(snap))
  [ $rc = 0 ] || fail "iperf3 client ($name) rc=$rc: $(head -c 400 $W/iperf-$name.json) $(cat $W/iperf-$name.err)"
  local secs mbps bytes retr ssecs
  secs=$(jq -r '.end.sum_received.seconds' $W/iperf-$name.json)
  mbps=$(jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | round / 10' $W/iperf-$name.json)
  bytes=$(jq -r '.end.sum_received.bytes' $W/iperf-$name.json)
  ssecs=$(jq -r '.end.sum_sent.seconds' $W/iperf-$name.json)
  retr=$(jq -r '.end.sum_sent.retransmits' $W/iperf-$name.json)
  printf '%s\t%.2f\t%s\t%s\t%.2f\t%s\treasmA=%s\treasmB=%s\tfragA=%s\tfragR=%s\tfragB=%s' "$name" "$secs" "$mbps" "$bytes" "$ssecs" "$retr" \
    $((c1[0]-c0[0])) $((c1[1]-c0[1])) $((c1[2]-c0[2])) $((c1[3]-c0[3])) $((c1[4]-c0[4]))
}
FWD=$(transfer BtoA) || exit 1
REV=$(transfer AtoB -R) || exit 1
LA2=$(largest pa); LB2=$(largest pb)
pa debug > $W/a-debug-after.txt 2>&1; pb debug > $W/b-debug-after.txt 2>&1
# columns: label build | dir secs(sum_received) Mbit/s bytes sender-secs retransmits counters | same for -R | settle | largest lines
LINE=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$LABEL" "$BUILD" "$FWD" "$REV" "$settled/${SETTLE}s" \
  "A: $LA" "B: $LB" "A after: $LA2" "B after: $LB2")
echo "$LINE" >> "$RESULTS"
log "$LINE"
exit 0
