package io.subutai.p2p.launcher;

import java.util.List;

/** Every {@code p2p} subcommand with its flags, as the original tool has them (reference §1). */
final class Commands {

    static final int DEFAULT_RPC_PORT = 52523;

    private static final Flag RPC_PORT = Flag.integer("rpc-port", "N",
            "the daemon's rpc port: names its control socket <state dir>/control/rpc-N.sock (with -rpc-tcp, the TCP port)",
            DEFAULT_RPC_PORT);
    private static final Flag RPC_TCP = Flag.bool("rpc-tcp",
            "talk to the daemon over TCP on 127.0.0.1:<rpc-port> (it must run with -rpc-tcp) instead of its Unix socket");

    private static final Flag TCP = Flag.string("tcp", "ADDR:PORT",
            "also take streams on this TCP address and port (TLS or not, WebSocket or plain), e.g. :443; default: none");
    private static final Flag TLS_CERT = Flag.string("tls-cert", "FILE",
            "PEM certificate (chain) for TLS on -tcp (default: a self-signed EC one, made once in -state DIR)");
    private static final Flag TLS_KEY = Flag.string("tls-key", "FILE", "PEM private key (PKCS#8) of -tls-cert");
    private static final Flag WS_PATH = Flag.string("ws-path", "PATH", "WebSocket path on -tcp (default /p2p)");

    private static final Flag METRICS = Flag.string("metrics", "ADDR:PORT", "serve Prometheus metrics at"
            + " http://ADDR:PORT/metrics (PORT alone: 127.0.0.1; :PORT: every address); off by default");
    private static final Flag METRICS_TOKEN = Flag.string("metrics-token", "FILE", "with -metrics: scrapes must carry"
            + " Authorization: Bearer <the token on FILE's first line>");

    static final Command DAEMON = new Command("daemon", "", "run the p2p daemon (as root, in the foreground)",
            "Runs the daemon that owns the networks, in the foreground; it logs to standard output and\n"
                    + "stops cleanly on SIGTERM or SIGINT. It must run as root. Everything it writes goes\n"
                    + "to the state directory: $P2P_STATE_DIR, or /var/lib/p2p.",
            List.of(RPC_PORT,
                    Flag.bool("rpc-tcp", "also serve the control API on 127.0.0.1:<rpc-port>, for clients with -rpc-tcp"
                            + " (each side proves it holds <state dir>/api.token)"),
                    Flag.string("rpc-group", "GROUP", "members of GROUP may run show, status, debug and version"
                            + " (the control socket's directory becomes root:GROUP 0750)"),
                    Flag.string("save", "FILE", "save file of the networks, restored at start (default: <state dir>/p2p.save)"),
                    Flag.string("config", "FILE", "YAML configuration (default: /etc/p2p.yaml if it exists, else conf/p2p.yaml)"),
                    Flag.string("log", "LEVEL", "log level: trace, debug, info, warning or error"),
                    Log.syslogFlag(),
                    Flag.integer("mtu", "N", "MTU of TAP interfaces; 0 takes the configuration's", 0),
                    Flag.bool("pmtu", "turn PMTU emulation on"),
                    METRICS, METRICS_TOKEN),
            0);

