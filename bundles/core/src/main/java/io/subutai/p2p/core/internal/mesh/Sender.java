package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.TapDevice;

/**
 * Seals for a peer with its current session and sends (wireguard-go's {@code send.go}). Frames
 * go into the peer's batch, which leaves in one system call (UDP GSO) while its datagrams are of
 * one size (a frame's fragments, a run of full-sized frames, a run of acknowledgements), and is
 * sent before anything else for that peer, so the peer's packets keep their order. Every method
 * wants the peer's lock.
 */
final class Sender {

    private final DatagramPort socket;
    private final MeshCounters counters;
    /** The kind of the path a datagram goes by, for the traffic counters. */
    private final Routing routing;
    /** Whether the TAP's frames start with its offload header. */
    private final boolean offload;
    private final MacAddress mac;
    /** This node bridges (peer info says so). */
    private final boolean bridge;
    /** This node's overlay address, told to peers with each keepalive (null: not told). */
    private volatile Ipv4Cidr overlay;
    /** With -pmtu: the frames that waited for the handshake have their SYNs clamped too. */
    private final PathFit fit;

    Sender(DatagramPort socket, MeshCounters counters, Routing routing, boolean offload, MacAddress mac, Ipv4Cidr overlay,
            boolean bridge, PathFit fit) {
        this.fit = fit;
        this.routing = routing;
        this.bridge = bridge;
        this.socket = socket;
        this.counters = counters;
        this.offload = offload;
        this.mac = mac;
        this.overlay = overlay;
    }

    void overlay(Ipv4Cidr address) {
        overlay = address;
    }

    /**
     * Sends a frame as the TAP gave it, {@code buf} from {@code from} to {@code to} (with the TAP's
     * offload header first when it has offloads), to the peer's endpoint: whole in one datagram
     * when it fits, else in fragments. When {@code room}, the byte before the frame's first one may
     * be overwritten, and the frame is sealed where it lies, not copied. The peer is connected.
     */
    void frameLocked(Peer p, ByteBuffer buf, int from, int to, boolean room, long now) {
        Keypair k = p.keypairs.current();
        InetSocketAddress dst = p.endpoint;
        boolean offloaded = offload;
        if (offloaded && Offload.plain(buf, from)) {
            from += Offload.HEADER; // nothing for the receiver to do: a plain frame (its header's last byte is room)
            offloaded = false;
            room = true;
        }
        int overhead = Wire.HEADER + Wire.INDEX + k.session().overhead();
        int total = to - from;
        int max = p.maxDatagram;
        if (!offloaded && 1 + total + overhead <= max) {
            ByteBuffer plaintext;
            if (room) {
                buf.put(from - 1, (byte) Wire.INNER_FRAME);
                plaintext = buf.limit(to).position(from - 1);
            } else {
                plaintext = p.send.plain().clear();
                plaintext.put((byte) Wire.INNER_FRAME).put(1, buf, from, total).position(1 + total).flip();
            }
            append(p, k, dst, plaintext, overhead);
            p.lastSent = now;
            return;
        }
        if (total > TapDevice.MAX_FRAME) {
            counters.sendFailures.incrementAndGet();
            return;
        }
        int chunk = Fragments.room(max, overhead);
        int id = p.send.nextFrameId++ & 0xffff;
        for (int off = 0; off < total; off += chunk) {
            Fragments.write(p.send.plain(), id, offloaded, off, total, buf, from, Math.min(chunk, total - off));
            append(p, k, dst, p.send.plain(), overhead);
        }
        p.lastSent = now;
    }

    /** Seals {@code plaintext} into the peer's batch, sending the batch first when this datagram cannot join it. */
    private void append(Peer p, Keypair k, InetSocketAddress dst, ByteBuffer plaintext, int overhead) {
        PeerSend s = p.send;
        int size = overhead + plaintext.remaining();
        ByteBuffer b = s.batch();
        if (b.position() > 0 && (s.closed || size > s.segment || b.remaining() < size || !dst.equals(s.batchTo))) {
            flushLocked(p);
        }
        if (b.position() == 0) {
            s.batchTo = dst;
            s.segment = size;
            s.closed = false;
        } else if (size < s.segment) {
            s.closed = true; // a shorter one ends a GSO run
        }
        int start = b.position();
        try {
            Wire.header(b, Wire.DATA);
            b.putInt(k.remoteIndex());
            k.session().seal(Wire.dataHeader(k.remoteIndex()), plaintext, b);
        } catch (RuntimeException e) {
            b.position(start); // what is in the batch stays whole: only this datagram is lost
            throw e;
        }
    }

