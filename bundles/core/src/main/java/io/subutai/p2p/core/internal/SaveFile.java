package io.subutai.p2p.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import io.subutai.p2p.api.StartRequest;

/**
 * The save file: the networks started, so that a restarted daemon brings them back. YAML, a list
 * with the original's keys ({@code ip mac dev hash keyfile key ttl last_success enabled}) plus
 * {@code port ports dht fwd}; the MAC and device are the ones the network got, so it comes back
 * identical. Written whole to a temporary file, forced to disk and renamed over the old one, with
 * mode 0600 because it holds keys; the original's {@code ~} format is read too.
 */
final class SaveFile {

    /**
     * One saved network: the request that recreates it, when it last started, and the keys
     * {@code set -key} added to its queue since (in the order added).
     */
    record Entry(StartRequest request, Instant lastSuccess, List<AddedKey> added, String assigned, List<String> revoked) {
        Entry {
            added = List.copyOf(added);
            assigned = assigned == null ? "" : assigned;
            revoked = revoked == null ? List.of() : List.copyOf(revoked);
        }

        Entry(StartRequest request, Instant lastSuccess, List<AddedKey> added, String assigned) {
            this(request, lastSuccess, added, assigned, List.of());
        }

        /** This entry with the member {@code peerId} refused ({@code set -revoke}). */
        Entry withRevoked(String peerId) {
            if (revoked.contains(peerId)) {
                return this;
            }
            List<String> more = new ArrayList<>(revoked);
            more.add(peerId);
            return new Entry(request, lastSuccess, added, assigned, more);
        }

        Entry(StartRequest request, Instant lastSuccess) {
            this(request, lastSuccess, List.of(), "");
        }

        /** This entry with the address {@code set -ip} gave: the network's own from now on, none handed out. */
        Entry withAddress(String address) {
            return new Entry(request.withIp(address), lastSuccess, added, "", revoked);
        }

        /** The address a bootstrap server handed out to the network of {@code e} (null: none, or no entry). */
        static io.subutai.p2p.api.Ipv4Cidr assigned(Entry e) {
            return e == null || e.assigned().isEmpty() ? null : io.subutai.p2p.api.Ipv4Cidr.parse(e.assigned());
        }

        /** This entry with the address a bootstrap server handed out ({@code -ip dhcp}). */
        Entry withAssigned(String address) {
            return new Entry(request, lastSuccess, added, address, revoked);
        }

        /**
         * This entry with the bootstrap server {@code server} ({@code HOST:PORT} in its {@code
         * -dht}) pinned to {@code key} ({@code HOST:PORT@KEY}); this same entry when it names no
         * such unpinned server.
         */
        Entry withServerKey(String server, byte[] key) {
            StartRequest r = request;
            List<String> dht = new ArrayList<>();
            boolean changed = false;
            for (String s : r.dht().split(",")) {
                boolean unpinned = s.strip().equals(server);
                dht.add(unpinned ? io.subutai.p2p.wire.dht.ServerName.pinned(server, key) : s.strip());
                changed |= unpinned;
            }
            return !changed ? this : new Entry(new StartRequest(r.ip(), r.hash(), r.mac(), r.dev(), r.key(), r.ttl(),
                    r.keyfile(), r.port(), r.ports(), String.join(",", dht), r.fwd(), r.crypto(), r.bridge(), r.proxy()), lastSuccess, added,
                    assigned, revoked);
        }

        /** Queues the keys added at run time that still hold at {@code nowSeconds} behind the network's own, and refuses the members revoked. */
        void applyTo(Plane.Attached attached, long nowSeconds) {
            revoked.forEach(attached::revoke);
            for (AddedKey k : added) {
                if (k.until() >= nowSeconds) {
                    attached.addKey(k.key(), k.until());
                }
            }
        }

        /** This entry with {@code key} queued after the others, and without keys that ended before {@code nowSeconds}. */
        Entry withKey(AddedKey key, long nowSeconds) {
            List<AddedKey> keys = new ArrayList<>();
            for (AddedKey k : added) {
                if (k.until() >= nowSeconds) {
                    keys.add(k);
                }
            }
            keys.add(key);
            return new Entry(request, lastSuccess, keys, assigned, revoked);
        }
    }

