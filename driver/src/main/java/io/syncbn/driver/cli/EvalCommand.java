package io.syncbn.driver.cli;

import io.syncbn.driver.data.DataSource;
import io.syncbn.driver.data.DataSources;
import io.syncbn.driver.run.ModelFiles;
import io.syncbn.driver.run.RunDirectory;
import io.syncbn.driver.evaluation.TestEvaluation;
import io.syncbn.driver.evaluation.TestResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.api.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code syncbn eval MODEL [--data SPEC]}: accuracy and loss of a model zip on a data set's test split,
 * in inference mode (batch normalization with running statistics).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Accuracy and loss of a model on a data set's test split.", "",
            "Inference mode: batch normalization uses its running statistics.", ""})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model zip: a run's model.zip, a checkpoint or "
            + "an exported model.")
    private Path model;

    @Option(names = "--data", paramLabel = "SPEC", description = "Data spec whose test split to use; default: the "
            + "data of the run whose directory holds MODEL.")
    private String data;

    @Option(names = "--stats", description = "Also print DL4J's per-class statistics and confusion matrix.")
    private boolean stats;

    private final PrintStream out;

    EvalCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        String spec = data != null ? data : RunDirectory.configOfModel(model, "--data",
                "give the data spec with --data SPEC").data();
        DataSource source = DataSources.open(spec);
        Model network = ModelFiles.load(model, false);
        TestResult result = TestEvaluation.evaluate(network, source.test());
        out.printf(Locale.ROOT, "test accuracy %.4f (%d of %d), loss %.4f on %s%n", result.accuracy(),
                Math.round(result.accuracy() * result.examples()), result.examples(), result.loss(), source.name());
        if (stats) {
            out.println(result.evaluation().stats());
        }
        return 0;
    }
}
