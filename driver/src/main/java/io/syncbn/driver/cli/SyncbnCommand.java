package io.syncbn.driver.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code syncbn} command; it only dispatches to its subcommands. */
@Command(name = "syncbn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Distributed training on Apache Spark with synchronized batch normalization.",
        synopsisSubcommandLabel = "(train | eval | export | verify-fixtures)")
final class SyncbnCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: train, eval, export or verify-fixtures "
                + "(syncbn COMMAND --help describes each)");
    }
}
