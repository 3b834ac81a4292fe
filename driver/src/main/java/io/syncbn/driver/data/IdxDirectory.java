package io.syncbn.driver.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * An MNIST-format set in a directory: the four IDX files of MNIST and Fashion-MNIST, each found
 * under its usual names ({@code train-images-idx3-ubyte.gz}, {@code train-images-idx3-ubyte} or
 * {@code train-images.idx3-ubyte}, and likewise for {@code train-labels-idx1-ubyte}, {@code
 * t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}), compressed or not.
 */
final class IdxDirectory {

    /** The four files of a set, each with the names it may have, first match wins. */
    enum Part {
        TRAIN_IMAGES("training images", "train-images", "idx3-ubyte"),
        TRAIN_LABELS("training labels", "train-labels", "idx1-ubyte"),
        TEST_IMAGES("test images", "t10k-images", "idx3-ubyte"),
        TEST_LABELS("test labels", "t10k-labels", "idx1-ubyte");

        private final String description;
        private final List<String> names;

        Part(String description, String stem, String type) {
            this.description = description;
            this.names = List.of(stem + "-" + type + ".gz", stem + "-" + type, stem + "." + type);
        }

        /** The file names tried, in order. */
        List<String> names() {
            return names;
        }
    }

    private IdxDirectory() {
    }

    /**
     * Reads the training and test sets of {@code dir}.
     *
     * @param name the source's name (its spec)
     * @param classes labels must lie in {@code [0, classes)}
     * @param rangeHint appended to an out-of-range label refusal
     * @param missingHint appended to a refusal of a missing directory: how to get the data
     * @throws DataException for a missing directory or file, a malformed file, images and labels of
     *     different counts, or training and test images of different sizes
     */
    static DataSource read(String name, Path dir, int classes, String rangeHint, String missingHint) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(name + ": directory " + dir + (Files.exists(dir) ? " is not a directory"
                    : " does not exist") + missingHint);
        }
        INDArray trainImages = IdxReader.readImages(find(dir, Part.TRAIN_IMAGES));
        int[] trainLabels = IdxReader.readLabels(find(dir, Part.TRAIN_LABELS), classes, rangeHint);
        requireSameCount(dir, Part.TRAIN_IMAGES, trainImages, Part.TRAIN_LABELS, trainLabels);
        INDArray testImages = IdxReader.readImages(find(dir, Part.TEST_IMAGES));
        int[] testLabels = IdxReader.readLabels(find(dir, Part.TEST_LABELS), classes, rangeHint);
        requireSameCount(dir, Part.TEST_IMAGES, testImages, Part.TEST_LABELS, testLabels);
        long[] trainSize = Arrays.copyOfRange(trainImages.shape(), 2, 4);
        long[] testSize = Arrays.copyOfRange(testImages.shape(), 2, 4);
        if (!Arrays.equals(trainSize, testSize)) {
            throw new DataException(name + ": " + find(dir, Part.TEST_IMAGES) + " holds " + testSize[0] + "x"
                    + testSize[1] + " images, but " + find(dir, Part.TRAIN_IMAGES) + " holds " + trainSize[0] + "x"
                    + trainSize[1] + "; training and test images must have the same size");
        }
        return new InMemoryDataSource(name,
                new DataSet(trainImages, Labels.oneHot(trainLabels, classes)),
                new DataSet(testImages, Labels.oneHot(testLabels, classes)),
                List.of(1, (int) trainSize[0], (int) trainSize[1]), classes);
    }

    /**
     * The file of {@code part} in {@code dir}.
     *
     * @throws DataException naming every name tried when none exists
     */
    static Path find(Path dir, Part part) {
        List<String> tried = new ArrayList<>();
        for (String candidate : part.names) {
            Path file = dir.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return file;
            }
            tried.add(candidate);
        }
        throw new DataException(dir + ": no " + part.description + " file: looked for " + String.join(", ", tried));
    }

    private static void requireSameCount(Path dir, Part imagesPart, INDArray images, Part labelsPart, int[] labels) {
        if (images.size(0) != labels.length) {
            throw new DataException(find(dir, imagesPart) + " holds " + images.size(0) + " images, but "
                    + find(dir, labelsPart) + " holds " + labels.length + " labels; the " + imagesPart.description
                    + " and " + labelsPart.description + " files must hold the same examples in the same order");
        }
    }
}
