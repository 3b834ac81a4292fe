package io.syncbn.driver.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code syncbn study} refuses bad input before anything trains or is written: exit status 2, a
 * message naming the value and the rule, and no study directory. Cases: an unknown mode, a group size
 * that does not divide a cell's workers, a per-worker batch that does not divide the global batch,
 * more workers than the master runs at once, a value listed twice, a training subset larger than the
 * data, and a global batch larger than the training set.
 */
class StudyRefusalsTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("unknown mode", List.of("--bn", "local,global"),
                        "bn must be a comma-separated list of sync, local, group:K, ghost:V or renorm, but got "
                                + "\"local,global\" "
                                + "(\"global\" is not one: bn must be sync, local or group:K with an integer K >= 1, "
                                + "but got \"global\")"),
                Arguments.of("group size not dividing the workers", List.of("--per-worker-batch", "1,4", "--bn",
                        "sync,group:3"), "per-worker batch 1 gives 32 workers: bn group:3 needs a number of workers "
                        + "that is a multiple of 3 (groups of 3 consecutive workers), but there are 32 workers; use a "
                        + "multiple of 3 workers or another group size"),
                Arguments.of("per-worker batch not dividing the global batch", List.of("--per-worker-batch", "1,3"),
                        "every per-worker batch must divide the global batch 32 (each cell trains global-batch / "
                        + "per-worker-batch workers), but got 3; use divisors of 32 such as 1,2,4,8,16,32"),
                Arguments.of("more workers than the master runs", List.of("--master", "local[4]"),
                        "the study trains up to 32 workers at once (global batch 32 / per-worker batch 1): master "
                        + "local[4] runs at most 4 tasks at once, but training needs all 32 workers at once; use "
                        + "local[32] or at most 4 workers"),
                Arguments.of("a seed twice", List.of("--seeds", "1,2,1"),
                        "seeds must not list a value twice, but got [1, 2, 1]"),
                Arguments.of("a per-worker batch of 0", List.of("--per-worker-batch", "0,1"),
                        "per-worker-batch must be a comma-separated list of integers >= 1, but got \"0,1\" (\"0\" is "
                        + "not one)"),
                Arguments.of("training subset larger than the data", List.of("--data", "synthetic?train=64&test=16",
                        "--train-subset", "100"), "data spec \"synthetic?train=64&test=16&train-subset=100\": option "
                        + "train-subset must be at most the 64 training examples the source holds, but got \"100\""),
                Arguments.of("global batch larger than the data", List.of("--data", "synthetic?train=64&test=16",
                        "--train-subset", "16"), "synthetic?train=64&test=16&train-subset=16: the training set has 16 "
                        + "examples, fewer than one global batch of 32; use a smaller global batch or more data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedBeforeAnythingIsWritten(String what, List<String> flags, String message) {
        Path out = tmp.resolve("study");
        Map<String, String> options = new LinkedHashMap<>(Map.of("--seeds", "1", "--data",
                "synthetic?train=64&test=16", "--train-subset", "0"));
        for (int i = 0; i < flags.size(); i += 2) {
            options.put(flags.get(i), flags.get(i + 1));
        }
        List<String> args = new ArrayList<>(List.of("study", "--out", out.toString()));
        options.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertAll(what,
                () -> assertEquals(Main.USAGE, cli.status(), cli::toString),
                () -> assertTrue(cli.err().contains(message), () -> "expected: " + message + "\n" + cli),
                () -> assertFalse(Files.exists(out), "no study directory"));
    }
}
