package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.driver.models.ModelSpec;
import io.syncbn.driver.models.Models;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Generated sets: shapes and defaults, pixel range, determinism in the seed (and a test set that
 * does not depend on the training size), every class present, and learnability: the {@code mlp}
 * reaches well above chance on {@code synthetic} in three epochs.
 */
class SyntheticDataTest {

    /** Ten classes: chance is 0.1; three epochs of 1024 examples reach about 0.95. */
    private static final double LEARNED_ACCURACY = 0.8;

    @Test
    void defaultsAreSmallImagesAndVolumes() {
        DataSource images = DataSources.open("synthetic");
        DataSource volumes = DataSources.open("synthetic3d");
        assertAll(
                () -> assertEquals(List.of(1, 28, 28), images.featureShape()),
                () -> assertEquals(2048, images.trainCount()),
                () -> assertEquals(512, images.testCount()),
                () -> assertEquals(10, images.classes()),
                () -> assertArrayEquals(new long[] {2048, 1, 28, 28}, images.train().getFeatures().shape()),
                () -> assertEquals(List.of(1, 8, 16, 16), volumes.featureShape()),
                () -> assertEquals(512, volumes.trainCount()),
                () -> assertEquals(128, volumes.testCount()),
                () -> assertEquals(4, volumes.classes()),
                () -> assertArrayEquals(new long[] {128, 1, 8, 16, 16}, volumes.test().getFeatures().shape()),
                () -> assertEquals("synthetic", images.name()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"synthetic", "synthetic3d"})
    void sameSeedGivesTheSameData(String kind) {
        DataSource a = DataSources.open(kind + "?train=64&test=16&seed=7");
        DataSource b = DataSources.open(kind + "?train=64&test=16&seed=7");
        DataSource c = DataSources.open(kind + "?train=64&test=16&seed=8");
        DataSource longer = DataSources.open(kind + "?train=100&test=16&seed=7");
        assertAll(
                () -> assertEquals(a.train(), b.train(), kind + ": training set, seed 7 twice"),
                () -> assertEquals(a.test(), b.test(), kind + ": test set, seed 7 twice"),
                () -> assertNotEquals(a.train().getFeatures(), c.train().getFeatures(), kind + ": seeds 7 and 8"),
                () -> assertEquals(a.test(), longer.test(), kind + ": test set independent of the training size"),
                () -> assertNotEquals(a.train().getFeatures().get(NDArrayIndex.interval(0, 16)),
                        a.test().getFeatures(), kind + ": the test set is not the start of the training set"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"synthetic?train=500&test=10", "synthetic3d?train=500&test=10"})
    void pixelsAreScaledAndEveryClassOccurs(String spec) {
        DataSource data = DataSources.open(spec);
        DataSet train = data.train();
        double[] perClass = train.getLabels().sum(0).toDoubleVector();
        assertAll(
                () -> assertTrue(train.getFeatures().minNumber().doubleValue() >= 0, spec + ": min pixel"),
                () -> assertTrue(train.getFeatures().maxNumber().doubleValue() <= 1, spec + ": max pixel"),
                () -> assertEquals(500.0, train.getLabels().sumNumber().doubleValue(), 0.0, spec + ": one-hot"),
                () -> assertTrue(Arrays.stream(perClass).allMatch(n -> n >= 500.0 / data.classes() / 2),
                        spec + ": examples per class " + Arrays.toString(perClass)));
    }

    @Test
    void mlpLearnsSyntheticImagesWellAboveChance() {
        DataSource data = DataSources.open("synthetic?train=1024&test=512&seed=3");
        ModelSpec spec = Models.get("mlp").defaultSpec().withInputShape(data.featureShape())
                .withClasses(data.classes());
        MultiLayerNetwork net = new MultiLayerNetwork(Models.list("mlp", spec));
        net.init();
        List<DataSet> batches = Batches.split(data.train(), 32);
        for (int epoch = 0; epoch < 3; epoch++) {
            for (DataSet batch : batches) {
                net.fit(batch);
            }
        }
        Evaluation evaluation = new Evaluation(data.classes());
        evaluation.eval(data.test().getLabels(), net.output(data.test().getFeatures()));
        assertTrue(evaluation.accuracy() > LEARNED_ACCURACY, "test accuracy " + evaluation.accuracy()
                + " after 3 epochs, chance 0.1, expected above " + LEARNED_ACCURACY);
    }
}