    /** Sends what waits in the peer's batch. */
    void flushLocked(Peer p) {
        PeerSend s = p.send;
        if (!s.batching()) {
            return;
        }
        ByteBuffer b = s.batch().flip();
        int bytes = b.remaining();
        try {
            if (bytes <= s.segment) {
                socket.send(s.batchTo, b);
            } else {
                socket.sendSegments(s.batchTo, b, s.segment);
            }
            counted(p, s.batchTo, (bytes + s.segment - 1) / s.segment, bytes);
        } finally {
            b.clear();
        }
    }

    /** The scratch buffer for an inner message to the peer, cleared: fill it, flip it, {@link #controlLocked send} it. */
    ByteBuffer plainLocked(Peer p) {
        return p.send.plain().clear();
    }

    /** Seals the inner message in the peer's scratch buffer and sends it to {@code to} at once (after the peer's batch). */
    void controlLocked(Peer p, InetSocketAddress to) {
        flushLocked(p);
        ByteBuffer packet = sealed(p, p.keypairs.current());
        int bytes = packet.remaining();
        socket.send(to, packet);
        counted(p, to, 1, bytes);
    }

    /** The inner message in the peer's scratch buffer, sealed under {@code k} into its packet buffer, flipped. */
    private static ByteBuffer sealed(Peer p, Keypair k) {
        ByteBuffer packet = p.send.packet().clear();
        Wire.header(packet, Wire.DATA);
        packet.putInt(k.remoteIndex());
        k.session().seal(Wire.dataHeader(k.remoteIndex()), p.send.plain(), packet);
        return packet.flip();
    }

    /**
     * Sends path MTU probe {@code id} to {@code to}: a datagram of exactly {@code size} bytes
     * (at most {@link Wire#MAX_DATAGRAM}), its padding zeros, with the don't-fragment bit. False,
     * nothing sent, when the way to {@code to} cannot carry it so (a transport's path) or the size
     * leaves no room for the id.
     */
    boolean mtuProbeLocked(Peer p, InetSocketAddress to, int id, int size) {
        Keypair k = p.keypairs.current();
        int overhead = Wire.HEADER + Wire.INDEX + k.session().overhead();
        int inner = size - overhead;
        if (inner < Wire.PROBE_LENGTH || size > Wire.MAX_DATAGRAM) {
            return false;
        }
        flushLocked(p);
        ByteBuffer plain = plainLocked(p).put((byte) Wire.INNER_MTU_PROBE).putInt(id);
        while (plain.position() < inner) {
            plain.put((byte) 0);
        }
        plain.flip();
        ByteBuffer packet = sealed(p, k);
        int bytes = packet.remaining();
        if (!socket.sendUnfragmented(to, packet)) {
            return false;
        }
        counted(p, to, 1, bytes);
        return true;
    }

    /** Counts datagrams sent to {@code to}, by the kind of its path (looked up once per address it goes to). */
    private void counted(Peer p, InetSocketAddress to, int packets, int bytes) {
        if (to != p.sentTo) {
            p.sentTo = to;
            p.sentKind = routing.kind(p, to);
        }
        counters.sent(p.sentKind, packets, bytes);
    }

    /**
     * A keepalive: it is peer info, which tells this node's overlay address (zeros while it has
     * none), its TAP's MAC, and whether it bridges.
     */
    void keepaliveLocked(Peer p, long now) {
        ByteBuffer plain = plainLocked(p);
        Ipv4Cidr o = overlay;
        plain.put((byte) Wire.INNER_PEER_INFO).putInt(o == null ? 0 : o.address()).put((byte) (o == null ? 0 : o.prefix()))
                .put(mac.toBytes()).put((byte) (bridge ? Wire.PEER_INFO_BRIDGE : 0));
        plain.flip();
        controlLocked(p, p.endpoint);
        p.lastSent = now;
    }

    /**
     * The peer's session works now ({@code why}): connected, it learns this node's overlay
     * address at once, and the frames that waited for the handshake follow.
     */
    void connectedLocked(Peer p, PeerEvent why, long now, long wallMillis) {
        if (!p.changeStateLocked(PeerState.CONNECTED, why, now, wallMillis)) {
            return;
        }
        p.send.prepare();
        keepaliveLocked(p, now);
        for (byte[] f = p.send.nextWaiting(); f != null; f = p.send.nextWaiting()) {
            ByteBuffer frame = ByteBuffer.wrap(f);
            fit.departing(p, frame, 0, f.length, offload); // a SYN waits for the first handshake as a rule
            frameLocked(p, frame, 0, f.length, false, now);
        }
        flushLocked(p);
    }
}
