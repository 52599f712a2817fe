package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.TapDevice;

/**
 * DATA packets from peers to the TAP (wireguard-go's {@code receive.go}, Nebula's {@code
 * outside.go}): the session by its index, opening with the replay check straight into the buffer
 * written to the TAP, the inner message (a frame, a fragment, peer info, a probe or its answer),
 * the switch learning where a MAC is, and the TAP write (segmented here when the sender's TAP
 * offloaded and this one cannot take it). The socket's receive thread's alone; it takes a peer's
 * lock only to send (a probe's answer) or when the peer's session changes.
 */
final class Inbound {

    /** Where received plaintext starts in its buffer, leaving room to put an offload header in front. */
    private static final int OPEN_AT = 16;

    private final TapDevice tap;
    private final EthernetSwitch<Peer> sw;
    private final IndexTable table;
    private final Map<PeerId, Peer> peers;
    private final Routing routing;
    private final Sender sender;
    private final Paths paths;
    private final HandshakeManager handshakes;
    private final Outbound outbound;
    private final MeshCounters counters;
    private final ControlLoop clock;
    private final MeshLog log;
    /** Plaintext is opened straight into the buffer written to the TAP. */
    private final FrameBatch toTap = new FrameBatch(1, OPEN_AT + Math.max(Wire.MAX, TapDevice.MAX_FRAME), true);
    private FrameBatch segments;
    private volatile boolean closed;

    private final PathFit fit;

    Inbound(Mesh.Parts parts, EthernetSwitch<Peer> sw, Sender sender, Paths paths, HandshakeManager handshakes,
            Outbound outbound) {
        this.tap = parts.config().tap();
        this.sw = sw;
        this.table = parts.table();
        this.peers = parts.peers();
        this.routing = parts.routing();
        this.sender = sender;
        this.paths = paths;
        this.handshakes = handshakes;
        this.outbound = outbound;
        this.counters = parts.counters();
        this.fit = parts.fit();
        this.clock = parts.config().loop();
        this.log = parts.config().log();
    }

    void close() {
        closed = true;
    }

