package io.syncbn.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The mutual challenge-response that authenticates a new connection before any payload, with
 * HMAC-SHA256 keyed by the {@link JobSecret}. Four fixed-size messages, so nothing a stranger sends
 * can make a rank allocate memory:
 *
 * <pre>
 *   dialer   -> acceptor  HELLO     magic, version, dialer rank, acceptor rank, world size, nonceD (52 bytes)
 *   acceptor -> dialer    CHALLENGE magic, nonceA, HMAC("syncbn accept" | HELLO | nonceA)   (68 bytes)
 *   dialer   -> acceptor  PROOF     magic, HMAC("syncbn dial" | HELLO | nonceA)             (36 bytes)
 *   acceptor -> dialer    ACK       magic                                                   (4 bytes)
 * </pre>
 *
 * Both sides contribute a fresh nonce, so no recorded message can be replayed; the two MACs use
 * different labels, so one cannot be reflected as the other; the ranks and the world size are under
 * both MACs, so an authenticated connection cannot be passed off as another rank's. MACs are compared
 * in constant time. The connection is not encrypted: the secret protects who may join, not what is
 * said.
 */
final class Handshake {

    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int VERSION = 1;

    static final int HELLO_BYTES = 5 * Integer.BYTES + NONCE_BYTES;
    static final int CHALLENGE_BYTES = Integer.BYTES + NONCE_BYTES + MAC_BYTES;
    static final int PROOF_BYTES = Integer.BYTES + MAC_BYTES;
    static final int ACK_BYTES = Integer.BYTES;

    private static final int HELLO_MAGIC = 0x53424E48; // "SBNH"
    private static final int CHALLENGE_MAGIC = 0x53424E43; // "SBNC"
    private static final int PROOF_MAGIC = 0x53424E50; // "SBNP"
    private static final int ACK_MAGIC = 0x53424E41; // "SBNA"
    private static final byte[] ACCEPT_LABEL = "syncbn accept".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DIAL_LABEL = "syncbn dial".getBytes(StandardCharsets.US_ASCII);

    private Handshake() {
    }

    /** What a HELLO claims. */
    record Hello(int dialer, int acceptor, int worldSize) {
    }

    /** The dialer's first message. */
    static byte[] hello(int dialer, int acceptor, int worldSize, byte[] nonce) {
        return ByteBuffer.allocate(HELLO_BYTES).putInt(HELLO_MAGIC).putInt(VERSION).putInt(dialer)
                .putInt(acceptor).putInt(worldSize).put(nonce).array();
    }

    /**
     * What {@code hello} claims, checked for form only (it is not authenticated yet).
     *
     * @throws HandshakeException if it is not a HELLO of this version
     */
    static Hello parseHello(byte[] hello) throws HandshakeException {
        ByteBuffer in = ByteBuffer.wrap(hello);
        expectMagic(in, HELLO_MAGIC, "HELLO");
        int version = in.getInt();
        if (version != VERSION) {
            throw new HandshakeException("speaks protocol version " + version + ", this rank speaks " + VERSION);
        }
        return new Hello(in.getInt(), in.getInt(), in.getInt());
    }

    /** The acceptor's answer: its nonce and its proof that it knows the secret. */
    static byte[] challenge(JobSecret secret, byte[] hello, byte[] acceptorNonce) {
        return ByteBuffer.allocate(CHALLENGE_BYTES).putInt(CHALLENGE_MAGIC).put(acceptorNonce)
                .put(secret.mac(ACCEPT_LABEL, hello, acceptorNonce)).array();
    }

    /**
     * Checks the acceptor's proof and returns its nonce.
     *
     * @throws HandshakeException if the acceptor does not know the secret
     */
    static byte[] verifyChallenge(JobSecret secret, byte[] hello, byte[] challenge) throws HandshakeException {
        ByteBuffer in = ByteBuffer.wrap(challenge);
        expectMagic(in, CHALLENGE_MAGIC, "CHALLENGE");
        byte[] nonce = new byte[NONCE_BYTES];
        byte[] mac = new byte[MAC_BYTES];
        in.get(nonce).get(mac);
        if (!MessageDigest.isEqual(mac, secret.mac(ACCEPT_LABEL, hello, nonce))) {
            throw new HandshakeException("does not know the job secret (its challenge MAC is wrong)");
        }
        return nonce;
    }

    /** The dialer's proof that it knows the secret. */
    static byte[] proof(JobSecret secret, byte[] hello, byte[] acceptorNonce) {
        return ByteBuffer.allocate(PROOF_BYTES).putInt(PROOF_MAGIC).put(secret.mac(DIAL_LABEL, hello, acceptorNonce))
                .array();
    }

    /**
     * Checks the dialer's proof.
     *
     * @throws HandshakeException if the dialer does not know the secret
     */
    static void verifyProof(JobSecret secret, byte[] hello, byte[] acceptorNonce, byte[] proof)
            throws HandshakeException {
        ByteBuffer in = ByteBuffer.wrap(proof);
        expectMagic(in, PROOF_MAGIC, "PROOF");
        byte[] mac = new byte[MAC_BYTES];
        in.get(mac);
        if (!MessageDigest.isEqual(mac, secret.mac(DIAL_LABEL, hello, acceptorNonce))) {
            throw new HandshakeException("does not know the job secret (its proof MAC is wrong)");
        }
    }

    /** The acceptor's last message: the connection is accepted. */
    static byte[] ack() {
        return ByteBuffer.allocate(ACK_BYTES).putInt(ACK_MAGIC).array();
    }

    /**
     * Checks the acceptor's last message.
     *
     * @throws HandshakeException if it is not an ACK
     */
    static void verifyAck(byte[] ack) throws HandshakeException {
        expectMagic(ByteBuffer.wrap(ack), ACK_MAGIC, "ACK");
    }

    private static void expectMagic(ByteBuffer in, int magic, String message) throws HandshakeException {
        int actual = in.getInt();
        if (actual != magic) {
            throw new HandshakeException(String.format("sent 0x%08x where a syncbn %s starts with 0x%08x",
                    actual, message, magic));
        }
    }

    /** The other end failed the handshake; the message is phrased after it ("does not know ..."). */
    static final class HandshakeException extends Exception {

        private static final long serialVersionUID = 1L;

        HandshakeException(String message) {
            super(message);
        }
    }
}
