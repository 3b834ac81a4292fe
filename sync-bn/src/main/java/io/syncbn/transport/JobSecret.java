package io.syncbn.transport;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The random secret of one training job. The driver creates it and hands it to the job's tasks; ranks
 * prove to each other that they know it before any data flows (see {@link Handshake}). It is never
 * printed: {@link #toString()} hides it and no method returns it.
 */
public final class JobSecret implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Shortest accepted key: 128 bits. */
    public static final int MIN_BYTES = 16;

    /** Length of a key made by {@link #random()}: 256 bits, the output size of HMAC-SHA256. */
    public static final int RANDOM_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] key;

    private JobSecret(byte[] key) {
        this.key = key;
    }

    /** A new secret of {@link #RANDOM_BYTES} bytes from a {@link SecureRandom}. */
    public static JobSecret random() {
        byte[] key = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(key);
        return new JobSecret(key);
    }

    /**
     * A secret with the given key, e.g. read from a file only the job can read.
     *
     * @param key at least {@link #MIN_BYTES} bytes; copied
     */
    public static JobSecret of(byte[] key) {
        if (key == null || key.length < MIN_BYTES) {
            throw new IllegalArgumentException("key must have at least " + MIN_BYTES + " bytes, but got "
                    + (key == null ? "null" : key.length + " bytes"));
        }
        return new JobSecret(key.clone());
    }

    /** HMAC-SHA256 of the concatenated {@code parts}, keyed with this secret. */
    byte[] mac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // Every Java 17 runtime ships HmacSHA256; reaching this means a broken security provider.
            throw new IllegalStateException(ALGORITHM + " is unavailable in this JVM", e);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (key == null || key.length < MIN_BYTES) {
            throw new InvalidObjectException("a JobSecret needs at least " + MIN_BYTES + " key bytes");
        }
    }

    /** Says what this is without revealing it. */
    @Override
    public String toString() {
        return "JobSecret[hidden]";
    }
}
