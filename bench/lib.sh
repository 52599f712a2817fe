# Helpers the benchmarks in bench/ source (bash; not run on its own). Times in ms, memory in kB.

# Milliseconds since the epoch (bash's clock: no fork).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }

# CPU seconds (user + system) process PID has used so far.
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }

# Resident memory of process PID in kB (0 once it is gone).
rss_kb() { local v; v=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null) || true; echo "${v:-0}"; }

# Mbit/s the receiver counted, from iperf3 -J on standard input.
mbit() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))'; }

# One raw request on a daemon's control socket SOCK (docs/control-api.md); true when the API answered 200.
api_up() {
  [ -S "$1" ] || return 1
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"P2PCTL/1 version 2\n{}")
sys.exit(0 if s.makefile("rb").readline().split()[1:2] == [b"200"] else 1)
PY
}

# Namespaces NS_A and NS_B (created) joined by a veth pair IF_A/IF_B with ADDR_A/24 and ADDR_B/24, links up.
veth_pair() {
  local na=$1 nb=$2 ia=$3 ib=$4 aa=$5 ab=$6
  ip netns add "$na"; ip netns add "$nb"
  ip link add "$ia" netns "$na" type veth peer name "$ib" netns "$nb"
  ip -n "$na" addr add "$aa/24" dev "$ia"; ip -n "$nb" addr add "$ab/24" dev "$ib"
  for ns in "$na" "$nb"; do ip -n "$ns" link set lo up; done
  ip -n "$na" link set "$ia" up; ip -n "$nb" link set "$ib" up
}

# tinc 1.0 in switch mode (an L2 mesh VPN, as p2p is), two nodes a and b: the configuration
# directories DIR/tinc-a and DIR/tinc-b, keys made, host files exchanged. a listens on LAN_A, b on
# LAN_B (port 655); the interfaces are IFACE_PREFIX{a,b} with OVERLAY_A/24 and OVERLAY_B/24.
tinc_pair() {
  local dir=$1 lan_a=$2 lan_b=$3 ov_a=$4 ov_b=$5 ifp=$6 n other lan ov d
  for n in a b; do
    d="$dir/tinc-$n"; mkdir -p "$d/hosts"
    if [ $n = a ]; then other=b; lan=$lan_a; ov=$ov_a; else other=a; lan=$lan_b; ov=$ov_b; fi
    printf 'Name = %s\nMode = switch\nInterface = %s%s\nAddressFamily = ipv4\nConnectTo = %s\n' $n "$ifp" $n $other > "$d/tinc.conf"
    printf 'Address = %s\nPort = 655\n' "$lan" > "$d/hosts/$n"
    printf '#!/bin/sh\nip link set $INTERFACE up\nip addr add %s/24 dev $INTERFACE\n' "$ov" > "$d/tinc-up"
    chmod +x "$d/tinc-up"
    tincd -c "$d" -K2048 < /dev/null > /dev/null 2>&1
  done
  cp "$dir/tinc-a/hosts/a" "$dir/tinc-b/hosts/a"; cp "$dir/tinc-b/hosts/b" "$dir/tinc-a/hosts/b"
}
