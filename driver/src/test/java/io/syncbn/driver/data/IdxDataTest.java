package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MNIST-format (IDX) sets: written to temporary directories, read back through {@code idx:DIR} and
 * {@code fashion-mnist:DIR}, gzip-compressed or plain, under each accepted file name; and every
 * refusal with its message. Cases of {@link #readsEveryNamingAndCompression}: {@code
 * -idx3-ubyte.gz}, {@code -idx3-ubyte}, {@code .idx3-ubyte}, and gzip data under a plain name.
 */
class IdxDataTest {

    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    static Stream<Arguments> namings() {
        return Stream.of(
                Arguments.of("-idx3-ubyte.gz", "-idx1-ubyte.gz", true),
                Arguments.of("-idx3-ubyte", "-idx1-ubyte", false),
                Arguments.of(".idx3-ubyte", ".idx1-ubyte", false),
                Arguments.of("-idx3-ubyte", "-idx1-ubyte", true));
    }

    @ParameterizedTest(name = "images{0} labels{1} gzip={2}")
    @MethodSource("namings")
    void readsEveryNamingAndCompression(String imageSuffix, String labelSuffix, boolean gzip) throws IOException {
        IdxFiles.write(dir.resolve("train-images" + imageSuffix), IdxFiles.images(5, 3, 2, IdxFiles.pixels(5, 3, 2)),
                gzip);
        IdxFiles.write(dir.resolve("train-labels" + labelSuffix), IdxFiles.labels(5, new byte[] {9, 0, 3, 3, 1}),
                gzip);
        IdxFiles.write(dir.resolve("t10k-images" + imageSuffix), IdxFiles.images(2, 3, 2, IdxFiles.pixels(2, 3, 2)),
                gzip);
        IdxFiles.write(dir.resolve("t10k-labels" + labelSuffix), IdxFiles.labels(2, new byte[] {4, 7}), gzip);

        DataSource data = DataSources.open("idx:" + dir);
        INDArray x = data.train().getFeatures();
        INDArray y = data.train().getLabels();
        assertAll(
                () -> assertEquals("idx:" + dir, data.name()),
                () -> assertEquals(List.of(1, 3, 2), data.featureShape()),
                () -> assertEquals(10, data.classes()),
                () -> assertEquals(5, data.trainCount()),
                () -> assertEquals(2, data.testCount()),
                () -> assertEquals(DataType.FLOAT, x.dataType()),
                () -> assertArrayEquals(new long[] {5, 1, 3, 2}, x.shape(), "training features NCHW"),
                () -> assertArrayEquals(new long[] {5, 10}, y.shape(), "one-hot labels"),
                () -> assertEquals((7 * 4 + 5) / 255.0, x.getDouble(4, 0, 2, 1), 1e-7, "image 4, row 2, column 1"),
                () -> assertEquals(0.0, x.getDouble(0, 0, 0, 0), EXACT, "image 0, first pixel"),
                () -> assertEquals(1.0, y.getDouble(0, 9), EXACT, "label of example 0 is 9"),
                () -> assertArrayEquals(new double[] {1, 1, 1, 1, 1}, y.sum(1).toDoubleVector(), EXACT,
                        "one 1 per row"),
                () -> assertEquals(1.0, data.test().getLabels().getDouble(1, 7), EXACT, "test example 1 is 7"),
                () -> assertEquals((7 + 5) / 255.0, data.test().getFeatures().getDouble(1, 0, 2, 1), 1e-7,
                        "test image 1, last pixel"));
    }