    static final Command START = new Command("start", "", "join or create a network",
            "Starts a network instance: a TAP interface with the given overlay IP, joined to every\n"
                    + "member that starts the same hash.",
            List.of(Flag.string("ip", "IP", "overlay IP: A.B.C.D (prefix /24), A.B.C.D/NN, or dhcp/auto"),
                    Flag.string("hash", "HASH", "the network's name, shared by its members (required)"),
                    Flag.string("mac", "MAC", "MAC of the TAP interface (default: random 06:xx:xx:xx:xx:xx)"),
                    Flag.string("dev", "NAME", "name of the TAP interface (default: the first free vptpN)"),
                    Flag.string("key", "KEY", "network key (other users can see it while p2p runs: prefer -keyfile)"),
                    Flag.string("ttl", "TIMESTAMP", "Unix time until which -key is valid").alias("until"),
                    Flag.string("keyfile", "FILE", "file with key: and ttl:, read by the daemon (at every start);"
                            + " - reads key: and ttl: (or just the key) from standard input"),
                    Flag.integer("port", "N", "UDP port of the instance; 0 picks a free one", 0),
                    Flag.string("ports", "MIN-MAX", "range to pick the UDP port from"),
                    Flag.string("dht", "HOST:PORT[@KEY]", "bootstrap server(s), comma-separated; @KEY pins the key the server prints;"
                            + " wss://HOST[:PORT][/PATH][@KEY] reaches one over TCP (feature p2p-transport-tcp)"),
                    Flag.bool("fwd", "use relays (proxies) only"),
                    Flag.string("crypto", "SUITES", "pq: accept only the post-quantum suite noise-ikpsk2-mlkem768 (feature"
                            + " p2p-crypto-pq); classic: only noise-ikpsk2; default: the best both sides have"),
                    Flag.bool("bridge", "the interface is in a Linux bridge with containers behind it: peers accept"
                            + " frames from their MACs too (default: from the interface's own MAC only)"),
                    Flag.string("proxy", "URL", "HTTP CONNECT or SOCKS5 proxy for streams to servers:"
                            + " http://[USER:PASS@]HOST:PORT or socks5://...; default: the daemon's HTTPS_PROXY"),
                    RPC_PORT, RPC_TCP),
            0);

    static final Command STOP = new Command("stop", "", "leave a network",
            "Stops the network instance with -hash: removes its interface and its save-file entry.\n"
                    + "With -dev alone, forgets that interface name from the daemon's history.",
            List.of(Flag.string("hash", "HASH", "the network to stop"),
                    Flag.string("dev", "NAME", "interface name to forget (when -hash is not given)"),
                    RPC_PORT, RPC_TCP),
            0);

    static final Command SHOW = new Command("show", "", "show networks, peers, interfaces or the MTU",
            "Without flags: one line per network, MAC<TAB>IP<TAB>hash.\n"
                    + "-hash H: the peers of H; with -check IP: exit 0 if that peer is connected, 12 if not.\n"
                    + "-interfaces [-all] [-bind]: interface names. -mtu: the daemon's MTU.\n"
                    + "-json: the networks, or with -hash that network and its peers, as JSON (docs/control-api.md).",
            List.of(Flag.string("hash", "HASH", "show the peers of this network"),
                    Flag.string("check", "IP", "with -hash: is the peer with this overlay IP connected").alias("ip"),
                    Flag.bool("interfaces", "list the interface names of running networks"),
                    Flag.bool("all", "with -interfaces: include names no longer in use"),
                    Flag.bool("bind", "with -interfaces: print hash|interface"),
                    Flag.bool("mtu", "print the daemon's MTU"),
                    Flag.bool("json", "print JSON: the networks, or with -hash that network and its peers"),
                    RPC_PORT, RPC_TCP),
            0);

    static final Command STATUS = new Command("status", "", "show the state of every peer",
            "One line hash|ip per network, then peerID|peerIP|State:STATE| per peer.\n"
                    + "With -hash, the peers of that network only, as JSON.\n"
                    + "-json: every network (only -hash's) with all the daemon knows of each peer, as JSON.",
            List.of(Flag.string("hash", "HASH", "only this network"),
                    Flag.bool("json", "print the networks and their peers as JSON"), RPC_PORT, RPC_TCP), 0);

