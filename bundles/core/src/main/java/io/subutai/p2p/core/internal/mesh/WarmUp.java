package io.subutai.p2p.core.internal.mesh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

/**
 * One handshake and a few sealed packets between two throwaway keys, and a packet through a
 * socket: the first real handshake then finds the crypto code loaded and warm (cold, it took
 * ~0.5 s in a fresh daemon, most of the time to the first ping). The engine runs it when the
 * crypto suite and the socket provider arrive, and again, on its own thread, for each network it
 * starts, through that network's socket (never on the network's loop: discovery's first
 * registration runs there).
 */
public final class WarmUp {

    private WarmUp() {
    }

    public static void run(CryptoSuite suite, DatagramPort socket, MeshLog log) {
        try {
            StaticKeys x = suite.generateKeys();
            StaticKeys y = suite.generateKeys();
            byte[] psk = suite.derivePsk(new byte[] {0});
            Handshake i = suite.initiate(x, y.publicKey(), psk);
            Handshake r = suite.respond(y, psk);
            ByteBuffer m = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            i.writeMessage(ByteBuffer.allocate(12), m);
            r.readMessage(m.flip(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
            r.writeMessage(ByteBuffer.allocate(0), m.clear());
            i.readMessage(m.flip(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
            Session a = i.split(0);
            Session b = r.split(0);
            ByteBuffer plain = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM);
            ByteBuffer sealed = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM + 64);
            for (int k = 0; k < 64; k++) {
                a.seal(0, plain.clear().limit(k % 2 == 0 ? 64 : 1400), sealed.clear());
                b.open(0, sealed.flip(), plain.clear());
            }
            socket(socket);
        } catch (GeneralSecurityException | RuntimeException e) {
            log.debug("Crypto warm-up failed: " + e); // the real handshake will say more
        }
    }

    /** The socket's send and receive paths: a packet of a reserved type to itself, which no handler takes. */
    private static void socket(DatagramPort socket) {
        int port = socket.localAddress().getPort();
        if (port > 0) {
            ByteBuffer runt = ByteBuffer.allocateDirect(Wire.HEADER);
            Wire.header(runt, 15);
            socket.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), runt.flip());
        }
    }
}
