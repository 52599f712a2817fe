package io.subutai.p2p.tap.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapSpec;

/** The driver against the real kernel, in a network namespace of its own. Needs root. */
class LinuxTapDriverTest {

    private static final MacAddress MAC = MacAddress.parse("06:aa:bb:cc:dd:01");
    private static final MacAddress PEER_MAC = MacAddress.parse("06:11:22:33:44:55");
    private static final ObjectMapper JSON = new ObjectMapper();

    private InNetns ns;
    private LinuxTapDriver driver;

    @BeforeAll
    static void needsRoot() {
        if (!InNetns.isRoot()) {
            System.err.println("\n*** SKIPPED: LinuxTapDriverTest needs root (TAP devices, network namespaces). ***\n");
        }
        assumeTrue(InNetns.isRoot(), "LinuxTapDriverTest needs root");
    }

    @BeforeEach
    void setUp() throws Exception {
        ns = new InNetns("tap");
        driver = new LinuxTapDriver(config(""));
    }

    @AfterEach
    void tearDown() throws Exception {
        ns.close();
    }

    @Test
    void opensAConfiguredInterfaceAndMovesFramesBothWays() throws Exception {
        assertTrue(driver.availability().available(), driver.availability().reason());
        TapDevice tap = ns.call(() -> driver.open(new TapSpec("vptp%d", MAC, 1400, Ipv4Cidr.parse("10.77.0.1/24"))));
        try {
            assertEquals("vptp1", tap.name(), "the first free vptpN counts from 1");
            JsonNode link = JSON.readTree(ns.ip("-j", "addr", "show", "dev", "vptp1")).get(0);
            assertEquals("06:aa:bb:cc:dd:01", link.get("address").asText());
            assertEquals(1400, link.get("mtu").asInt());
            assertTrue(link.get("flags").toString().contains("UP"), link.toString());
            JsonNode inet = null;
            for (JsonNode a : link.get("addr_info")) {
                if (a.get("family").asText().equals("inet")) {
                    inet = a;
                }
            }
            assertEquals("10.77.0.1", inet.get("local").asText());
            assertEquals(24, inet.get("prefixlen").asInt());

            // kernel -> device: sending to a neighbour in the subnet makes the kernel ask for its MAC
            FrameBatch batch = new FrameBatch(16, 2048, true);
            CompletableFuture<byte[]> arp = CompletableFuture.supplyAsync(() -> readArpRequest(tap, batch));
            ns.call(() -> InNetns.run("bash", "-c", "echo x > /dev/udp/10.77.0.2/9"));
            byte[] request = arp.get(10, TimeUnit.SECONDS);
            assertEquals(MAC, MacAddress.of(java.util.Arrays.copyOfRange(request, 6, 12)), "sent by the interface");
            assertEquals("10.77.0.2", ip(request, 38), "asks for the neighbour");

            // device -> kernel: the answer we write is taken, and the kernel learns the neighbour
            FrameBatch out = new FrameBatch(1, 2048, true);
            out.claim().put(arpReply(PEER_MAC, new byte[] {10, 77, 0, 2}, MAC, new byte[] {10, 77, 0, 1}));
            out.commit();
            tap.write(out);
            String neigh = ns.ip("-j", "neigh", "show", "dev", "vptp1");
            assertTrue(neigh.contains("06:11:22:33:44:55") && neigh.contains("10.77.0.2"), neigh);
        } finally {
            tap.close();
        }
        assertThrows(IOException.class, () -> ns.ip("link", "show", "vptp1"), "closing removes the interface");
    }

