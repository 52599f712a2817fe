package io.subutai.p2p.transport.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

import io.subutai.p2p.spi.DatagramHandler;

/** What the tests record: log lines, and the datagrams a link delivers (with where from and on which thread). */
final class Recorder implements DatagramHandler {

    final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
    final List<InetSocketAddress> from = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void received(InetSocketAddress source, ByteBuffer datagram) {
        byte[] b = new byte[datagram.remaining()];
        datagram.duplicate().get(b);
        from.add(source);
        threads.add(Thread.currentThread().getName());
        datagrams.add(b);
    }

    byte[] take() throws InterruptedException {
        byte[] b = datagrams.poll(10, TimeUnit.SECONDS);
        assertNotNull(b, "no datagram within 10 s");
        return b;
    }

    /** A log that keeps {@code LEVEL message} lines, the {@code {}} filled in. */
    static Logger log(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String format) {
                        List<Object> values = new ArrayList<>();
                        for (int i = 1; i < args.length; i++) {
                            if (args[i] instanceof Object[] many) {
                                values.addAll(Arrays.asList(many));
                            } else {
                                values.add(args[i]);
                            }
                        }
                        String line = format;
                        for (Object v : values) {
                            line = line.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(v)));
                        }
                        lines.add(method.getName().toUpperCase() + " " + line);
                    }
                    return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    }
}
