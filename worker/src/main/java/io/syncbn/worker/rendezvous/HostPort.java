package io.syncbn.worker.rendezvous;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The text form of a rank's listening address, as exchanged in a rendezvous: {@code host:port}, with
 * IPv6 literals in brackets ({@code [::1]:4000}).
 */
public final class HostPort {

    private HostPort() {
    }

    /** {@code address}'s IP literal and port; the literal avoids a name lookup on every peer. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * The address in {@code text}.
     *
     * @throws IllegalArgumentException if it is not {@code host:port} with a port in [1, 65535]
     */
    public static InetSocketAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("address must be host:port, but got null");
        }
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 1 || port > 65_535) {
            throw new IllegalArgumentException("address must be host:port with a port in [1, 65535], but got \""
                    + text + "\"");
        }
        return new InetSocketAddress(host, port);
    }

    /** {@link #parse} of each, in order. */
    public static List<InetSocketAddress> parseAll(List<String> texts) {
        List<InetSocketAddress> addresses = new ArrayList<>(texts.size());
        for (String text : texts) {
            addresses.add(parse(text));
        }
        return addresses;
    }
}
