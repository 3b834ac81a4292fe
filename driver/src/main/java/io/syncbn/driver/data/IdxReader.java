package io.syncbn.driver.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reads the IDX files of MNIST-format sets (Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST
 * database of handwritten digits"): big-endian 32-bit magic {@code 0x00000803} (unsigned bytes, 3
 * dimensions) then count, rows and columns for images; magic {@code 0x00000801} then count for
 * labels; then the bytes, one record after another. Gzip-compressed files are recognized by their
 * content, whatever their name.
 *
 * <p>The header and the exact byte count are checked before anything is allocated: the decoded
 * length is measured first (for gzip by one decompressing pass), so a truncated file or a lying
 * header is refused with its offset instead of failing half-way or allocating what the header
 * claims.
 */
final class IdxReader {

    /** Magic number of image files: unsigned bytes, 3 dimensions. */
    static final int IMAGES_MAGIC = 0x00000803;

    /** Magic number of label files: unsigned bytes, 1 dimension. */
    static final int LABELS_MAGIC = 0x00000801;

    private static final int IMAGES_HEADER = 16;
    private static final int LABELS_HEADER = 8;
    /** Largest pixel count accepted: ND4J's and Java's int-indexed buffers. */
    private static final long MAX_PIXELS = Integer.MAX_VALUE - 8;
    private static final int CHUNK_IMAGES = 1024;
    /** The fix of a damaged file. */
    private static final String REPLACE = "replace it with an intact copy";

    private IdxReader() {
    }

