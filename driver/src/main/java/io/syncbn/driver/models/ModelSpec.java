package io.syncbn.driver.models;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What an {@link Architecture} needs to build a network: the initialization seed, the network's
 * floating-point type, the Adam learning rate, the shape of one example and the number of classes.
 *
 * <p>The input shape is per example, without the batch axis, in the layout the data sources produce:
 * {@code [features]} for tabular data, {@code [channels, height, width]} for images (NCHW), {@code
 * [channels, depth, height, width]} for volumes (NCDHW).
 *
 * @param seed weight-initialization seed
 * @param dataType {@link DataType#FLOAT} or {@link DataType#DOUBLE}
 * @param learningRate Adam step size, finite and greater than 0
 * @param inputShape shape of one example: 1, 3 or 4 dimensions, each at least 1
 * @param classes number of classes of the softmax output, at least 2
 * @param hidden widths of the dense blocks, used by {@code mlp} only (empty: logistic regression)
 */
public record ModelSpec(long seed, DataType dataType, double learningRate, List<Integer> inputShape, int classes,
        List<Integer> hidden) {

    /** Weight-initialization seed when none is given. */
    public static final long DEFAULT_SEED = 12345L;

    /**
     * Adam's learning rate when none is given: the step size D. P. Kingma and J. Ba recommend in
     * "Adam: A Method for Stochastic Optimization", ICLR 2015.
     */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    /** Widths of the {@code mlp}'s dense blocks when none are given. */
    public static final List<Integer> DEFAULT_HIDDEN = List.of(64, 64);

    /** Validates every component; the lists are copied, so the spec is immutable. */
    public ModelSpec {
        Objects.requireNonNull(dataType, "dataType");
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, but got " + dataType);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be a finite number > 0, but got " + learningRate);
        }
        inputShape = List.copyOf(Objects.requireNonNull(inputShape, "inputShape"));
        int rank = inputShape.size();
        if (rank != 1 && rank != 3 && rank != 4) {
            throw new IllegalArgumentException("inputShape must have 1 ([features]), 3 ([channels, height, width]) or"
                    + " 4 ([channels, depth, height, width]) dimensions, but got " + inputShape);
        }
        for (int d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("every inputShape dimension must be >= 1, but got " + inputShape);
            }
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, but got " + classes);
        }
        hidden = List.copyOf(Objects.requireNonNull(hidden, "hidden"));
        for (int width : hidden) {
            if (width < 1) {
                throw new IllegalArgumentException("every hidden width must be >= 1, but got " + hidden);
            }
        }
    }

    /** A spec with the default seed, FLOAT, the default learning rate and hidden widths. */
    public static ModelSpec of(List<Integer> inputShape, int classes) {
        return new ModelSpec(DEFAULT_SEED, DataType.FLOAT, DEFAULT_LEARNING_RATE, inputShape, classes, DEFAULT_HIDDEN);
    }

    /** This spec with another seed. */
    public ModelSpec withSeed(long newSeed) {
        return new ModelSpec(newSeed, dataType, learningRate, inputShape, classes, hidden);
    }

    /** This spec with another data type. */
    public ModelSpec withDataType(DataType newDataType) {
        return new ModelSpec(seed, newDataType, learningRate, inputShape, classes, hidden);
    }

    /** This spec with another learning rate. */
    public ModelSpec withLearningRate(double newLearningRate) {
        return new ModelSpec(seed, dataType, newLearningRate, inputShape, classes, hidden);
    }

    /** This spec with another example shape (for instance a data source's {@code featureShape()}). */
    public ModelSpec withInputShape(List<Integer> newInputShape) {
        return new ModelSpec(seed, dataType, learningRate, newInputShape, classes, hidden);
    }

    /** This spec with another number of classes. */
    public ModelSpec withClasses(int newClasses) {
        return new ModelSpec(seed, dataType, learningRate, inputShape, newClasses, hidden);
    }

    /** This spec with other hidden widths. */
    public ModelSpec withHidden(List<Integer> newHidden) {
        return new ModelSpec(seed, dataType, learningRate, inputShape, classes, newHidden);
    }

    /**
     * DL4J's input type for the example shape: feed-forward, convolutional NCHW or convolutional 3-D
     * NCDHW, by rank.
     */
    public InputType inputType() {
        return switch (inputShape.size()) {
            case 1 -> InputType.feedForward(inputShape.get(0));
            case 3 -> InputType.convolutional(inputShape.get(1), inputShape.get(2), inputShape.get(0),
                    CNN2DFormat.NCHW);
            default -> InputType.convolutional3D(Convolution3D.DataFormat.NCDHW, inputShape.get(1),
                    inputShape.get(2), inputShape.get(3), inputShape.get(0));
        };
    }
}
