package io.syncbn.driver.spark;

import java.util.Objects;
import org.apache.spark.api.java.function.Function;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.nd4j.common.loader.SourceFactory;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Loads one file of examples on an executor, through Hadoop's file systems ({@code file:}, {@code
 * hdfs:}, {@code s3a:} when the cluster has the connector), with DL4J's loaders: a {@link
 * DataSetLoader} (e.g. {@code SerializedDataSetLoader} for files written by {@code DataSet.save}) or a
 * {@link MultiDataSetLoader}. Used by {@link SyncTrainingMaster#executeTrainingPaths}, so the driver
 * only holds the paths.
 */
final class LoadExamples implements Function<String, MultiDataSet> {

    private static final long serialVersionUID = 1L;

    private final DataSetLoader dataSets;
    private final MultiDataSetLoader multiDataSets;
    private final SourceFactory sources;

    /** Exactly one of the loaders is given. */
    LoadExamples(DataSetLoader dataSets, MultiDataSetLoader multiDataSets, SourceFactory sources) {
        if ((dataSets == null) == (multiDataSets == null)) {
            throw new IllegalArgumentException("give exactly one loader: a DataSetLoader or a MultiDataSetLoader, but "
                    + "got " + (dataSets == null ? "neither" : "both"));
        }
        this.dataSets = dataSets;
        this.multiDataSets = multiDataSets;
        this.sources = Objects.requireNonNull(sources, "sources");
    }

    @Override
    public MultiDataSet call(String path) throws Exception {
        try {
            return dataSets != null ? dataSets.load(sources.getSource(path)).toMultiDataSet()
                    : multiDataSets.load(sources.getSource(path));
        } catch (Exception e) {
            throw new java.io.IOException("cannot load the examples in " + path + " with "
                    + (dataSets != null ? dataSets : multiDataSets).getClass().getSimpleName() + ": " + e, e);
        }
    }
}