    /** A key added at run time, valid until {@code until} (Unix seconds; Long.MAX_VALUE: no end). */
    record AddedKey(String key, long until) {
    }

    /** The file exists but cannot be read as a save file. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message);
        }
    }

    private static final Set<String> KEYS = Set.of("ip", "mac", "dev", "hash", "keyfile", "key", "ttl", "last_success",
            "enabled", "port", "ports", "dht", "fwd", "added_keys", "assigned", "crypto", "bridge",
            "revoked", "proxy");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path file;
    private final YAMLFactory yaml = YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    SaveFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /**
     * @return the saved networks; none when the file does not exist
     * @throws Corrupt when it exists and is not a save file
     * @throws IOException when it cannot be read at all
     */
    List<Entry> read() throws IOException, Corrupt {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        String text = new String(bytes, StandardCharsets.UTF_8).replace("\0", "").strip();
        if (text.isEmpty()) {
            return List.of();
        }
        if (text.charAt(0) != '-' && text.charAt(0) != '[') {
            return legacy(text);
        }
        List<Entry> out = new ArrayList<>();
        try (JsonParser p = yaml.createParser(text)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new Corrupt(file + ": expected a list of networks");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Map<String, String> m = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken t = p.nextToken();
                    if (!t.isScalarValue()) {
                        throw new Corrupt(file + ": '" + key + "' must be a single value");
                    }
                    if (KEYS.contains(key)) {
                        m.put(key, t == JsonToken.VALUE_NULL ? "" : p.getText());
                    }
                }
                if (!"false".equals(m.get("enabled"))) {
                    out.add(entry(m));
                }
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw new Corrupt(file + ": expected a list of networks");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Corrupt(file + ": " + e.getOriginalMessage());
        }
        return out;
    }

    private Entry entry(Map<String, String> m) throws Corrupt {
        String hash = m.getOrDefault("hash", "");
        if (hash.isEmpty()) {
            throw new Corrupt(file + ": a network without a hash");
        }
        int port;
        try {
            port = Integer.parseInt(m.getOrDefault("port", "0").isEmpty() ? "0" : m.get("port"));
        } catch (NumberFormatException e) {
            throw new Corrupt(file + ": port of " + hash + " is not a number");
        }
        Instant last = Instant.EPOCH;
        try {
            if (!m.getOrDefault("last_success", "").isEmpty()) {
                last = Instant.parse(m.get("last_success"));
            }
        } catch (java.time.format.DateTimeParseException e) {
            throw new Corrupt(file + ": last_success of " + hash + " is not a time");
        }
        return new Entry(new StartRequest(m.get("ip"), hash, m.get("mac"), m.get("dev"), m.get("key"), m.get("ttl"),
                m.get("keyfile"), port, m.get("ports"), m.get("dht"), "true".equals(m.get("fwd")), m.getOrDefault("crypto", ""),
                "true".equals(m.get("bridge")), m.getOrDefault("proxy", "")), last,
                addedKeys(hash, m.getOrDefault("added_keys", "")), assigned(hash, m.getOrDefault("assigned", "")),
                revoked(hash, m.getOrDefault("revoked", "")));
    }

    private String assigned(String hash, String text) throws Corrupt {
        if (!text.isEmpty()) {
            try {
                io.subutai.p2p.api.Ipv4Cidr.parse(text);
            } catch (IllegalArgumentException e) {
                throw new Corrupt(file + ": assigned of " + hash + " is not an address: " + text);
            }
        }
        return text;
    }

    /** {@code revoked}: the peer IDs {@code set -revoke} refused, comma-separated. */
    private List<String> revoked(String hash, String text) throws Corrupt {
        List<String> ids = new ArrayList<>();
        for (String id : text.isEmpty() ? new String[0] : text.split(",")) {
            if (!io.subutai.p2p.core.internal.mesh.PeerIds.valid(id)) {
                throw new Corrupt(file + ": revoked of " + hash + " is not a list of peer IDs: " + text);
            }
            ids.add(id);
        }
        return ids;
    }

    /** {@code added_keys}: {@code base64url(key)@until} for each, comma-separated (keys may hold any character). */
    private List<AddedKey> addedKeys(String hash, String text) throws Corrupt {
        List<AddedKey> keys = new ArrayList<>();
        if (text.isEmpty()) {
            return keys;
        }
        for (String item : text.split(",")) {
            int at = item.lastIndexOf('@');
            try {
                keys.add(new AddedKey(new String(java.util.Base64.getUrlDecoder().decode(item.substring(0, at)),
                        java.nio.charset.StandardCharsets.UTF_8), Long.parseLong(item.substring(at + 1))));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new Corrupt(file + ": added_keys of " + hash + " is not base64url(key)@seconds,...");
            }
        }
        return keys;
    }

    private static String addedKeys(List<AddedKey> keys) {
        StringBuilder b = new StringBuilder();
        for (AddedKey k : keys) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(k.key().getBytes(java.nio.charset.StandardCharsets.UTF_8))).append('@').append(k.until());
        }
        return b.toString();
    }

    /** The original's old format: records split by |||, fields ip~mac~dev~hash~dht~keyfile~key~ttl~fwd~port. */
    private List<Entry> legacy(String text) throws Corrupt {
        List<Entry> out = new ArrayList<>();
        for (String record : text.split("\\|\\|\\||\\|~\\|")) {
            if (record.isBlank()) {
                continue;
            }
            String[] f = record.strip().split("~", -1);
            if (f.length != 10 || f[3].isEmpty()) {
                throw new Corrupt(file + ": neither YAML nor the old ~ format");
            }
            out.add(new Entry(new StartRequest(f[0], f[3], f[1], f[2], f[6], f[7], f[5], 0, "", "", false),
                    Instant.EPOCH));
        }
        return out;
    }

    /** Replaces the file with these networks, atomically, mode 0600. */
    /**
     * Writes {@code entries}, unless the file could not be read at start ({@code unreadable}: it is
     * left as it was); returns what went wrong (a write that failed is logged too), or null.
     */
    String writeOrSay(List<Entry> entries, boolean unreadable, io.subutai.p2p.core.internal.mesh.MeshLog log) {
        if (unreadable) {
            return "the save file " + file + " could not be read at start and is left as it is";
        }
        try {
            write(entries);
            return null;
        } catch (IOException e) {
            String problem = "cannot write the save file " + file + ": " + e.getMessage();
            log.warn(problem);
            return problem;
        }
    }

    void write(List<Entry> entries) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (JsonGenerator g = yaml.createGenerator(buffer)) {
            g.writeStartArray();
            for (Entry e : entries) {
                StartRequest r = e.request();
                g.writeStartObject();
                g.writeStringField("ip", r.ip());
                g.writeStringField("mac", r.mac());
                g.writeStringField("dev", r.dev());
                g.writeStringField("hash", r.hash());
                g.writeStringField("keyfile", r.keyfile());
                g.writeStringField("key", r.key());
                g.writeStringField("ttl", r.ttl());
                g.writeStringField("last_success", e.lastSuccess().toString());
                g.writeBooleanField("enabled", true);
                g.writeNumberField("port", r.port());
                g.writeStringField("ports", r.ports());
                g.writeStringField("dht", r.dht());
                g.writeBooleanField("fwd", r.fwd());
                g.writeStringField("added_keys", addedKeys(e.added()));
                g.writeStringField("assigned", e.assigned());
                if (!e.revoked().isEmpty()) {
                    g.writeStringField("revoked", String.join(",", e.revoked()));
                }
                if (!r.crypto().isEmpty()) {
                    g.writeStringField("crypto", r.crypto());
                }
                if (r.bridge()) {
                    g.writeBooleanField("bridge", true);
                }
                if (!r.proxy().isEmpty()) {
                    g.writeStringField("proxy", r.proxy());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(buffer.toByteArray());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself is durable
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    /** Moves a corrupt file aside as {@code FILE.corrupt-<time>} and returns where it went. */
    Path setAside(Instant now) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + STAMP.format(now));
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }
}
