package io.subutai.p2p.transport.udp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Objects;

import org.osgi.service.component.annotations.Component;

import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.UdpSocket;

/** UDP sockets for network instances, on Netty. */
@Component(service = SocketProvider.class, property = SocketProvider.PROPERTY + "=udp")
public final class UdpSocketProvider implements SocketProvider {

    @Override
    public UdpSocket open(String name, int minPort, int maxPort) throws IOException {
        if (minPort < 0 || maxPort > 65535 || minPort > maxPort) {
            throw new IOException("bad port range " + minPort + "-" + maxPort);
        }
        return NettyUdpSocket.open(name, null, minPort, maxPort);
    }

    @Override
    public UdpSocket openOn(String name, InetAddress address) throws IOException {
        return NettyUdpSocket.open(name, Objects.requireNonNull(address, "address"), 0, 0);
    }
}