    @Test
    void withOffloadsFramesCarryTheHeaderBothWays() throws Exception {
        LinuxTapDriver offloading = new LinuxTapDriver(config("", true));
        TapDevice tap = ns.call(() -> offloading.open(new TapSpec("vptp%d", MAC, 1500, Ipv4Cidr.parse("10.82.0.1/24"))));
        try {
            assertTrue(tap.offload());
            // the kernel asks for the neighbour, then leaves the UDP checksum of the datagram that waited
            // for the answer to finish, and says so in the header in front of the frame
            FrameBatch in = new FrameBatch(8, TapDevice.MAX_FRAME, true);
            CompletableFuture<ByteBuffer> udp = CompletableFuture.supplyAsync(() -> {
                try {
                    while (true) {
                        for (int i = 0, n = tap.read(in); i < n; i++) {
                            ByteBuffer f = in.frame(i);
                            int eth = TapDevice.OFFLOAD_HEADER;
                            if (f.remaining() > eth + 34 && f.getShort(eth + 12) == 0x0806) {
                                // answered with a header of zeros (a plain frame), which the kernel takes
                                FrameBatch out = new FrameBatch(1, 2048, true);
                                out.claim().put(new byte[TapDevice.OFFLOAD_HEADER])
                                        .put(arpReply(PEER_MAC, new byte[] {10, 82, 0, 2}, MAC, new byte[] {10, 82, 0, 1}));
                                out.commit();
                                tap.write(out);
                            }
                            if (f.remaining() > eth + 34 && f.getShort(eth + 12) == 0x0800 && f.get(eth + 23) == 17) {
                                ByteBuffer copy = ByteBuffer.allocate(f.remaining());
                                copy.put(f.duplicate()).flip();
                                return copy;
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ns.call(() -> InNetns.run("bash", "-c", "echo hello > /dev/udp/10.82.0.2/9"));
            ByteBuffer f = udp.get(10, TimeUnit.SECONDS);
            assertEquals(1, f.get(0) & 1, "NEEDS_CSUM");
            assertEquals(0, f.get(1), "no GSO for one small datagram");
            assertEquals(34, (f.get(6) & 255) | (f.get(7) & 255) << 8, "checksum starts at the UDP header");
            assertEquals(6, (f.get(8) & 255) | (f.get(9) & 255) << 8, "at UDP's checksum field");
            assertEquals(PEER_MAC, MacAddress.of(java.util.Arrays.copyOfRange(f.array(), 10, 16)),
                    "then the Ethernet frame, to the neighbour the ARP reply named");
        } finally {
            tap.close();
        }
    }

    @Test
    void twoDevicesSideBySideAndNameClashes() throws Exception {
        TapDevice a = ns.call(() -> driver.open(new TapSpec("vptp%d", MAC, 1500, Ipv4Cidr.parse("10.78.0.1/24"))));
        TapDevice b = ns.call(() -> driver.open(new TapSpec("vptp%d", PEER_MAC, 1500, Ipv4Cidr.parse("10.79.0.1/16"))));
        TapDevice named = ns.call(() -> driver.open(new TapSpec("p2pnet", MAC, 1500, null)));
        try {
            assertEquals("vptp1", a.name());
            assertEquals("vptp2", b.name());
            assertEquals("p2pnet", named.name());
            IOException e = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                    new TapSpec("vptp1", MAC, 1500, null))));
            assertEquals("Interface is already in use", e.getMessage());
            IOException lo = assertThrows(IOException.class, () -> ns.call(() -> driver.open(new TapSpec("lo", MAC, 1500, null))));
            assertEquals("Interface is already in use", lo.getMessage());
        } finally {
            a.close();
            b.close();
            named.close();
        }
        assertFalse(ns.ip("link").contains("vptp"), "all removed");
    }

    @Test
    void configurationErrorsNameTheInterfaceAndLeaveNothingBehind() throws Exception {
        IOException e = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                new TapSpec("vptp%d", MAC, 70000, Ipv4Cidr.parse("10.80.0.1/24")))));
        assertTrue(e.getMessage().startsWith("Failed to configure interface vptp1: "), e.getMessage());
        assertFalse(ns.ip("link").contains("vptp1"), "the half-made interface is gone");
        IOException name = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                new TapSpec("much-too-long-name", MAC, 1500, null))));
        assertTrue(name.getMessage().contains("not a valid interface name"), name.getMessage());
    }

    @Test
    void closeWakesABlockedReader() throws Exception {
        TapDevice tap = ns.call(() -> driver.open(new TapSpec("vptp%d", MAC, 1500, null)));
        CompletableFuture<Throwable> reader = blockedReader(tap);
        assertFalse(reader.isDone());
        tap.close();
        assertTrue(reader.get(5, TimeUnit.SECONDS) instanceof ClosedChannelException);
    }

    @Test
    void oneReaderAndOneWriterWorkAtOnce() throws Exception {
        TapDevice tap = ns.call(() -> driver.open(new TapSpec("vptp%d", MAC, 1500, Ipv4Cidr.parse("10.81.0.1/24"))));
        try {
            FrameBatch in = new FrameBatch(16, 2048, true);
            // the reader sleeps in read until the kernel sends the ARP request triggered below
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> readArpRequest(tap, in));
            FrameBatch out = new FrameBatch(8, 2048, true);
            for (int i = 0; i < 8; i++) {
                out.claim().put(arpReply(PEER_MAC, new byte[] {10, 81, 0, (byte) (10 + i)}, MAC, new byte[] {10, 81, 0, 1}));
                out.commit();
            }
            for (int round = 0; round < 100; round++) {
                tap.write(out); // while the reader is blocked: must not wait for it
            }
            assertFalse(reader.isDone(), "no request yet");
            ns.call(() -> InNetns.run("bash", "-c", "echo x > /dev/udp/10.81.0.2/9"));
            assertEquals("10.81.0.2", ip(reader.get(10, TimeUnit.SECONDS), 38));
        } finally {
            tap.close();
        }
    }

    @Test
    void aReaderLearnsWhenTheInterfaceIsDeletedUnderIt() throws Exception {
        TapDevice tap = ns.call(() -> driver.open(new TapSpec("vptp%d", MAC, 1500, null)));
        try {
            CompletableFuture<Throwable> reader = blockedReader(tap);
            ns.ip("link", "del", "vptp1");
            Throwable t = reader.get(5, TimeUnit.SECONDS);
            assertTrue(t.getMessage().contains("vptp1"), t.toString());
        } finally {
            tap.close();
        }
    }

    @Test
    void aReleasedInterfaceIsAdoptedWithItsIndexAddressRouteAndBridge() throws Exception {
        // the first holder offloads (frames with a header), the adopter does not: the kernel takes the adopter's
        LinuxTapDriver first = new LinuxTapDriver(config("", true));
        TapSpec spec = new TapSpec("p2ptap", MAC, 1500, Ipv4Cidr.parse("10.83.0.1/24"));
        TapDevice held = ns.call(() -> first.open(spec));
        ns.ip("route", "add", "10.99.0.0/24", "dev", "p2ptap");
        ns.ip("link", "add", "p2ptbr0", "type", "bridge");
        ns.ip("link", "set", "p2ptbr0", "up");
        ns.ip("link", "set", "p2ptap", "master", "p2ptbr0");
        int index = link("p2ptap").get("ifindex").asInt();
        CompletableFuture<Throwable> reader = blockedReader(held);

        long released = System.nanoTime();
        held.release();
        released = System.nanoTime() - released;
        assertTrue(reader.get(5, TimeUnit.SECONDS) instanceof ClosedChannelException, "a blocked read ends");
        assertEquals(index, link("p2ptap").get("ifindex").asInt(), "the interface stays");
        assertTrue(link("p2ptap").get("flags").toString().contains("NO-CARRIER"), "held by nobody");

        LinuxTapDriver second = new LinuxTapDriver(config("")); // as after a bundle update
        long[] took = new long[1];
        TapDevice tap = openTimed(second, spec.adopting(), took);
        try {
            System.out.printf("release took %.2f ms, adopt (nothing to change) took %.2f ms%n", released / 1e6, took[0] / 1e6);
            assertTrue(took[0] < TimeUnit.MILLISECONDS.toNanos(500), "adopting takes " + took[0] / 1_000_000 + " ms");
            assertFalse(tap.offload());
            JsonNode link = link("p2ptap");
            assertEquals(index, link.get("ifindex").asInt(), "the same interface");
            assertEquals("p2ptbr0", link.get("master").asText(), "still in the bridge");
            assertEquals(List.of("10.83.0.1/24"), inet("p2ptap"), "its address, once");
            assertTrue(ns.ip("route", "show", "10.99.0.0/24").contains("dev p2ptap"), "its route");

            // kernel -> device, as plain frames now: an ARP request out of the port
            FrameBatch in = new FrameBatch(16, 2048, true);
            CompletableFuture<byte[]> arp = CompletableFuture.supplyAsync(() -> readArpRequest(tap, in));
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                ns.call(() -> InNetns.run("bash", "-c", "echo x > /dev/udp/10.83.0.2/9"));
                return arp.isDone();
            });
            assertEquals("10.83.0.2", ip(arp.get(), 38));
            // device -> kernel: the bridge learns the sender of what the device writes
            FrameBatch out = new FrameBatch(1, 2048, true);
            out.claim().put(arpReply(PEER_MAC, new byte[] {10, 83, 0, 2}, MAC, new byte[] {10, 83, 0, 1}));
            out.commit();
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                tap.write(out);
                return InNetns.run("bridge", "-n", ns.name, "fdb", "show", "dev", "p2ptap").contains("06:11:22:33:44:55");
            });
        } finally {
            tap.close();
        }
        assertThrows(IOException.class, () -> ns.ip("link", "show", "p2ptap"), "closing an adopted device removes it");
    }

    @Test
    void closeRemovesThePersistentInterfaceAndAdoptingNothingMakesOne() throws Exception {
        TapSpec spec = new TapSpec("p2ptap", MAC, 1500, Ipv4Cidr.parse("10.85.0.1/24"));
        TapDevice made = ns.call(() -> driver.open(spec.adopting()));
        assertTrue(link("p2ptap").get("flags").toString().contains("UP"), "none there: one is made");
        assertEquals(List.of("10.85.0.1/24"), inet("p2ptap"));
        made.close();
        assertThrows(IOException.class, () -> ns.ip("link", "show", "p2ptap"), "close removes it");

        TapDevice plain = ns.call(() -> driver.open(spec));
        plain.release();
        plain.close(); // released already: does nothing
        TapDevice adopted = ns.call(() -> driver.open(spec.adopting()));
        adopted.close();
        assertThrows(IOException.class, () -> ns.ip("link", "show", "p2ptap"), "close after an adopt removes it");
    }

    @Test
    void anInterfaceADaemonLeftWhenKilledIsRefusedButAdopted() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process daemon = ns.call(() -> new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                TapHolder.class.getName(), "p2ptap", "10.84.0.1/24").redirectErrorStream(true).start());
        int index;
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("open", CompletableFuture.supplyAsync(() -> {
                try {
                    return said.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(30, TimeUnit.SECONDS));
            index = link("p2ptap").get("ifindex").asInt();
        } finally {
            daemon.destroyForcibly(); // SIGKILL: nothing of the driver runs
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
        assertFalse(daemon.isAlive());
        assertEquals(index, link("p2ptap").get("ifindex").asInt(), "the interface outlives its daemon");

        IOException refused = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                new TapSpec("p2ptap", MAC, 1500, null))));
        assertEquals("Interface is already in use", refused.getMessage(), "not taken over unless asked");

        IOException badMtu = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                new TapSpec("p2ptap", MAC, 70000, null).adopting())));
        assertTrue(badMtu.getMessage().startsWith("Failed to configure interface p2ptap: "), badMtu.getMessage());
        assertEquals(index, link("p2ptap").get("ifindex").asInt(), "a failed adopt leaves what it found");

        // taken over with another MAC and MTU, which are set; the old address stays beside the new one
        TapSpec spec = new TapSpec("p2ptap", PEER_MAC, 1400, Ipv4Cidr.parse("10.86.0.1/24")).adopting();
        long[] took = new long[1];
        openTimed(driver, spec, took).release();
        System.out.printf("adopt (new MAC, MTU and address: ip runs twice) took %.2f ms%n", took[0] / 1e6);
        TapDevice tap = ns.call(() -> driver.open(spec)); // again: its address is there, not first
        try {
            JsonNode link = link("p2ptap");
            assertEquals(index, link.get("ifindex").asInt());
            assertEquals("06:11:22:33:44:55", link.get("address").asText());
            assertEquals(1400, link.get("mtu").asInt());
            assertEquals(List.of("10.84.0.1/24", "10.86.0.1/24"), inet("p2ptap"));
            assertFalse(tap.offload(), "the daemon's offloads are not the adopter's");
        } finally {
            tap.close();
        }
        assertThrows(IOException.class, () -> ns.ip("link", "show", "p2ptap"));
    }

    @Test
    void adoptingRefusesAnInterfaceSomeoneHoldsAndOneThatIsNoTap() throws Exception {
        TapSpec spec = new TapSpec("p2ptap", MAC, 1500, Ipv4Cidr.parse("10.87.0.1/24"));
        TapDevice held = ns.call(() -> driver.open(spec));
        try {
            int index = link("p2ptap").get("ifindex").asInt();
            IOException busy = assertThrows(IOException.class, () -> ns.call(() -> new LinuxTapDriver(config(""))
                    .open(spec.adopting())));
            assertEquals("Interface is already in use", busy.getMessage());
            assertEquals(index, link("p2ptap").get("ifindex").asInt(), "the holder keeps it");
            assertFalse(link("p2ptap").get("flags").toString().contains("NO-CARRIER"), "and holds it still");
        } finally {
            held.close();
        }

        ns.ip("link", "add", "p2ptveth0", "type", "veth", "peer", "name", "p2ptveth1");
        ns.ip("tuntap", "add", "mode", "tun", "name", "p2pttun"); // a TUN, not a TAP, that nobody holds
        for (String other : List.of("p2ptveth0", "p2pttun", "lo")) {
            String before = ns.ip("-j", "addr", "show", "dev", other);
            IOException notTap = assertThrows(IOException.class, () -> ns.call(() -> driver.open(
                    new TapSpec(other, MAC, 1400, Ipv4Cidr.parse("10.88.0.1/24")).adopting())));
            assertTrue(notTap.getMessage().contains(other) && notTap.getMessage().contains("not a TAP"), notTap.getMessage());
            assertEquals(before, ns.ip("-j", "addr", "show", "dev", other), other + " left untouched");
        }
    }

    /** Opens in the namespace, and says in {@code took[0]} how many nanoseconds the open took. */
    private TapDevice openTimed(LinuxTapDriver d, TapSpec spec, long[] took) throws Exception {
        return ns.call(() -> {
            long t = System.nanoTime();
            TapDevice tap = d.open(spec);
            took[0] = System.nanoTime() - t;
            return tap;
        });
    }

    private JsonNode link(String name) throws Exception {
        return JSON.readTree(ns.ip("-j", "link", "show", "dev", name)).get(0);
    }

    /** The interface's IPv4 addresses, as {@code A.B.C.D/N}. */
    private List<String> inet(String name) throws Exception {
        List<String> found = new ArrayList<>();
        for (JsonNode a : JSON.readTree(ns.ip("-j", "addr", "show", "dev", name)).get(0).get("addr_info")) {
            if (a.get("family").asText().equals("inet")) {
                found.add(a.get("local").asText() + "/" + a.get("prefixlen").asInt());
            }
        }
        return found;
    }

    private static CompletableFuture<Throwable> blockedReader(TapDevice tap) {
        FrameBatch batch = new FrameBatch(4, 2048, true);
        return CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    tap.read(batch); // frames the kernel sends on its own (IPv6 ND) are skipped
                }
            } catch (IOException ex) {
                return ex;
            }
        });
    }

    private static byte[] readArpRequest(TapDevice tap, FrameBatch batch) {
        try {
            while (true) {
                int n = tap.read(batch);
                for (int i = 0; i < n; i++) {
                    ByteBuffer f = batch.frame(i);
                    if (f.limit() >= 42 && f.getShort(12) == 0x0806 && f.getShort(20) == 1) {
                        byte[] b = new byte[f.limit()];
                        f.duplicate().get(b);
                        return b;
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] arpReply(MacAddress senderMac, byte[] senderIp, MacAddress targetMac, byte[] targetIp) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(targetMac.toBytes()).put(senderMac.toBytes()).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2);
        b.put(senderMac.toBytes()).put(senderIp).put(targetMac.toBytes()).put(targetIp);
        return b.array();
    }

    private static String ip(byte[] frame, int offset) {
        return (frame[offset] & 255) + "." + (frame[offset + 1] & 255) + "." + (frame[offset + 2] & 255) + "."
                + (frame[offset + 3] & 255);
    }

    static LinuxTapDriver.Config config(String iptool) {
        return config(iptool, false);
    }

    static LinuxTapDriver.Config config(String iptool, boolean offload) {
        return new LinuxTapDriver.Config() {
            @Override
            public boolean offload() {
                return offload;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LinuxTapDriver.Config.class;
            }

            @Override
            public String iptool() {
                return iptool;
            }
        };
    }
}
