package io.syncbn.driver.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files (and deliberately broken ones) for the readers' tests. */
public final class IdxFiles {

    private IdxFiles() {
    }

    /** The bytes of an image file: magic 0x803, count, rows, columns, then {@code pixels}. */
    public static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return idx(IdxReader.IMAGES_MAGIC, new int[] {count, rows, cols}, pixels);
    }

    /** The bytes of a label file: magic 0x801, count, then {@code labels}. */
    public static byte[] labels(int count, byte[] labels) {
        return idx(IdxReader.LABELS_MAGIC, new int[] {count}, labels);
    }

    /** A header of {@code magic} and {@code dims}, then {@code data}. */
    public static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** Pixel {@code p} of image {@code i}: a value that tells both apart, {@code (7i + p) mod 256}. */
    public static byte[] pixels(int count, int rows, int cols) {
        byte[] pixels = new byte[count * rows * cols];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) {
                pixels[i * rows * cols + p] = (byte) ((7 * i + p) % 256);
            }
        }
        return pixels;
    }

    /** Labels {@code i mod classes}. */
    public static byte[] labelBytes(int count, int classes) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % classes);
        }
        return labels;
    }

    /** Writes {@code bytes} to {@code file}, gzip-compressed if {@code gzip}. */
    public static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file))
                : Files.newOutputStream(file)) {
            out.write(bytes);
        }
        return file;
    }

    /**
     * A complete set in {@code dir}: {@code train} and {@code test} images of {@code rows × cols},
     * labels {@code i mod 10}, under the names {@code stem + suffix} (e.g. {@code "-idx3-ubyte.gz"}).
     */
    public static Path writeSet(Path dir, int train, int test, int rows, int cols, boolean gzip) throws IOException {
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve("train-images-idx3-ubyte" + suffix), images(train, rows, cols, pixels(train, rows, cols)),
                gzip);
        write(dir.resolve("train-labels-idx1-ubyte" + suffix), labels(train, labelBytes(train, 10)), gzip);
        write(dir.resolve("t10k-images-idx3-ubyte" + suffix), images(test, rows, cols, pixels(test, rows, cols)),
                gzip);
        write(dir.resolve("t10k-labels-idx1-ubyte" + suffix), labels(test, labelBytes(test, 10)), gzip);
        return dir;
    }

    /** The first {@code length} bytes of {@code bytes}. */
    public static byte[] cut(byte[] bytes, int length) {
        return Arrays.copyOf(bytes, length);
    }
}
