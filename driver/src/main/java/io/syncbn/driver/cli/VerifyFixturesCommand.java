package io.syncbn.driver.cli;

import io.syncbn.fixtures.VerifyFixtures;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code syncbn verify-fixtures DIR}: {@link VerifyFixtures}, the layer against reference cases. */
@Command(name = "verify-fixtures", mixinStandardHelpOptions = true,
        description = {"Checks the synchronized layer against reference cases.", "",
            "Runs every *.json case in DIR through the layer (one layer and one thread per worker, "
                + "in-process, float64); prints PASS/FAIL per case; exit status 1 if any fails.", ""})
final class VerifyFixturesCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "Directory of *.json cases.")
    private String dir;

    private final PrintStream out;
    private final PrintStream err;

    VerifyFixturesCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        return VerifyFixtures.run(new String[] {dir}, out, err);
    }
}
