package io.syncbn.transport;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ports a rank may listen on for its peers: any free port ({@link #ANY}), or the ports {@code
 * first..last} that a firewall between the machines lets through. A rank tries the range's ports from
 * a random one onwards, so ranks on one host rarely race for the same port.
 *
 * @param first lowest port, 0 for any free port
 * @param last highest port, 0 for any free port
 */
public record PortRange(int first, int last) implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** Any free port the system picks. */
    public static final PortRange ANY = new PortRange(0, 0);

    /** Validates. */
    public PortRange {
        boolean any = first == 0 && last == 0;
        if (!any && (first < 1 || last > 65_535 || first > last)) {
            throw new IllegalArgumentException("port range must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (or 0 "
                    + "for any free port), but got " + first + "-" + last);
        }
    }

    /**
     * Reads {@code FIRST-LAST}, a single port, or {@code 0} / the empty string (any free port).
     *
     * @throws IllegalArgumentException naming the text and the form it must have
     */
    public static PortRange parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || "0".equals(t)) {
            return ANY;
        }
        String[] parts = t.split("-", -1);
        try {
            if (parts.length == 1) {
                int port = Integer.parseInt(parts[0].strip());
                return new PortRange(port, port);
            }
            if (parts.length == 2) {
                return new PortRange(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("port range must be FIRST-LAST (e.g. 41000-41063), one port, or 0 for any "
                + "free port, but got \"" + text + "\"");
    }

    /** Whether any free port will do. */
    public boolean any() {
        return first == 0;
    }

    /** Number of ports in the range (0 for {@link #ANY}). */
    public int size() {
        return any() ? 0 : last - first + 1;
    }

    /**
     * A listening socket on {@code host} on a port of this range.
     *
     * @throws BindException if every port of the range is taken, naming the range and what to change
     */
    public ServerSocketChannel listen(InetAddress host) throws IOException {
        if (any()) {
            return TcpCollective.listen(new InetSocketAddress(host, 0));
        }
        int size = size();
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int port = first + (start + i) % size;
            try {
                return TcpCollective.listen(new InetSocketAddress(host, port));
            } catch (BindException e) {
                // taken: try the next one
            }
        }
        throw new BindException("every port of the collective port range " + this + " on " + host.getHostAddress()
                + " is in use (" + size + " ports); give each rank of a host a port of its own: widen the range");
    }

    @Override
    public String toString() {
        return any() ? "0" : first + "-" + last;
    }
}
