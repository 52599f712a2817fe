package io.subutai.p2p.core.internal.render;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/**
 * The snapshots as {@code -json} prints them (docs/control-api.md): record components by name, in
 * their order; enums by name; instants as ISO-8601 UTC strings with milliseconds
 * ({@code 2025-01-31T12:00:01.250Z}); nulls written out. Indented by two spaces, one field or
 * element a line, and a final newline.
 */
final class Json {

    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final ObjectWriter WRITER = writer();

    private Json() {
    }

    static String of(Object snapshot) {
        try {
            return WRITER.writeValueAsString(snapshot) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a snapshot that Jackson cannot write: " + e.getMessage(), e);
        }
    }

    private static ObjectWriter writer() {
        SimpleModule instants = new SimpleModule("p2p-instants");
        instants.addSerializer(Instant.class, new StdSerializer<>(Instant.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public void serialize(Instant value, JsonGenerator g, SerializerProvider provider) throws IOException {
                g.writeString(ISO.format(value));
            }
        });
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("").withArrayEmptySeparator(""))
                .withObjectIndenter(lines).withArrayIndenter(lines);
        return new ObjectMapper().registerModule(instants).writer(pretty);
    }
}
