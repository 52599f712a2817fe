package io.subutai.p2p.crypto.pq.internal;

import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A "random" source that hands out the given byte strings, one per draw, in order: test vectors
 * fix every ephemeral key and the ML-KEM randomness this way. A draw of another length than the
 * next string, or one more than there are, throws, so a change in what the suite draws cannot go
 * unnoticed.
 */
final class ScriptedRandom extends SecureRandom {

    private static final long serialVersionUID = 1L;

    ScriptedRandom(List<byte[]> draws) {
        super(new Spi(draws), null);
    }

    private static final class Spi extends SecureRandomSpi {

        private static final long serialVersionUID = 1L;
        private final Deque<byte[]> draws;

        Spi(List<byte[]> draws) {
            this.draws = new ArrayDeque<>(draws);
        }

        @Override
        protected void engineSetSeed(byte[] seed) {
            throw new UnsupportedOperationException("a scripted random takes no seed");
        }

        @Override
        protected void engineNextBytes(byte[] bytes) {
            byte[] next = draws.poll();
            if (next == null || next.length != bytes.length) {
                throw new IllegalStateException("unscripted draw of " + bytes.length + " bytes (next scripted: "
                        + (next == null ? "none" : next.length + " bytes") + ")");
            }
            System.arraycopy(next, 0, bytes, 0, next.length);
        }

        @Override
        protected byte[] engineGenerateSeed(int numBytes) {
            throw new UnsupportedOperationException("a scripted random makes no seeds");
        }
    }
}
