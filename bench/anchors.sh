#!/usr/bin/env bash
# p2p against its anchors, tinc 1.0 and Nebula 1.6 (Debian packages tinc and nebula), through the
# same steps in one run (a benchmark, not a test): the table of issue 14, with p2p's figures as
# ratios to tinc's and Nebula's.
#
# Direct: namespaces p2pt-anc-a and p2pt-anc-b on a veth pair (192.168.177.0/24). For each system,
# daemons started fresh: t0, A's daemon, B's daemon (p2p: `daemon` in A, its API answering, `start`
# in A, then the same in B), then a tight loop of `ping -c1 -W0.05` B->A over the overlay until one
# answers (start -> first ping); 2 s later 20 pings 50 ms apart (RTT avg and max); A's daemon's RSS
# (idle RSS); iperf3 TCP B->A for $SECONDS_PER_RUN s while both daemons' RSS is sampled every 0.5 s
# (the max: RSS under traffic) and their CPU time counted (CPU s per GB moved); then, warm, 20
# pings again. The bare veth is measured once per run as the baseline.
# Relayed: p2pt-anc-ra, p2pt-anc-rb and p2pt-anc-r on one bridge (inside r, 192.168.178.0/24),
# nftables in ra and rb dropping UDP between them, r running the rendezvous and relay: for p2p ONE
# `p2p servers` process (members `start -dht R:6881`; the path must read `relay ...`), for Nebula a
# lighthouse with am_relay (members use_relays with r as relay). iperf3 B->A, the server's RSS
# sampled meanwhile, then 20 pings. tinc relays differently: n/a.
# tinc runs in switch mode (an L2 mesh, as p2p), Nebula with its default MTU (1300), both with
# their configurations and keys in a mktemp directory; interfaces are named p2pt-*. p2p uses a key
# from `p2p keygen`; each side's state directory sees one daemon start before the clocks run (what
# a daemon keeps between starts is there, as on any machine after its first start), and no saved
# networks: every daemon starts fresh.
#
# Needs root, tincd, nebula, nebula-cert, iperf3, nft, ping, python3; run it alone on the machine
# (flock /tmp/p2p-e2e.lock bench/anchors.sh). About 100 s per run.
# Usage: [RUNS=N] [SECONDS_PER_RUN=S] [RATE=MBIT] bench/anchors.sh [DIST]   (DIST: launcher/target/p2p;
# RUNS default 1: one table per run, then the min-max of each figure over the runs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dist=$(readlink -f "${1:-launcher/target/p2p}")
p2p="$dist/bin/p2p"
secs=${SECONDS_PER_RUN:-10}
runs=${RUNS:-1}
a=p2pt-anc-a; b=p2pt-anc-b; ra=p2pt-anc-ra; rb=p2pt-anc-rb; r=p2pt-anc-r
namespaces=($a $b $ra $rb $r)
lan_a=192.168.177.1; lan_b=192.168.177.2             # direct
rlan_a=192.168.178.1; rlan_b=192.168.178.2; rlan_r=192.168.178.3  # relayed
fail() { echo "bench/anchors.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root"
for t in tincd nebula nebula-cert iperf3 nft ping python3; do
  command -v $t > /dev/null || fail "$t is not installed (apt-get install tinc nebula iperf3 nftables)"
done
[ -x "$p2p" ] || fail "no distribution at $dist (mvn -B -o -q package -DskipTests -Dfuzz.skip=true)"
for ns in "${namespaces[@]}"; do
  ! ip netns list | grep -qw "$ns" || fail "namespace $ns exists: another run, or a killed one (ip netns del $ns)"
done

work=$(mktemp -d /tmp/p2pt-anc.XXXXXX)
procs=() # PID:START of every process started in the background (START tells a reused PID apart)

# Starts COMMAND... in the background, output to LOG; its PID in $spawned.
spawn() {
  local log=$1; shift
  "$@" < /dev/null > "$log" 2>&1 &
  spawned=$!
  procs+=("$spawned:$(awk '{print $22}' "/proc/$spawned/stat" 2>/dev/null || true)")
}

# Whether PID:START is still that process, running (not a zombie, not another process on a reused PID).
alive() { [ "$(awk '$3 != "Z" {print $22}' "/proc/${1%%:*}/stat" 2>/dev/null)" = "${1#*:}" ]; }

# Stops those of the processes PID... that we started (SIGTERM, SIGKILL after 5 s) and forgets them.
stop() {
  local e p live=() left=() deadline
  for e in ${procs[@]+"${procs[@]}"}; do
    if [[ " $* " == *" ${e%%:*} "* ]]; then
      alive "$e" && kill -TERM "${e%%:*}" 2>/dev/null && live+=("$e")
    else
      left+=("$e")
    fi
  done
  deadline=$(( $(now_ms) + 5000 ))
  for e in ${live[@]+"${live[@]}"}; do
    while alive "$e" && [ "$(now_ms)" -lt $deadline ]; do sleep 0.05; done
    ! alive "$e" || kill -9 "${e%%:*}" 2>/dev/null || true # one that ignored SIGTERM would outlive its namespace
    wait "${e%%:*}" 2>/dev/null || true
  done
  procs=(${left[@]+"${left[@]}"})
}

cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  [ ${#procs[@]} -eq 0 ] || stop $(printf '%s\n' "${procs[@]}" | cut -d: -f1)
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ $rc != 0 ]; then
    for f in "$work"/*.log; do [ -s "$f" ] && { echo "---- $f (last lines)"; tail -15 "$f"; }; done >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# await SECONDS PAUSE COMMAND...: runs COMMAND until it succeeds, PAUSE s apart; false after SECONDS.
await() {
  local deadline=$(( $(now_ms) + $1 * 1000 )) pause=$2; shift 2
  until "$@"; do
    [ "$(now_ms)" -lt $deadline ] || return 1
    sleep "$pause"
  done
}

listens() { ip netns exec "$1" ss -Hln "$2" "sport = :$3" | grep -q .; }

# first_ping NS IP: a tight loop of single pings from NS to IP until one answers (30 s at most).
first_ping() {
  ip netns exec "$1" timeout 30 sh -c "until ping -c1 -W0.05 $2 > /dev/null 2>&1; do :; done" \
    || fail "no ping from $1 to $2 within 30 s"
}

# ping20 NS IP: "avg max" RTT in ms of 20 pings 50 ms apart.
ping20() {
  ip netns exec "$1" ping -c 20 -i 0.05 -q "$2" | awk -F'[/ ]' '/^(rtt|round-trip)/ {print $8, $9; f=1} END {exit !f}' \
    || fail "no ping answered from $1 to $2"
}

# iperf NS IP PID...: iperf3 TCP from NS to IP for $secs s (a one-off server on IP's side started
# first) while the RSS of PID... is sampled every 0.5 s. Sets got_mbit, got_bytes, got_rss (max kB
# of any PID) and got_cpu (CPU seconds PID... used meanwhile).
iperf() {
  local ns=$1 ip=$2 sns client p kb cpu0=0 cpu1=0; shift 2
  sns=$(server_ns "$ns")
  spawn "$work/iperf3-s.log" ip netns exec "$sns" iperf3 -s -1 -B "$ip"
  local server=$spawned
  await 5 0.02 listens "$sns" -t 5201 || fail "iperf3 -s did not listen on $ip:5201 within 5 s"
  for p in "$@"; do cpu0=$(echo "$cpu0 + $(cpu_s "$p")" | bc); done
  spawn "$work/iperf3.json" ip netns exec "$ns" iperf3 -c "$ip" -t "$secs" -J
  client=$spawned
  local client_e=${procs[-1]}
  got_rss=0
  while alive "$client_e"; do
    for p in "$@"; do kb=$(rss_kb "$p"); [ "$kb" -le "$got_rss" ] || got_rss=$kb; done
    sleep 0.5 # the sampling period
  done
  wait "$client" || fail "iperf3 to $ip failed: $(cat "$work/iperf3.json")"
  for p in "$@"; do cpu1=$(echo "$cpu1 + $(cpu_s "$p")" | bc); done
  got_cpu=$(echo "$cpu1 - $cpu0" | bc)
  read -r got_mbit got_bytes < <(python3 -c 'import json,sys; r=json.load(sys.stdin)["end"]["sum_received"]; print(round(r["bits_per_second"]/1e6), r["bytes"])' < "$work/iperf3.json")
  stop "$server" $client
}
server_ns() { case $1 in $b) echo $a;; $rb) echo $ra;; esac; }

# direct COLUMN T0 PID_A PID_B IP_A: steps 1-5 once daemons are starting (t0 taken before A's).
direct() {
  local col=$1 t0=$2 pa=$3 pb=$4 ip=$5 rtt
  first_ping $b "$ip"
  V[first.$col]=$(( $(now_ms) - t0 ))
  sleep 2 # the step: RTT 2 s after connecting
  read -r V[rtt2.$col] V[rtt2max.$col] < <(ping20 $b "$ip")
  V[idle.$col]=$(rss_kb "$pa")
  iperf $b "$ip" "$pa" "$pb"
  V[mbit.$col]=$got_mbit; V[rss.$col]=$got_rss
  V[cpu.$col]=$(echo "scale=2; $got_cpu / ($got_bytes / 1000000000)" | bc)
  V[bare_ratio.$col]=$(printf '%.3f' "$(echo "scale=4; $got_mbit / ${V[bare]}" | bc)")
  read -r V[rttw.$col] rtt < <(ping20 $b "$ip")
}

# p2p_daemon NS: a daemon started in NS (its PID, the java process, in $member), its API awaited. Its
# state directory is that of its side (a or b), without the networks an earlier daemon saved.
p2p_daemon() {
  local ns=$1 state="$work/p2p-${1: -1}"
  mkdir -p "$state"; rm -f "$state/p2p.save"
  spawn "$work/p2p-$ns.log" env P2P_STATE_DIR="$state" ip netns exec "$ns" "$p2p" daemon
  member=$spawned
  await 30 0.01 api_up "$state/control/rpc-52523.sock" || fail "the daemon in $ns did not answer within 30 s"
  [ "$(cat /proc/$member/comm)" = java ] || fail "pid $member in $ns is not the daemon's java process"
}

# p2p_start NS IP HASH START_ARGS...: `p2p start` of network HASH with IP in NS.
p2p_start() {
  local ns=$1 ip=$2 hash=$3; shift 3
  P2P_STATE_DIR="$work/p2p-${ns: -1}" ip netns exec "$ns" "$p2p" start -ip "$ip" -hash "$hash" -key "$key" -dev p2pt-anc0 "$@" \
    > /dev/null || fail "p2p start in $ns failed: $(tail -20 "$work/p2p-$ns.log")"
}

# p2p_path NS HASH IP: the path column of IP's line in `p2p show -hash HASH` in NS.
p2p_path() {
  P2P_STATE_DIR="$work/p2p-${1: -1}" ip netns exec "$1" "$p2p" show -hash "$2" | awk -F'\t' -v ip="$3" '$2 == ip {print $5}'
}
p2p_relayed() { [[ "$(p2p_path $rb relayed 10.78.0.1)" == "relay "* ]] && ip netns exec $rb ping -c1 -W0.2 10.78.0.1 > /dev/null; }

# nebula_conf NAME LISTEN_IP STATIC_MAP LIGHTHOUSE_HOSTS AM_LIGHTHOUSE RELAYS AM_RELAY: its config file's path.
nebula_conf() {
  local n=$1 f="$work/nebula/$1.yml"
  cat > "$f" <<EOF
pki: {ca: $work/nebula/ca.crt, cert: $work/nebula/$n.crt, key: $work/nebula/$n.key}
static_host_map: {$3}
lighthouse: {am_lighthouse: $5, interval: 60, hosts: [$4]}
listen: {host: $2, port: 4242}
punchy: {punch: true}
relay: {am_relay: $7, use_relays: true, relays: [$6]}
tun: {dev: p2pt-anc-neb}
logging: {level: info}
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: any, host: any}]
EOF
  echo "$f"
}

# ---- the namespaces, once for all runs ----
veth_pair $a $b p2pt-anc-va p2pt-anc-vb $lan_a $lan_b
for ns in $ra $rb $r; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n $r link add p2pt-anc-br type bridge
ip -n $r link set p2pt-anc-br up
ip -n $r addr add $rlan_r/24 dev p2pt-anc-br
for m in a b; do
  ns=p2pt-anc-r$m
  ip link add p2pt-anc-e netns $ns type veth peer name p2pt-anc-r$m netns $r
  ip -n $r link set p2pt-anc-r$m master p2pt-anc-br up
  ip -n $ns addr add "$([ $m = a ] && echo $rlan_a || echo $rlan_b)/24" dev p2pt-anc-e
  ip -n $ns link set p2pt-anc-e up
done
# A and B cannot reach each other over UDP (their LAN beacons included); both reach R
for m in a b; do
  other=$([ $m = a ] && echo $rlan_b || echo $rlan_a)
  ip netns exec p2pt-anc-r$m nft -f - <<EOF
table inet p2pt_anc {
  chain in { type filter hook input priority 0; ip saddr $other meta l4proto udp drop; }
  chain out { type filter hook output priority 0; ip daddr $other meta l4proto udp drop; }
}
EOF
done

# ---- keys and configurations, made before any clock starts ----
key=$("$p2p" keygen)
tinc_pair "$work" $lan_a $lan_b 10.88.0.1 10.88.0.2 p2pt-anc-t
mkdir -p "$work/nebula"
( cd "$work/nebula"
  nebula-cert ca -name p2pt-anc -out-crt ca.crt -out-key ca.key
  for n in a:1 b:2 r:3; do
    nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name ${n%:*} -ip 10.99.0.${n#*:}/24 -out-crt ${n%:*}.crt -out-key ${n%:*}.key
  done )
neb_a=$(nebula_conf a $lan_a "'10.99.0.2': ['$lan_b:4242']" "" false "" false)
neb_b=$(nebula_conf b $lan_b "'10.99.0.1': ['$lan_a:4242']" "" false "" false)
nebr_a=$(nebula_conf ra $rlan_a "'10.99.0.3': ['$rlan_r:4242']" 10.99.0.3 false 10.99.0.3 false)
nebr_b=$(nebula_conf rb $rlan_b "'10.99.0.3': ['$rlan_r:4242']" 10.99.0.3 false 10.99.0.3 false)
nebr_r=$(nebula_conf r $rlan_r "" "" true "" true)
for n in ra rb; do cp "$work/nebula/${n#r}.crt" "$work/nebula/$n.crt"; cp "$work/nebula/${n#r}.key" "$work/nebula/$n.key"; done

# Each side's p2p state directory sees one daemon start before the clocks run, as on any machine
# after the first start: what the daemon keeps between starts is there, as it would be.
p2p_daemon $a; pa=$member; p2p_daemon $b; stop $pa $member

declare -A V ALL
one_run() {
  V=()
  # bare veth, the baseline
  iperf $b $lan_a
  V[bare]=$got_mbit

  # p2p, direct
  local pa pb t0 split
  t0=$(now_ms)
  p2p_daemon $a; pa=$member; split="A's API answers $(( $(now_ms) - t0 ))"
  p2p_start $a 10.77.0.1 direct; split+=", A's start returns $(( $(now_ms) - t0 ))"
  p2p_daemon $b; pb=$member; split+=", B's API $(( $(now_ms) - t0 ))"
  p2p_start $b 10.77.0.2 direct; split+=", B's start $(( $(now_ms) - t0 ))"
  direct p2p "$t0" $pa $pb 10.77.0.1
  V[split]="$split, first ping ${V[first.p2p]}"
  stop $pa $pb

  # tinc, direct
  t0=$(now_ms)
  spawn "$work/tinc-a.log" ip netns exec $a tincd -D -c "$work/tinc-a" --pidfile="$work/tinc-a.pid"; pa=$spawned
  spawn "$work/tinc-b.log" ip netns exec $b tincd -D -c "$work/tinc-b" --pidfile="$work/tinc-b.pid"; pb=$spawned
  direct tinc "$t0" $pa $pb 10.88.0.1
  stop $pa $pb

  # Nebula, direct
  t0=$(now_ms)
  spawn "$work/nebula-a.log" ip netns exec $a nebula -config "$neb_a"; pa=$spawned
  spawn "$work/nebula-b.log" ip netns exec $b nebula -config "$neb_b"; pb=$spawned
  direct neb "$t0" $pa $pb 10.99.0.1
  stop $pa $pb

  # p2p, relayed: one `p2p servers` process in R. Its cap per member (-rate, 1000 Mbit/s by
  # default: a relay shared by many members keeps one from taking it all) is lifted to $RATE
  # Mbit/s, as Nebula's relay has none; RATE=1000 measures the default.
  local srv
  mkdir -p "$work/servers"
  spawn "$work/servers.log" env P2P_STATE_DIR="$work/servers" ip netns exec $r "$p2p" servers \
    -dht-listen $rlan_r:6881 -proxy-listen $rlan_r:6882 -rate "${RATE:-100000}" -state "$work/servers"
  srv=$spawned
  await 20 0.05 eval "listens $r -u 6881 && listens $r -u 6882" \
    || fail "p2p servers did not listen on $rlan_r:6881 and :6882 within 20 s"
  p2p_daemon $ra; pa=$member; p2p_start $ra 10.78.0.1 relayed -dht $rlan_r:6881
  p2p_daemon $rb; pb=$member; p2p_start $rb 10.78.0.2 relayed -dht $rlan_r:6881
  await 30 0.1 p2p_relayed || fail "no relayed path from B to A within 30 s: show -hash says '$(p2p_path $rb relayed 10.78.0.1)'"
  iperf $rb 10.78.0.1 $srv
  V[relmbit.p2p]=$got_mbit; V[srvrss.p2p]=$got_rss
  read -r V[relrtt.p2p] rtt < <(ping20 $rb 10.78.0.1)
  [[ "$(p2p_path $rb relayed 10.78.0.1)" == "relay "* ]] || fail "the p2p path left the relay: $(p2p_path $rb relayed 10.78.0.1)"
  stop $pa $pb $srv

  # Nebula, relayed: R is lighthouse and relay
  spawn "$work/nebula-r.log" ip netns exec $r nebula -config "$nebr_r"; srv=$spawned
  await 10 0.05 listens $r -u 4242 || fail "nebula did not listen on $rlan_r:4242 within 10 s"
  spawn "$work/nebula-ra.log" ip netns exec $ra nebula -config "$nebr_a"; pa=$spawned
  spawn "$work/nebula-rb.log" ip netns exec $rb nebula -config "$nebr_b"; pb=$spawned
  first_ping $rb 10.99.0.1
  iperf $rb 10.99.0.1 $srv
  V[relmbit.neb]=$got_mbit; V[srvrss.neb]=$got_rss
  read -r V[relrtt.neb] rtt < <(ping20 $rb 10.99.0.1)
  stop $pa $pb $srv
}

# ---- the table ----
rows=(first rtt2 rttw mbit bare_ratio relmbit relrtt cpu idle rss srvrss)
declare -A label=([first]="start -> first ping, ms" [rtt2]="RTT 2 s after connecting, ms (max)"
  [rttw]="RTT after warm-up, ms" [mbit]="direct Mbit/s" [bare_ratio]="direct / bare veth"
  [relmbit]="relayed Mbit/s" [relrtt]="relayed RTT after warm-up, ms" [cpu]="CPU s per GB (both daemons)"
  [idle]="idle RSS, MB" [rss]="RSS under traffic, MB" [srvrss]="server RSS under relayed traffic, MB")
# the value of ROW.COL as printed (RSS from kB to MB)
shown() {
  local v=${V[$1.$2]:-}
  [ -n "$v" ] || { echo n/a; return; }
  case $1 in
    idle|rss|srvrss) echo $(( v / 1024 )) ;;
    rtt2) echo "$v (${V[rtt2max.$2]})" ;;
    *) echo "$v" ;;
  esac
}
ratio() { # ROW COL: p2p's value over COL's (none for the fractions of the bare link)
  local p=${V[$1.p2p]:-} o=${V[$1.$2]:-}
  [ "$1" != bare_ratio ] || return 0
  if [ -n "$p" ] && [ -n "$o" ] && [ "$(echo "$o > 0" | bc)" = 1 ]; then printf '%.2f' "$(echo "scale=4; $p / $o" | bc)"; else echo n/a; fi
}
fmt='%-38s %16s %16s %16s %13s %13s\n'
table() {
  printf "$fmt" "" p2p tinc Nebula p2p/tinc p2p/Nebula
  local row
  for row in "${rows[@]}"; do
    printf "$fmt" "${label[$row]}" "$(shown $row p2p)" "$(shown $row tinc)" "$(shown $row neb)" \
      "$(ratio $row tinc)" "$(ratio $row neb)"
  done
}

echo "distribution: $dist; iperf3 TCP ${secs} s; $(tincd --version | head -1); Nebula $(nebula -version | awk '{print $2}')"
for run in $(seq "$runs"); do
  one_run
  echo
  echo "run $run: bare veth ${V[bare]} Mbit/s"
  table
  echo "p2p's start -> first ping, ms from t0: ${V[split]}"
  for k in "${!V[@]}"; do [ $k = split ] || ALL[$k]="${ALL[$k]:-} ${V[$k]}"; done
  for row in "${rows[@]}"; do
    ALL[ratio_tinc.$row]="${ALL[ratio_tinc.$row]:-} $(ratio $row tinc)"
    ALL[ratio_neb.$row]="${ALL[ratio_neb.$row]:-} $(ratio $row neb)"
  done
done

if [ "$runs" -gt 1 ]; then
  # min-max of each figure over the runs (RSS in MB; the RTT row's average only)
  span() {
    local vals=${ALL[$1]:-} scale=1
    [ -n "${vals// /}" ] || { echo n/a; return; }
    case $1 in idle.*|rss.*|srvrss.*) scale=1024 ;; esac
    printf '%s\n' $vals | awk -v s=$scale '$1 != "n/a" {v = s > 1 ? int($1 / s) : $1; if (!n++ || v + 0 < lo + 0) lo = v; if (n == 1 || v + 0 > hi + 0) hi = v}
      END {print n ? lo "-" hi : "n/a"}'
  }
  echo
  echo "$runs runs, min-max: bare veth $(span bare) Mbit/s"
  printf "$fmt" "" p2p tinc Nebula p2p/tinc p2p/Nebula
  for row in "${rows[@]}"; do
    rt=$(span ratio_tinc.$row); rn=$(span ratio_neb.$row)
    [ $row != bare_ratio ] || rt= rn=
    printf "$fmt" "${label[$row]/ (max)/}" "$(span $row.p2p)" "$(span $row.tinc)" "$(span $row.neb)" "$rt" "$rn"
  done
fi