    @Test
    void fullScalePixelIsOne() throws IOException {
        byte[] pixels = {0, (byte) 255, (byte) 128, 51};
        IdxFiles.writeSet(dir, 1, 1, 2, 2, true);
        IdxFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxFiles.images(1, 2, 2, pixels), true);
        INDArray x = DataSources.open("fashion-mnist:" + dir).train().getFeatures();
        assertArrayEquals(new float[] {0f, 1f, 128 / 255f, 0.2f}, x.data().asFloat(), 1e-7f);
    }

    @Test
    void readsMoreImagesThanOneChunk() throws IOException {
        IdxFiles.writeSet(dir, 2500, 3, 4, 4, true);
        INDArray x = DataSources.open("idx:" + dir).train().getFeatures();
        assertAll(
                () -> assertArrayEquals(new long[] {2500, 1, 4, 4}, x.shape()),
                () -> assertEquals((7 * 2499 + 15) % 256 / 255.0, x.getDouble(2499, 0, 3, 3), 1e-7, "last pixel"),
                () -> assertEquals((7 * 1024) % 256 / 255.0, x.getDouble(1024, 0, 0, 0), 1e-7, "first of chunk 2"));
    }

    @Test
    void missingDirectoryOfTheDefaultLocationSaysHowToInstall() {
        assumeFalse(Files.exists(DataSources.FASHION_MNIST_DIR), "Fashion-MNIST is installed here");
        DataException e = assertThrows(DataException.class, () -> DataSources.open("fashion-mnist"));
        assertEquals("fashion-mnist: directory /usr/share/datasets/fashion-mnist does not exist; install it with "
                + "`apt-get install dataset-fashion-mnist` (Debian) or give its directory: fashion-mnist:DIR",
                e.getMessage());
    }

    @Test
    void missingDirectoryAndFileAreNamed() throws IOException {
        Path missing = dir.resolve("nowhere");
        IdxFiles.writeSet(dir, 2, 2, 2, 2, false);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        assertAll(
                () -> assertEquals("idx:" + missing + ": directory " + missing + " does not exist",
                        assertThrows(DataException.class, () -> DataSources.open("idx:" + missing)).getMessage()),
                () -> assertEquals(dir + ": no test labels file: looked for t10k-labels-idx1-ubyte.gz, "
                        + "t10k-labels-idx1-ubyte, t10k-labels.idx1-ubyte",
                        assertThrows(DataException.class, () -> DataSources.open("idx:" + dir)).getMessage()));
    }

    @Test
    void wrongMagicIsRefusedAtOffsetZero() throws IOException {
        IdxFiles.writeSet(dir, 2, 2, 2, 2, false);
        Path images = IdxFiles.write(dir.resolve("train-images-idx3-ubyte"), IdxFiles.labels(2, new byte[2]), false);
        Path labels = IdxFiles.write(dir.resolve("train-labels-idx1-ubyte"),
                IdxFiles.idx(0x12345678, new int[] {2}, new byte[2]), false);
        assertEquals(images + ": wrong magic number 0x00000801 at byte offset 0: IDX image files start with "
                + "0x00000803 (this is a label file); put the image file under this name",
                assertThrows(DataException.class, () -> IdxReader.readImages(images)).getMessage());
        assertEquals(labels + ": wrong magic number 0x12345678 at byte offset 0: IDX label files start with "
                + "0x00000801; the file is damaged or not an IDX label file: replace it with an intact copy",
                assertThrows(DataException.class, () -> IdxReader.readLabels(labels, 10, ""))
                        .getMessage());
    }

    @Test
    void truncatedImagesAreRefusedWithTheRecordWhereTheDataEnds() throws IOException {
        byte[] full = IdxFiles.images(4, 3, 3, IdxFiles.pixels(4, 3, 3));
        Path plain = IdxFiles.write(dir.resolve("plain"), IdxFiles.cut(full, 16 + 9 * 2 + 4), false);
        Path gz = IdxFiles.write(dir.resolve("gz"), IdxFiles.cut(full, 16 + 9 * 3), true);
        assertAll(
                () -> assertEquals(plain + ": truncated: the header promises 4 images of 3x3 pixels (52 bytes in "
                        + "all), but the data ends at byte offset 38, after 2 complete records; record 2 (counting "
                        + "from 0) is cut or missing: the file was cut short (an interrupted download or copy?); "
                        + "replace it with an intact copy",
                        assertThrows(DataException.class, () -> IdxReader.readImages(plain)).getMessage()),
                () -> assertEquals(gz + " (offsets in the decompressed data): truncated: the header promises 4 images"
                        + " of 3x3 pixels (52 bytes in all), but the data ends at byte offset 43, after 3 complete "
                        + "records; record 3 (counting from 0) is cut or missing: the file was cut short (an "
                        + "interrupted download or copy?); replace it with an intact copy",
                        assertThrows(DataException.class, () -> IdxReader.readImages(gz)).getMessage()));
    }

    @Test
    void truncatedHeaderTrailingBytesAndEmptyCountsAreRefused() throws IOException {
        byte[] labels = IdxFiles.labels(3, new byte[] {1, 2, 3});
        Path shortHeader = IdxFiles.write(dir.resolve("short"), IdxFiles.cut(labels, 6), false);
        Path trailing = IdxFiles.write(dir.resolve("trailing"), IdxFiles.idx(IdxReader.LABELS_MAGIC,
                new int[] {3}, new byte[] {1, 2, 3, 4, 5}), false);
        Path empty = IdxFiles.write(dir.resolve("empty"), IdxFiles.images(0, 28, 28, new byte[0]), false);
        Path tiny = IdxFiles.write(dir.resolve("tiny"), new byte[] {0, 0}, false);
        assertAll(
                () -> assertEquals(shortHeader + ": truncated header: 6 bytes, but an IDX label file starts with an "
                        + "8-byte header: magic 0x00000801, label count; replace it with an intact copy", assertThrows(DataException.class,
                                () -> IdxReader.readLabels(shortHeader, 10, "")).getMessage()),
                () -> assertEquals(trailing + ": 2 unexpected bytes after the last record: the header promises 3 "
                        + "labels, ending at byte offset 11, but the data is 13 bytes long; the header or the file is "
                        + "damaged: replace it with an intact copy", assertThrows(
                                DataException.class, () -> IdxReader.readLabels(trailing, 10, "")).getMessage()),
                () -> assertEquals(empty + ": the image count at byte offset 4 must be >= 1, but got 0; a set needs "
                        + "at least one example: replace it with an intact copy",
                        assertThrows(DataException.class, () -> IdxReader.readImages(empty)).getMessage()),
                () -> assertEquals(tiny + ": truncated header: 2 bytes, but an IDX image file starts with a 16-byte "
                        + "header: magic 0x00000803, image count, rows, columns; replace it with an intact copy",
                        assertThrows(DataException.class, () -> IdxReader.readImages(tiny)).getMessage()));
    }

    @Test
    void headerPromisingMoreThanAnArrayCanHoldIsRefusedBeforeAllocating() throws IOException {
        Path huge = IdxFiles.write(dir.resolve("huge"), IdxFiles.images(60000, 4096, 4096, new byte[10]), false);
        assertEquals(huge + ": the header promises 60000 images of 4096x4096 = 1006632960000 pixels, more than the "
                + "2147483639 one array can hold",
                assertThrows(DataException.class, () -> IdxReader.readImages(huge)).getMessage());
    }

    @Test
    void damagedGzipIsRefused() throws IOException {
        Path good = IdxFiles.write(dir.resolve("good.gz"), IdxFiles.images(50, 8, 8, IdxFiles.pixels(50, 8, 8)),
                true);
        byte[] compressed = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, IdxFiles.cut(compressed, compressed.length / 2));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(cut));
        assertEquals(cut + ": damaged or truncated gzip data after ", e.getMessage().substring(0,
                (cut + ": damaged or truncated gzip data after ").length()), e.getMessage());
    }

    @Test
    void imageAndLabelCountsMustMatch() throws IOException {
        IdxFiles.writeSet(dir, 4, 2, 2, 2, false);
        IdxFiles.write(dir.resolve("train-labels-idx1-ubyte"), IdxFiles.labels(3, new byte[] {1, 2, 3}), false);
        assertEquals(dir.resolve("train-images-idx3-ubyte") + " holds 4 images, but "
                + dir.resolve("train-labels-idx1-ubyte") + " holds 3 labels; the training images and training labels"
                + " files must hold the same examples in the same order",
                assertThrows(DataException.class, () -> DataSources.open("idx:" + dir)).getMessage());
    }

    @Test
    void labelOutOfRangeNamesRecordAndOffsetAndHowToAllowMoreClasses() throws IOException {
        IdxFiles.writeSet(dir, 4, 2, 2, 2, false);
        Path labels = IdxFiles.write(dir.resolve("train-labels-idx1-ubyte"),
                IdxFiles.labels(4, new byte[] {1, 2, 12, 3}), false);
        assertAll(
                () -> assertEquals(labels + ": label 12 of record 2 (byte offset 10) is out of range [0, 10); for a "
                        + "set with more classes add ?classes=N to the data spec",
                        assertThrows(DataException.class, () -> DataSources.open("idx:" + dir)).getMessage()),
                () -> assertEquals(labels + ": label 12 of record 2 (byte offset 10) is out of range [0, 10); "
                        + "Fashion-MNIST has 10 classes, so the file is damaged: replace it with an intact copy",
                        assertThrows(DataException.class, () -> DataSources.open("fashion-mnist:" + dir))
                                .getMessage()),
                () -> assertEquals(13, DataSources.open("idx:" + dir + "?classes=13").classes(), "classes=13"));
    }

    @Test
    void trainingAndTestImagesMustHaveTheSameSize() throws IOException {
        IdxFiles.writeSet(dir, 2, 2, 4, 4, true);
        IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxFiles.images(2, 5, 4, new byte[40]), true);
        assertEquals("idx:" + dir + ": " + dir.resolve("t10k-images-idx3-ubyte.gz") + " holds 5x4 images, but "
                + dir.resolve("train-images-idx3-ubyte.gz") + " holds 4x4; training and test images must have the "
                + "same size", assertThrows(DataException.class, () -> DataSources.open("idx:" + dir)).getMessage());
    }
}
