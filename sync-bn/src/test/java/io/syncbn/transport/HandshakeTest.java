package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The messages of {@link Handshake}, without sockets. */
class HandshakeTest {

    private static final JobSecret SECRET = JobSecret.random();
    private static final byte[] DIALER_NONCE = nonce(1);
    private static final byte[] ACCEPTOR_NONCE = nonce(2);

    private static byte[] nonce(int fill) {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        java.util.Arrays.fill(nonce, (byte) fill);
        return nonce;
    }

    @Test
    void ranksWithTheSameSecretAuthenticateEachOther() throws Handshake.HandshakeException {
        byte[] hello = Handshake.hello(3, 1, 4, DIALER_NONCE);
        assertEquals(new Handshake.Hello(3, 1, 4), Handshake.parseHello(hello));
        byte[] challenge = Handshake.challenge(SECRET, hello, ACCEPTOR_NONCE);
        assertArrayEquals(ACCEPTOR_NONCE, Handshake.verifyChallenge(SECRET, hello, challenge), "acceptor nonce");
        Handshake.verifyProof(SECRET, hello, ACCEPTOR_NONCE, Handshake.proof(SECRET, hello, ACCEPTOR_NONCE));
        Handshake.verifyAck(Handshake.ack());
    }

    @Test
    void anAcceptorWithAnotherSecretIsRefused() {
        byte[] hello = Handshake.hello(3, 1, 4, DIALER_NONCE);
        byte[] challenge = Handshake.challenge(JobSecret.random(), hello, ACCEPTOR_NONCE);
        Handshake.HandshakeException e = assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.verifyChallenge(SECRET, hello, challenge));
        assertEquals("does not know the job secret (its challenge MAC is wrong)", e.getMessage());
    }

    @Test
    void aDialerWithAnotherSecretIsRefused() {
        byte[] hello = Handshake.hello(3, 1, 4, DIALER_NONCE);
        byte[] proof = Handshake.proof(JobSecret.random(), hello, ACCEPTOR_NONCE);
        Handshake.HandshakeException e = assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.verifyProof(SECRET, hello, ACCEPTOR_NONCE, proof));
        assertEquals("does not know the job secret (its proof MAC is wrong)", e.getMessage());
    }

    @Test
    void aProofCannotBeReplayedAgainstAFreshNonceOrAnotherRank() {
        byte[] hello = Handshake.hello(3, 1, 4, DIALER_NONCE);
        byte[] recorded = Handshake.proof(SECRET, hello, ACCEPTOR_NONCE);
        assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.verifyProof(SECRET, hello, nonce(9), recorded), "fresh acceptor nonce");
        byte[] otherRank = Handshake.hello(2, 1, 4, DIALER_NONCE);
        assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.verifyProof(SECRET, otherRank, ACCEPTOR_NONCE, recorded), "claimed rank changed");
    }

    @Test
    void theAcceptorsProofCannotBeReflectedAsTheDialers() {
        byte[] hello = Handshake.hello(3, 1, 4, DIALER_NONCE);
        byte[] challenge = Handshake.challenge(SECRET, hello, ACCEPTOR_NONCE);
        byte[] reflected = new byte[Handshake.PROOF_BYTES];
        System.arraycopy(Handshake.proof(SECRET, hello, ACCEPTOR_NONCE), 0, reflected, 0, Integer.BYTES);
        System.arraycopy(challenge, Integer.BYTES + Handshake.NONCE_BYTES, reflected, Integer.BYTES, Handshake.MAC_BYTES);
        assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.verifyProof(SECRET, hello, ACCEPTOR_NONCE, reflected));
    }

    @Test
    void bytesThatAreNotAHelloAreRefusedNamingTheMagic() {
        byte[] junk = new byte[Handshake.HELLO_BYTES];
        junk[0] = 0x47;
        junk[1] = 0x45;
        junk[2] = 0x54;
        junk[3] = 0x20;
        Handshake.HandshakeException e = assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.parseHello(junk));
        assertEquals("sent 0x47455420 where a syncbn HELLO starts with 0x53424e48", e.getMessage());
    }
}
