package io.syncbn.driver.cli;

import io.syncbn.driver.config.ConfigException;
import io.syncbn.driver.data.DataException;
import io.syncbn.driver.run.RunRefusedException;
import io.syncbn.driver.run.TrainingFailedException;
import io.syncbn.driver.progress.TrainingProgress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The {@code syncbn} command line: {@code train}, {@code eval}, {@code export}, {@code precise-bn},
 * {@code study}, {@code verify-fixtures}.
 * This is the main class of the {@code submit} jar for {@code spark-submit} and of {@code
 * scripts/syncbn}.
 *
 * <p>Exit status: 0 success; 1 training or evaluation failed, or a verified fixture failed; 2 bad
 * usage or input (unknown flag, invalid value, unusable data or run directory), reported with the
 * value, the rule and the fix, and nothing written.
 */
public final class Main {

    /** Exit status of bad usage or input. */
    public static final int USAGE = 2;
    /** Exit status of a failure while working. */
    public static final int FAILURE = 1;

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams and returns the exit status (for tests and embedding). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new SyncbnCommand());
        cli.addSubcommand("train", new TrainCommand(out, err));
        cli.addSubcommand("eval", new EvalCommand(out));
        cli.addSubcommand("export", new ExportCommand(out));
        cli.addSubcommand("precise-bn", new PreciseBnCommand(out));
        cli.addSubcommand("study", new StudyCommand(out, err,
                stream -> TrainingProgress.forConsole(stream, TrainCommand.LINE_INTERVAL)));
        cli.addSubcommand("verify-fixtures", new VerifyFixturesCommand(out, err));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((e, command, parsed) -> report(e, command.getCommandName(), err));
        return cli;
    }

    /** Prints a refusal or failure the way a person can act on it, and gives its exit status. */
    static int report(Exception e, String command, PrintStream err) {
        String prefix = "syncbn " + command + ": ";
        if (e instanceof ConfigException || e instanceof DataException || e instanceof RunRefusedException) {
            err.println(prefix + e.getMessage());
            return USAGE;
        }
        if (e instanceof TrainingFailedException) {
            err.println(prefix + e.getMessage());
            printCause(e.getCause(), err);
            return FAILURE;
        }
        if (e instanceof IllegalArgumentException) {
            err.println(prefix + e.getMessage());
            return USAGE;
        }
        if (e instanceof IOException) {
            err.println(prefix + e.getMessage());
            return FAILURE;
        }
        err.println(prefix + "failed: " + e);
        e.printStackTrace(err);
        return FAILURE;
    }

    /**
     * The stack of an unexpected cause, for a bug report; refusals, I/O errors and Spark's job failures,
     * also as a failed stage (whose task stack traces are in the log), need none.
     */
    private static void printCause(Throwable cause, PrintStream err) {
        if (cause != null && !(cause instanceof IOException) && !(cause instanceof IllegalArgumentException)
                && !(cause instanceof io.syncbn.driver.spark.StageFailedException)
                && !cause.getClass().getName().startsWith("org.apache.spark.")) {
            cause.printStackTrace(err);
        }
    }
}
