package io.subutai.p2p.launcher;

/** Text from the daemon made safe to print on a terminal. */
final class Terminal {

    private Terminal() {
    }

    /**
     * Escapes every control character but newline and tab (ESC, CR, backspace, DEL, the C1 range,
     * bidirectional overrides...), as {@code \xNN} or {@code \\uNNNN}: an answer cannot move the
     * cursor, retitle the window or hide text.
     */
    static String safe(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
            if (control) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                b.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
