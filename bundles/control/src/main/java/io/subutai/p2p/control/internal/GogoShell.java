package io.subutai.p2p.control.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.P2pException;

/**
 * Runs Gogo command lines for clients of the control API. A named session keeps its Gogo
 * variables between lines (the interactive {@code p2p shell}); sessions idle for
 * {@link #IDLE_NANOS} are closed, and at most {@link #MAX_SESSIONS} live at once.
 */
final class GogoShell implements ShellRunner, AutoCloseable {

    static final long IDLE_NANOS = 10L * 60 * 1_000_000_000L;
    static final int MAX_SESSIONS = 16;

    /** One Gogo session and the buffers its current line writes to. */
    private static final class Box {
        final CommandSession session;
        final Switch out = new Switch();
        final Switch err = new Switch();
        final ReentrantLock lock = new ReentrantLock();
        long lastUsed; // guarded by the sessions map
        boolean evicted; // guarded by lock

        /** Closes the session now if no line runs in it, else when that line ends. */
        void evict() {
            if (lock.tryLock()) {
                try {
                    evicted = true;
                    session.close();
                } finally {
                    lock.unlock();
                }
            } else {
                evicted = true; // read by the running line's owner when it unlocks
            }
        }

        Box(CommandProcessor processor) {
            session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        }
    }

    /** An output stream whose target changes per command line. */
    private static final class Switch extends OutputStream {
        private volatile OutputStream target = OutputStream.nullOutputStream();

        @Override
        public void write(int b) throws java.io.IOException {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            target.write(b, off, len);
        }
    }

    private final CommandProcessor processor;
    private final LongSupplier clock;

    // guarded by sessions
    private final Map<String, Box> sessions = new LinkedHashMap<>();

    GogoShell(CommandProcessor processor, LongSupplier clock) {
        this.processor = processor;
        this.clock = clock;
    }

    @Override
    public CommandOutput run(String session, String line) {
        Box box = session.isEmpty() ? new Box(processor) : named(session);
        box.lock.lock();
        try {
            if (box.evicted) {
                return CommandOutput.error(1, "This shell session was closed (idle too long, or too many sessions); "
                        + "start a new one\n");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            box.out.target = out;
            box.err.target = err;
            int code = 0;
            try {
                Object result = box.session.execute(line);
                if (result != null) {
                    CharSequence text = box.session.format(result, Converter.INSPECT);
                    out.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
                    if (text.length() > 0 && text.charAt(text.length() - 1) != '\n') {
                        out.write('\n');
                    }
                }
            } catch (P2pException e) {
                code = e.code();
                err.writeBytes((e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                code = 1;
                String m = e.getMessage() != null ? e.getMessage() : e.toString();
                err.writeBytes((m + "\n").getBytes(StandardCharsets.UTF_8));
            } finally {
                box.out.target = OutputStream.nullOutputStream();
                box.err.target = OutputStream.nullOutputStream();
                if (session.isEmpty() || box.evicted) {
                    box.session.close();
                }
            }
            return new CommandOutput(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            box.lock.unlock();
        }
    }

    private Box named(String name) {
        long now = clock.getAsLong();
        synchronized (sessions) {
            for (Iterator<Box> it = sessions.values().iterator(); it.hasNext(); ) {
                Box b = it.next();
                if (now - b.lastUsed > IDLE_NANOS) {
                    it.remove();
                    b.evict();
                }
            }
            Box box = sessions.get(name);
            if (box == null) {
                if (sessions.size() >= MAX_SESSIONS) {
                    Iterator<Box> oldest = sessions.values().iterator();
                    oldest.next().evict();
                    oldest.remove();
                }
                box = new Box(processor);
                sessions.put(name, box);
            }
            box.lastUsed = now;
            return box;
        }
    }

    @Override
    public void close() {
        synchronized (sessions) {
            for (Box b : sessions.values()) {
                b.evict();
            }
            sessions.clear();
        }
    }
}
