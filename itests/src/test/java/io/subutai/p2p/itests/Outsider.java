package io.subutai.p2p.itests;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * Someone who knows a network's id but not its secret, run in a namespace of a test: it registers
 * a key of its own (so the server lists the members to it, and hands its record to them), then
 * registers every member's key with its own socket as the only endpoint and asks the server to
 * forget them, again and again for the window. Its socket is the sink: it prints how many
 * datagrams reached it from anyone but the server ({@code FROM-OTHERS n}) and how many member
 * keys it learned ({@code KEYS n}).
 *
 * <p>Arguments: server HOST:PORT, the network id in hex, the address to give as its endpoint, the window in seconds.
 */
public final class Outsider {

    private Outsider() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0].substring(0, args[0].lastIndexOf(':')),
                Integer.parseInt(args[0].substring(args[0].lastIndexOf(':') + 1)));
        byte[] net = HexFormat.of().parseHex(args[1]);
        long window = Long.parseLong(args[3]) * 1_000_000_000L;
        SecureRandom random = new SecureRandom();
        byte[] priv = KeyAgreement.generatePrivate(random);
        byte[] own = KeyAgreement.publicKey(priv);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(args[2], 0))) {
            socket.setSoTimeout(200);
            List<InetSocketAddress> sink = List.of((InetSocketAddress) socket.getLocalSocketAddress());
            byte[] cookie = new byte[DhtMessage.COOKIE];
            byte[] agreed = null;
            Map<String, byte[]> members = new LinkedHashMap<>();
            int fromOthers = 0;
            long time = System.currentTimeMillis() * 2; // later than any member's record
            long start = System.nanoTime();
            long lastRound = 0;
            byte[] buf = new byte[2048];
            while (System.nanoTime() - start < window) {
                if (System.nanoTime() - lastRound > 1_000_000_000L) {
                    lastRound = System.nanoTime();
                    send(socket, server, register(net, cookie, own, time++, sink, random), agreed);
                    for (byte[] k : members.values()) { // a member's key: it has no proof of it, only its own MAC
                        send(socket, server, register(net, cookie, k, time++, sink, random), agreed);
                        send(socket, server, new DhtMessage.Leave(net, k, time++), agreed);
                    }
                }
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (!p.getSocketAddress().equals(server)) {
                    fromOthers++;
                    continue;
                }
                DhtMessage m = DhtMessage.decode(ByteBuffer.wrap(buf, 0, p.getLength()));
                if (m instanceof DhtMessage.Cookie c) {
                    cookie = c.cookie();
                    agreed = KeyAgreement.agree(priv, own, c.serverKey(), DhtMessage.AGREEMENT_LABEL);
                    lastRound = 0;
                } else if (m instanceof DhtMessage.Peers peers) {
                    for (DhtMessage.Member member : peers.members()) {
                        byte[] k = member.signed().record().staticKey();
                        if (!Arrays.equals(k, own)) {
                            members.put(HexFormat.of().formatHex(k), k);
                        }
                    }
                }
            }
            System.out.println("FROM-OTHERS " + fromOthers + " KEYS " + members.size());
        }
    }

    private static DhtMessage.Register register(byte[] net, byte[] cookie, byte[] key, long time,
            List<InetSocketAddress> endpoints, SecureRandom random) {
        byte[] tag = new byte[DhtMessage.TAG];
        random.nextBytes(tag); // it cannot make a member's tag
        byte[] record = new DhtRecord(key, time, false, 0, 0, new ArrayList<>(endpoints)).encode();
        return new DhtMessage.Register(net, cookie, new DhtMessage.Signed(record, tag, DhtRecord.decode(record)));
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, DhtMessage m, byte[] macKey) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(1452);
        DhtMessage.encode(m, b, macKey);
        socket.send(new DatagramPacket(b.array(), b.position(), to));
    }
}