    static final Command SET = new Command("set", "", "change the log level or a network's IP, queue a key, or revoke a member",
            "-log LEVEL changes the daemon's log level. -key K -ttl T -hash H adds a key to the network's\n"
                    + "key queue: new handshakes use it when the current key ends. -ip IP -hash H gives the network a new\n"
                    + "overlay IP (A.B.C.D keeps the prefix, A.B.C.D/NN sets it): its peers learn it, the save file keeps it.\n"
                    + "-keyfile FILE (or - for standard input) gives the key and its ttl without putting it on the command line.\n"
                    + "-revoke PEER_ID -hash H refuses that member for good, although it holds the network's key\n"
                    + "(a member can make itself a new identity: to shut it out, also change the key with -key).",
            List.of(Flag.string("log", "LEVEL", "trace, debug, info, warning or error"),
                    Flag.string("ip", "IP", "new overlay IP (with -hash)"),
                    Flag.string("hash", "HASH", "the network to change"),
                    Flag.string("key", "KEY", "key to add to the queue (with -hash); other users can see it: prefer -keyfile"),
                    Flag.string("ttl", "TIMESTAMP", "Unix time until which -key is valid").alias("until"),
                    Flag.string("keyfile", "FILE", "instead of -key: file with key: and ttl: (or just the key),"
                            + " - for standard input"),
                    Flag.string("revoke", "PEER_ID", "a member to refuse for good (with -hash; its ID as show -hash lists it)"),
                    RPC_PORT, RPC_TCP),
            0);

    static final Command DEBUG = new Command("debug", "", "print the daemon's state for troubleshooting",
            "Version, uptime, and for every network: its bootstrap servers and how they see this node,\n"
                    + "its relays, and every peer with the path in use (lan, direct, punched or relay),\n"
                    + "every path's round-trip time, and the attempts made to reach it.\n"
                    + "-json: the same, as JSON (docs/control-api.md).",
            List.of(Flag.bool("json", "print the daemon, its networks and their peers as JSON"), RPC_PORT, RPC_TCP), 0);

    static final Command VERSION = new Command("version", "", "print the version",
            "Prints the version of p2p. Needs no daemon (-rpc-port is accepted, as by every client command).",
            List.of(RPC_PORT, RPC_TCP), 0);

    static final Command SERVICE = new Command("service", "", "Windows only: install or remove the Windows service",
            "On Windows, -install registers the \"Subutai P2P\" service and -remove removes it.\n"
                    + "On other systems it does nothing: run 'p2p daemon' under the system's service manager.",
            List.of(Flag.bool("install", "install the Windows service"), Flag.bool("remove", "remove the Windows service")),
            0);

    static final Command KEYGEN = new Command("keygen", "", "print a fresh network key",
            "Prints a new random 256-bit network key (base64url, 43 characters) for -key, -keyfile or set -key.\n"
                    + "Needs no daemon.",
            List.of(RPC_PORT, RPC_TCP), 0);

    static final Command HELP = new Command("help", "[COMMAND]", "show the commands, or one command's flags",
            "", List.of(), 1);

    static final Command SHELL = new Command("shell", "['COMMAND LINE']", "run Gogo commands inside the daemon",
            "With a command line, runs it in the daemon's Gogo shell (e.g. 'p2p:version', 'lb') and prints\n"
                    + "the result. Without one, reads command lines from standard input, one session whose\n"
                    + "variables persist, until 'exit' or end of input.",
            List.of(RPC_PORT, RPC_TCP), 1);

    static final Command DHT_SERVER = new Command("dht-server", "", "run a bootstrap (\"DHT\") server in the foreground",
            "Runs a bootstrap server: members of networks started with -dht HOST:PORT register with it,\n"
                    + "learn the address it sees them from, and find each other. It prints its key at start:\n"
                    + "members that give -dht HOST:PORT@KEY trust only it. It keeps nothing on disk but that key\n"
                    + "and, with -tcp, its TLS certificate (in -state DIR), and needs no root; it stops on SIGTERM\n"
                    + "or SIGINT. It offers members only the relays given with -relay, or without any, the relays\n"
                    + "on its own host. With -tcp, members whose network blocks UDP reach it over TCP as well\n"
                    + "(-dht wss://HOST:PORT): TLS or not, WebSocket or a plain stream, all on that one port.",
            List.of(Flag.string("listen", "ADDR:PORT", "UDP address and port to listen on (default :6881, every address)"),
                    Flag.string("state", "DIR", "where it keeps its key (default: $P2P_STATE_DIR/dht-server)"),
                    Flag.list("relay", "HOST:PORT", "a relay it may offer members (repeatable); none: only relays on this host"),
                    TCP, TLS_CERT, TLS_KEY, WS_PATH, Log.syslogFlag(), METRICS, METRICS_TOKEN), 0);

