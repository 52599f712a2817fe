package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.HexFormat;

/**
 * A relay ("proxy") that discovery offers a network (docs/protocol.md §7.6, §8): where it takes
 * datagrams, and whether it also takes streams (TCP, TLS, WebSocket: §10) from members whose
 * network blocks UDP.
 *
 * @param address     its UDP address: members' handles there are {@code address.getAddress():handle}
 * @param streamPort  the TCP port where it takes streams on the same host; 0 when it takes none
 * @param certificate the SHA-256 of its TLS certificate (32 bytes), as it announced it; null when
 *                    it takes no streams or announced none
 */
public record RelayOffer(InetSocketAddress address, int streamPort, byte[] certificate) {

    public RelayOffer {
        if (streamPort < 0 || streamPort > 65535) {
            throw new IllegalArgumentException("stream port " + streamPort);
        }
        certificate = certificate == null ? null : certificate.clone();
    }

    /** A relay that takes datagrams only. */
    public static RelayOffer udp(InetSocketAddress address) {
        return new RelayOffer(address, 0, null);
    }

    @Override
    public byte[] certificate() {
        return certificate == null ? null : certificate.clone();
    }

    /** Where it takes streams ({@code wss://HOST:PORT/p2p}); null when it takes none. */
    public String streamUrl() {
        if (streamPort == 0) {
            return null;
        }
        String host = address.getAddress().getHostAddress();
        return "wss://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + streamPort + "/p2p";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayOffer r && r.address.equals(address) && r.streamPort == streamPort
                && java.util.Arrays.equals(r.certificate, certificate);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + streamPort;
    }

    @Override
    public String toString() {
        return address + (streamPort == 0 ? "" : " (streams on " + streamPort
                + (certificate == null ? "" : ", certificate " + HexFormat.of().formatHex(certificate, 0, 8) + "...") + ")");
    }
}