    /**
     * The images of an IDX image file as FLOAT {@code [N, 1, rows, columns]}, pixels divided by 255.
     *
     * @throws DataException if the file is missing, is not an IDX image file, or its length differs
     *     from what its header promises
     */
    static INDArray readImages(Path file) {
        Source source = Source.of(file);
        try (DataInputStream in = source.open()) {
            String rule = "an IDX image file starts with a 16-byte header: magic 0x00000803, image count, rows, columns";
            source.requireHeader(4, rule);
            source.requireMagic(in.readInt(), IMAGES_MAGIC, "image");
            source.requireHeader(IMAGES_HEADER, rule);
            int n = source.requirePositive(in.readInt(), "image count", 4);
            int rows = source.requirePositive(in.readInt(), "row count", 8);
            int cols = source.requirePositive(in.readInt(), "column count", 12);
            long pixels = (long) n * rows * cols;
            if (pixels > MAX_PIXELS) {
                throw new DataException(source + ": the header promises " + n + " images of " + rows + "x" + cols
                        + " = " + pixels + " pixels, more than the " + MAX_PIXELS + " one array can hold");
            }
            source.requireLength(IMAGES_HEADER, n, (long) rows * cols, n + " images of " + rows + "x" + cols
                    + " pixels");
            INDArray images = Nd4j.createUninitialized(DataType.FLOAT, n, 1, rows, cols);
            int perImage = rows * cols;
            byte[] bytes = new byte[Math.min(n, CHUNK_IMAGES) * perImage];
            float[] values = new float[bytes.length];
            for (int from = 0; from < n; from += CHUNK_IMAGES) {
                int count = Math.min(CHUNK_IMAGES, n - from);
                int length = count * perImage;
                in.readFully(bytes, 0, length);
                for (int i = 0; i < length; i++) {
                    values[i] = (bytes[i] & 0xFF) / 255f;
                }
                INDArray chunk = Nd4j.create(count == CHUNK_IMAGES ? values : Arrays.copyOf(values, length),
                        new long[] {count, 1, rows, cols}, DataType.FLOAT);
                images.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all()).assign(chunk);
            }
            return images;
        } catch (IOException e) {
            throw source.unreadable(e);
        }
    }

    /**
     * The labels of an IDX label file, each checked to lie in {@code [0, classes)}.
     *
     * @param rangeHint appended to an out-of-range refusal: how to allow more classes, or empty
     * @throws DataException if the file is missing, is not an IDX label file, its length differs from
     *     what its header promises, or a label is out of range
     */
    static int[] readLabels(Path file, int classes, String rangeHint) {
        Source source = Source.of(file);
        try (DataInputStream in = source.open()) {
            String rule = "an IDX label file starts with an 8-byte header: magic 0x00000801, label count";
            source.requireHeader(4, rule);
            source.requireMagic(in.readInt(), LABELS_MAGIC, "label");
            source.requireHeader(LABELS_HEADER, rule);
            int n = source.requirePositive(in.readInt(), "label count", 4);
            source.requireLength(LABELS_HEADER, n, 1, n + " labels");
            byte[] bytes = new byte[n];
            in.readFully(bytes);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = bytes[i] & 0xFF;
                if (labels[i] >= classes) {
                    throw new DataException(source + ": label " + labels[i] + " of record " + i + " (byte offset "
                            + (LABELS_HEADER + i) + ") is out of range [0, " + classes + ")" + rangeHint);
                }
            }
            return labels;
        } catch (IOException e) {
            throw source.unreadable(e);
        }
    }

    /** A file with its decoded length, and the checks that name it. */
    private record Source(Path file, boolean gzip, long length) {

        static Source of(Path file) {
            if (!Files.isRegularFile(file)) {
                throw new DataException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
            }
            try {
                boolean gzip = isGzip(file);
                return new Source(file, gzip, gzip ? decompressedLength(file) : Files.size(file));
            } catch (NoSuchFileException e) {
                throw new DataException(file + ": no such file", e);
            } catch (IOException e) {
                throw new DataException(file + ": cannot be read: " + e, e);
            }
        }

        DataInputStream open() throws IOException {
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            return new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw);
        }

        void requireHeader(int headerBytes, String rule) {
            if (length < headerBytes) {
                throw new DataException(this + ": truncated header: " + length + " bytes, but " + rule + "; "
                        + REPLACE);
            }
        }

        void requireMagic(int magic, int expected, String what) {
            if (magic != expected) {
                String other = magic == IMAGES_MAGIC ? "an image" : magic == LABELS_MAGIC ? "a label" : null;
                String fix = other != null ? " (this is " + other + " file); put the " + what + " file under this name"
                        : "; the file is damaged or not an IDX " + what + " file: " + REPLACE;
                throw new DataException(this + ": wrong magic number " + hex(magic) + " at byte offset 0: IDX "
                        + what + " files start with " + hex(expected) + fix);
            }
        }

        int requirePositive(int value, String what, int offset) {
            if (value < 1) {
                throw new DataException(this + ": the " + what + " at byte offset " + offset + " must be >= 1, but got "
                        + value + "; a set needs at least one example: " + REPLACE);
            }
            return value;
        }

        /** The decoded length must be exactly the header plus {@code records} records of {@code recordBytes}. */
        void requireLength(int header, int records, long recordBytes, String promise) {
            long expected = header + records * recordBytes;
            if (length < expected) {
                long complete = (length - header) / recordBytes;
                throw new DataException(this + ": truncated: the header promises " + promise + " (" + expected
                        + " bytes in all), but the data ends at byte offset " + length + ", after " + complete
                        + " complete records; record " + complete + " (counting from 0) is cut or missing: the file "
                        + "was cut short (an interrupted download or copy?); " + REPLACE);
            }
            if (length > expected) {
                throw new DataException(this + ": " + (length - expected) + " unexpected bytes after the last record:"
                        + " the header promises " + promise + ", ending at byte offset " + expected + ", but the data"
                        + " is " + length + " bytes long; the header or the file is damaged: " + REPLACE);
            }
        }

        DataException unreadable(IOException e) {
            String why = e instanceof EOFException ? "ended early" : "cannot be read";
            return new DataException(this + ": " + why + " (did it change while being read?): " + e + "; " + REPLACE
                    + ", and leave it unchanged while training starts", e);
        }

        @Override
        public String toString() {
            return gzip ? file + " (offsets in the decompressed data)" : file.toString();
        }

        private static boolean isGzip(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                return in.read() == 0x1f && in.read() == 0x8b;
            }
        }

        private static long decompressedLength(Path file) throws IOException {
            long count = 0;
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16),
                    1 << 16)) {
                byte[] buffer = new byte[1 << 16];
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    count += read;
                }
                return count;
            } catch (EOFException | ZipException e) {
                throw new DataException(file + ": damaged or truncated gzip data after " + count
                        + " decompressed bytes: " + e.getMessage() + "; " + REPLACE + " (gzip -t checks one)", e);
            }
        }

        private static String hex(int value) {
            return String.format("0x%08x", value);
        }
    }
}
