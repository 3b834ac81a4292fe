package io.syncbn.driver.data;

import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Opens a {@link DataSource} from its spec ({@link DataSpec}): reads and validates the files, or
 * generates the synthetic sets, entirely into memory.
 *
 * <pre>{@code
 * DataSource data = DataSources.open("fashion-mnist");
 * data.requireAtLeast(globalBatch);
 * List<DataSet> examples = Batches.examples(data.train());
 * }</pre>
 */
public final class DataSources {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the four files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Classes of MNIST-format sets unless the {@code classes} option says otherwise. */
    public static final int IDX_CLASSES = 10;

    /** Fraction of a CSV table held out for testing unless the {@code test} option says otherwise. */
    public static final double CSV_TEST_FRACTION = 0.2;

    /** Seed of the CSV hold-out split and of the synthetic sets unless the {@code seed} option says otherwise. */
    public static final long DEFAULT_SEED = 1L;

    /** Training and test sizes and classes of {@code synthetic} unless its options say otherwise. */
    public static final int SYNTHETIC_TRAIN = 2048;
    /** @see #SYNTHETIC_TRAIN */
    public static final int SYNTHETIC_TEST = 512;
    /** @see #SYNTHETIC_TRAIN */
    public static final int SYNTHETIC_CLASSES = 10;

    /** Training and test sizes and classes of {@code synthetic3d} unless its options say otherwise. */
    public static final int SYNTHETIC3D_TRAIN = 512;
    /** @see #SYNTHETIC3D_TRAIN */
    public static final int SYNTHETIC3D_TEST = 128;
    /** @see #SYNTHETIC3D_TRAIN */
    public static final int SYNTHETIC3D_CLASSES = 4;

    private DataSources() {
    }

    /**
     * Parses {@code spec} and opens the source.
     *
     * @throws DataException for a bad spec or unusable data; the message says where and why
     */
    public static DataSource open(String spec) {
        return open(DataSpec.parse(spec));
    }

    /**
     * Opens the source {@code spec} describes.
     *
     * @throws DataException for unusable data or option values; the message says where and why
     */
    public static DataSource open(DataSpec spec) {
        DataSource all = openAll(spec);
        if (!spec.options().containsKey(DataSpec.TRAIN_SUBSET)) {
            return all;
        }
        int m = spec.intOption(DataSpec.TRAIN_SUBSET, 0, 1);
        if (m > all.trainCount()) {
            throw spec.badOption(DataSpec.TRAIN_SUBSET, "at most the " + all.trainCount() + " training examples the "
                    + "source holds", Integer.toString(m));
        }
        DataSet train = all.train();
        DataSet first = m == all.trainCount() ? train : new DataSet(
                train.getFeatures().get(NDArrayIndex.interval(0, m)).dup('c'),
                train.getLabels().get(NDArrayIndex.interval(0, m)).dup('c'));
        return new InMemoryDataSource(all.name(), first, all.test(), all.featureShape(), all.classes());
    }

    private static DataSource openAll(DataSpec spec) {
        return switch (spec.kind()) {
            case FASHION_MNIST -> IdxDirectory.read(spec.toString(), spec.locationOr(FASHION_MNIST_DIR), 10,
                    "; Fashion-MNIST has 10 classes, so the file is damaged: replace it with an intact copy",
                    spec.location() == null ? "; install it with `apt-get install dataset-fashion-mnist` (Debian) or "
                            + "give its directory: fashion-mnist:DIR" : "");
            case IDX -> IdxDirectory.read(spec.toString(), spec.location(), spec.intOption("classes", IDX_CLASSES, 2),
                    "; for a set with more classes add ?classes=N to the data spec", "");
            case CSV -> csv(spec);
            case SYNTHETIC -> synthetic(spec, SyntheticGlyphs.Geometry.IMAGE, SYNTHETIC_TRAIN, SYNTHETIC_TEST,
                    SYNTHETIC_CLASSES);
            case SYNTHETIC3D -> synthetic(spec, SyntheticGlyphs.Geometry.VOLUME, SYNTHETIC3D_TRAIN,
                    SYNTHETIC3D_TEST, SYNTHETIC3D_CLASSES);
        };
    }

    private static DataSource csv(DataSpec spec) {
        String label = spec.option("label", "last");
        int labelColumn = switch (label) {
            case "last" -> CsvReader.LAST_COLUMN;
            case "first" -> 0;
            default -> spec.intOption("label", 0, 0);
        };
        CsvReader.Header header = switch (spec.choiceOption("header", "auto", List.of("auto", "true", "false"))) {
            case "true" -> CsvReader.Header.PRESENT;
            case "false" -> CsvReader.Header.ABSENT;
            default -> CsvReader.Header.AUTO;
        };
        double testFraction = spec.fractionOption("test", CSV_TEST_FRACTION, 0, 1);
        long seed = spec.longOption("seed", DEFAULT_SEED);
        int classes = spec.options().containsKey("classes") ? spec.intOption("classes", 0, 2) : 0;
        CsvReader.Table table = CsvReader.read(spec.location(), labelColumn, header, classes);
        boolean[] test = HoldOut.choose(spec.toString(), table.rows(), testFraction, seed);
        return new InMemoryDataSource(spec.toString(), rows(table, test, false), rows(table, test, true),
                List.of(table.featureCount()), table.classes());
    }

    /** The rows of {@code table} whose {@code test} flag equals {@code wanted}, as a DataSet. */
    private static DataSet rows(CsvReader.Table table, boolean[] test, boolean wanted) {
        int count = 0;
        for (boolean t : test) {
            count += t == wanted ? 1 : 0;
        }
        int width = table.featureCount();
        float[] features = new float[count * width];
        int[] labels = new int[count];
        int at = 0;
        for (int r = 0; r < table.rows(); r++) {
            if (test[r] == wanted) {
                System.arraycopy(table.features(), r * width, features, at * width, width);
                labels[at++] = table.labels()[r];
            }
        }
        INDArray x = Nd4j.create(features, new long[] {count, width}, DataType.FLOAT);
        return new DataSet(x, Labels.oneHot(labels, table.classes()));
    }

    private static DataSource synthetic(DataSpec spec, SyntheticGlyphs.Geometry geometry, int train, int test,
            int classes) {
        int numClasses = spec.intOption("classes", classes, 2);
        if (numClasses > 64) {
            throw spec.badOption("classes", "an integer in [2, 64]", spec.option("classes", ""));
        }
        SyntheticGlyphs glyphs = new SyntheticGlyphs(geometry, numClasses, spec.longOption("seed", DEFAULT_SEED));
        return new InMemoryDataSource(spec.toString(), glyphs.train(spec.intOption("train", train, 1)),
                glyphs.test(spec.intOption("test", test, 1)), geometry.exampleShape(), numClasses);
    }
}