    static final Command PROXY_SERVER = new Command("proxy-server", "", "run a relay (\"proxy\") server in the foreground",
            "Runs a relay: a member that cannot reach a peer directly gets a handle here that stands for\n"
                    + "it, and the relay passes datagrams (ciphertext only) between the members of one network\n"
                    + "that hold handles, all through its one port. With -tcp, members whose network blocks UDP\n"
                    + "reach it over TCP as well, and it bridges them to its UDP members. It keeps nothing on disk\n"
                    + "but, with -tcp and no -tls-cert, its self-signed TLS certificate (in -state DIR), and needs\n"
                    + "no root; it stops on SIGTERM or SIGINT.",
            List.of(Flag.string("listen", "ADDR:PORT", "UDP address and port to listen on (default :6882, every address)"),
                    Flag.string("state", "DIR", "a directory of its own for its state (default: $P2P_STATE_DIR/proxy-server)"),
                    Flag.integer("rate", "MBIT", "the most it relays from one member, in Mbit/s", 1000),
                    Flag.integer("max-total-mbit", "MBIT", "the most it relays in all, in Mbit/s; 0: no such cap", 0),
                    Flag.string("dht", "HOST:PORT", "bootstrap servers to announce itself to (comma-separated), which hand it to members"),
                    TCP, TLS_CERT, TLS_KEY, WS_PATH,
                    Flag.string("tcp-public", "PORT", "the TCP port members reach the streams at when a web server in front"
                            + " forwards wss://HOST:PORT/p2p to -tcp (default: -tcp's port)"),
                    Log.syslogFlag(), METRICS, METRICS_TOKEN),
            0);

    static final Command SERVERS = new Command("servers", "", "run a bootstrap server and a relay in one process",
            "Runs dht-server and proxy-server in one process (one JVM), the bootstrap server offering the relay\n"
                    + "(besides any -relay). Their flags, with the listening ones named for their server. The relay\n"
                    + "announces itself to the bootstrap server at -dht-listen's address (or -proxy-listen's): give one\n"
                    + "of them an address members reach. -state DIR holds DIR/dht-server and DIR/proxy-server.",
            List.of(Flag.string("dht-listen", "ADDR:PORT", "the bootstrap server's UDP address and port (default :6881)"),
                    Flag.string("proxy-listen", "ADDR:PORT", "the relay's UDP address and port (default :6882)"),
                    Flag.string("state", "DIR", "where the two keep their state (default: $P2P_STATE_DIR)"),
                    Flag.list("relay", "HOST:PORT", "another relay the bootstrap server may offer (repeatable)"),
                    Flag.integer("rate", "MBIT", "the most the relay relays from one member, in Mbit/s", 1000),
                    Flag.integer("max-total-mbit", "MBIT", "the most the relay relays in all, in Mbit/s; 0: no such cap", 0),
                    Flag.string("dht", "HOST:PORT", "other bootstrap servers the relay announces itself to (comma-separated)"),
                    Flag.string("dht-tcp", "ADDR:PORT", "the bootstrap server's stream port (e.g. :443), for members"
                            + " whose network blocks UDP"),
                    Flag.string("proxy-tcp", "ADDR:PORT", "the relay's stream port, on the relay's address (e.g. ADDR:443)"),
                    TLS_CERT, TLS_KEY, WS_PATH,
                    Flag.string("tcp-public", "PORT", "the TCP port members reach the relay's streams at when a web server"
                            + " in front forwards to -proxy-tcp (default: -proxy-tcp's port)"),
                    Log.syslogFlag(), METRICS, METRICS_TOKEN),
            0);