    void onData(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.DATA) {
            counters.malformed.incrementAndGet();
            return;
        }
        if (routing.relayOnly() && !routing.usable(from)) {
            counters.notRelayed.incrementAndGet();
            return;
        }
        if (!(table.get(Wire.index(datagram, Wire.HEADER)) instanceof Keypair k)) {
            counters.unknownIndex.incrementAndGet();
            counters.rejected.incrementAndGet();
            return;
        }
        ByteBuffer sealed = datagram.duplicate();
        sealed.position(datagram.position() + Wire.HEADER + Wire.INDEX);
        toTap.clear();
        ByteBuffer opened = toTap.claim();
        opened.position(OPEN_AT);
        // only this thread opens, so no lock: the TAP thread keeps sealing meanwhile
        // the header and index are the associated data: a changed bit (a reserved one too) does not open
        if (!k.session().open(sealed.getLong(datagram.position()), sealed, opened)) {
            if (k.session().replayed(sealed)) {
                counters.replayed.incrementAndGet();
                counters.rejected.incrementAndGet();
            } else {
                counters.forged();
            }
            return;
        }
        Peer p = k.peer();
        if (peers.get(p.id) != p) {
            if (peers.size() >= Mesh.MAX_PEERS && !peers.containsKey(p.id)) {
                counters.overLimit.incrementAndGet(); // a network's peers are capped, whoever found whom
                return;
            }
            k = handshakes.adopt(k);
            if (k == null) {
                counters.unknownIndex.incrementAndGet();
                return;
            }
            p = k.peer();
        }
        long now = clock.nanoTime();
        p.lastReceived = now;
        if (!p.paths.stats.containsKey(from)) {
            paths.adopt(p, from, now);
        }
        if (!from.equals(p.receivedFrom)) { // the kind of the path it came by, looked up once per path
            p.receivedFrom = from;
            p.receivedKind = routing.kind(p, from);
        }
        counters.received(p.receivedKind, datagram.remaining());
        // a known path counts as live only by answered probes: packets from an address do not
        // prove that packets to it arrive
        if (!p.connected() || p.keypairs.next() == k) {
            synchronized (p) {
                if (p.keypairs.next() == k) {
                    counters.handshakesCompleted.incrementAndGet(); // a responder's session, confirmed by its first packet
                }
                p.keypairs.promoteLocked(k, table);
                if (!p.connected()) {
                    // the first packet under a session confirms it: only now does the peer change
                    // (an answered initiation changed nothing, docs/protocol.md §4.6)
                    p.endpoint = from;
                    sender.connectedLocked(p, PeerEvent.connected(from, routing.describe(p, from)), now,
                            clock.currentTimeMillis());
                }
            }
        }
        dispatch(p, from, opened, opened.position(), datagram.remaining(), now);
    }

    /** The inner message opened at {@link #OPEN_AT}, up to {@code end}, of a datagram of {@code received} bytes. */
    private void dispatch(Peer p, InetSocketAddress from, ByteBuffer opened, int end, int received, long now) {
        int inner = opened.get(OPEN_AT);
        int length = end - OPEN_AT;
        if (inner == Wire.INNER_FRAME) {
            deliver(p, opened, OPEN_AT + 1, end, false, now);
        } else if (inner == Wire.INNER_FRAGMENT) {
            int r = p.reassembly.offer(opened, OPEN_AT, end);
            if (p.reassembly.gaveUp()) {
                counters.incomplete.incrementAndGet();
            }
            if (r == Fragments.Reassembler.MALFORMED) {
                counters.malformed.incrementAndGet();
            } else if (r == Fragments.Reassembler.WHOLE) {
                deliver(p, opened, p.reassembly.from(), p.reassembly.to(), p.reassembly.offload(), now);
            }
        } else if (inner == Wire.INNER_PEER_INFO && length == Wire.PEER_INFO_LENGTH) {
            peerInfo(p, opened, now);
        } else if (inner == Wire.INNER_PROBE && length == Wire.PROBE_LENGTH) {
            reply(p, from, Wire.INNER_PROBE_REPLY, opened.getInt(OPEN_AT + 1), -1);
        } else if (inner == Wire.INNER_PROBE_REPLY && length == Wire.PROBE_LENGTH) {
            paths.answered(p, opened.getInt(OPEN_AT + 1), now);
        } else if (inner == Wire.INNER_MTU_PROBE && length >= Wire.PROBE_LENGTH) {
            reply(p, from, Wire.INNER_MTU_REPLY, opened.getInt(OPEN_AT + 1), received);
        } else if (inner == Wire.INNER_MTU_REPLY && length == Wire.MTU_REPLY_LENGTH) {
            paths.mtuAnswered(p, opened.getInt(OPEN_AT + 1), opened.getShort(OPEN_AT + 5) & 0xffff);
        }
    }

    /** Answers probe {@code id} of {@code p} with {@code type}, then {@code length} (2 bytes) unless it is negative, back the way it came. */
    private void reply(Peer p, InetSocketAddress from, int type, int id, int length) {
        synchronized (p) {
            if (p.keypairs.current() != null) {
                ByteBuffer plain = sender.plainLocked(p).put((byte) type).putInt(id);
                if (length >= 0) {
                    plain.putShort((short) length);
                }
                plain.flip();
                sender.controlLocked(p, from);
            }
        }
    }

    /**
     * What the peer told of itself: its overlay address (0: none yet), its TAP's MAC, whether it
     * bridges. Its MAC and address are pinned to it, unless another member holds them: then the
     * peer info is refused and counted ({@link EthernetSwitch#announce}, {@link AddressGuard#announce}).
     */
    private void peerInfo(Peer p, ByteBuffer opened, long now) {
        int ip = opened.getInt(OPEN_AT + 1);
        long mac = EthernetSwitch.mac(opened, OPEN_AT + 6);
        boolean bridge = (opened.get(OPEN_AT + 12) & Wire.PEER_INFO_BRIDGE) != 0;
        Peer.Info was = p.info;
        if (was.mac() != null && was.address() == ip && was.bridge() == bridge && was.macValue() == mac) {
            return; // as told before (every keepalive tells it)
        }
        if (!sw.announce(p, mac, bridge, now) || !sw.addresses.announce(p, ip, bridge, now)) {
            counters.spoofed.incrementAndGet();
            return;
        }
        byte[] bytes = new byte[6];
        opened.get(OPEN_AT + 6, bytes);
        String text = ip == 0 ? null : (ip >>> 24) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
        p.info = new Peer.Info(text, MacAddress.of(bytes).toString(), ip, mac, bridge);
    }

    /**
     * Writes a received frame to the TAP: {@code b} from {@code from} to {@code to}, the claimed
     * buffer of {@link #toTap} with room in front; {@code offload} when it starts with the sender's
     * offload header. A TAP with offloads takes it as it is (a plain frame gets a header of zeros);
     * a TAP without gets it segmented and checksummed here.
     */
    private void deliver(Peer p, ByteBuffer b, int from, int to, boolean offload, long now) {
        int eth = offload ? from + Offload.HEADER : from;
        if (offload && !Offload.valid(b, from, to)) {
            counters.malformed.incrementAndGet();
            return;
        }
        b.limit(to).position(eth);
        int learned = sw.learn(b, p, now);
        if (learned != EthernetSwitch.LEARNED || !sw.addresses.allowed(b, eth, p, now)) {
            if (learned == EthernetSwitch.FULL) {
                counters.overLimit.incrementAndGet();
            } else if (learned != EthernetSwitch.MALFORMED) {
                counters.spoofed.incrementAndGet(); // a member sending as another, or from a MAC not its own: dropped
            }
            return;
        }
        fit.arriving(p, b, eth, to, offload && (b.get(from) & Offload.NEEDS_CSUM) != 0);
        try {
            if (tap.offload()) {
                if (!offload) {
                    from -= Offload.HEADER;
                    b.putLong(from, 0).putShort(from + 8, (short) 0);
                }
                toTap.commit(from, to);
                tap.write(toTap);
                outbound.readNow();
            } else if (!offload || Offload.plain(b, from)) {
                toTap.commit(eth, to);
                tap.write(toTap);
                outbound.readNow();
            } else {
                if (segments == null) {
                    segments = new FrameBatch(1, TapDevice.MAX_FRAME, true);
                }
                segments.clear();
                if (Offload.toPlain(b, from, to, segments.claim(), this::writeSegment) == 0) {
                    counters.malformed.incrementAndGet();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            if (!closed) {
                counters.tapErrors.incrementAndGet();
                log.warn("TAP " + tap.name() + " write failed: " + e.getMessage());
            }
        }
    }

    /** Writes one segment that {@link Offload#toPlain} made in the buffer of {@link #segments}. */
    private void writeSegment(ByteBuffer segment) {
        int from = segment.position();
        int to = segment.limit();
        segments.clear();
        segments.claim();
        segments.commit(from, to);
        try {
            tap.write(segments);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