    static final Command CLASS_ARCHIVE = new Command("class-archive", "", "rebuild the class-data archive that speeds up starts",
            "Boots the daemon's framework once, without root and without starting a network, and writes the\n"
                    + "classes it loaded to lib/p2p.jsa, which every later start of p2p maps instead of loading them\n"
                    + "(the daemon answers sooner; see docs/operations.md). The build makes the archive; run this where\n"
                    + "the distribution is installed after moving or unpacking it, or after changing Java: an archive\n"
                    + "made for another place or another Java is ignored, silently. Needs write access to lib/.",
            List.of(), 0);

    static final Command LAB = new Command("lab", "", "try a mesh on this machine: members in network namespaces (root)",
            "Builds a mesh on this machine, as root, in one command: network namespaces named p2plab-* with a\n"
                    + "small LAN (10.77.0.0/24), a daemon in each member's namespace, and one network (-hash) on all of\n"
                    + "them (overlay 10.200.0.0/24). With -nat, the members sit behind two home routers that masquerade\n"
                    + "(half behind each), and a bootstrap server and a relay (p2p servers) run on an \"internet\"\n"
                    + "(100.64.0.0/24) between the routers: members behind different routers punch a path, or use the\n"
                    + "relay. Then it prints, once a second, what every member sees of every other: its state (as\n"
                    + "status names it), the path (lan, direct, punched, relay) and its round-trip time; redrawn in\n"
                    + "place on a terminal, as plain lines otherwise. Ctrl-C (SIGINT or SIGTERM) removes every\n"
                    + "namespace and process it made, and so does 'p2p lab -down' from another shell, also after the\n"
                    + "lab's process died. Nothing is connected to the host's network: nothing leaves the machine.\n"
                    + "The daemons' logs go to $P2P_STATE_DIR/lab/logs (default /var/lib/p2p/lab/logs), kept until\n"
                    + "the next lab; each daemon's state directory is $P2P_STATE_DIR/lab/mI.",
            List.of(Flag.integer("n", "N", "how many members: " + LabCommand.MIN_MEMBERS + " to " + LabCommand.MAX_MEMBERS, 3),
                    Flag.bool("nat", "put the members behind two NAT routers, with a bootstrap server and a relay (needs nft)"),
                    Flag.string("hash", "HASH", "the network's name (default: " + LabCommand.DEFAULT_HASH + ")"),
                    Flag.bool("down", "remove the lab: its namespaces and every process in them")),
            0);

    static final List<Command> ALL = List.of(DAEMON, START, STOP, SHOW, STATUS, SET, DEBUG, VERSION, KEYGEN, SHELL, SERVICE,
            DHT_SERVER, PROXY_SERVER, SERVERS, LAB, CLASS_ARCHIVE, HELP);

    private Commands() {
    }

    static Command named(String name) {
        String n = name.equals("h") ? "help" : name;
        for (Command c : ALL) {
            if (c.name().equals(n)) {
                return c;
            }
        }
        return null;
    }

    /** The help of {@code p2p help}. */
    static String appHelp(String version) {
        StringBuilder b = new StringBuilder();
        b.append("NAME:\n   p2p - Subutai P2P daemon/client application\n\n")
                .append("USAGE:\n   p2p [global options] command [command options] [arguments...]\n\n")
                .append("VERSION:\n   ").append(version).append("\n\n")
                .append("DESCRIPTION:\n   p2p creates private mesh networks: every member of a network gets a TAP\n")
                .append("   interface, and frames between members travel authenticated and encrypted.\n\n")
                .append("COMMANDS:\n");
        int width = 10; // the original's column, widened for longer names
        for (Command c : ALL) {
            width = Math.max(width, c.name().length() + 2);
        }
        for (Command c : ALL) {
            b.append("   ").append(c.name()).append(" ".repeat(width - c.name().length())).append(c.summary()).append('\n');
        }
        b.append("\nGLOBAL OPTIONS:\n   --help, -h     show help\n   --version, -v  print the version\n");
        return b.toString();
    }
}
