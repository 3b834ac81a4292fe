package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec strings: kinds, locations and options parse and print back; every malformed spec is refused. */
class DataSpecTest {

    @Test
    void partsAreParsed() {
        DataSpec csv = DataSpec.parse("csv:/data/iris.csv?label=4&test=0.25");
        DataSpec synthetic = DataSpec.parse("synthetic");
        assertAll(
                () -> assertEquals(DataSpec.Kind.CSV, csv.kind()),
                () -> assertEquals(Path.of("/data/iris.csv"), csv.location()),
                () -> assertEquals(Map.of("label", "4", "test", "0.25"), csv.options()),
                () -> assertEquals(0.25, csv.fractionOption("test", 0.2, 0, 1)),
                () -> assertEquals(4, csv.intOption("label", 0, 0)),
                () -> assertEquals(DataSpec.Kind.SYNTHETIC, synthetic.kind()),
                () -> assertNull(synthetic.location()),
                () -> assertEquals(2048, synthetic.intOption("train", 2048, 1), "absent option: the fallback"),
                () -> assertEquals(DataSources.FASHION_MNIST_DIR,
                        DataSpec.parse("fashion-mnist").locationOr(DataSources.FASHION_MNIST_DIR)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-mnist", "fashion-mnist:/tmp/f", "idx:/data/mnist?classes=10",
        "csv:/data/x.csv?label=first&header=true&test=0.3&seed=9&classes=4", "synthetic?train=64&test=32&seed=5",
        "synthetic3d?classes=3"})
    void canonicalFormParsesBackToAnEqualSpec(String text) {
        DataSpec spec = DataSpec.parse(text);
        assertAll(
                () -> assertEquals(text, spec.toString()),
                () -> assertEquals(spec, DataSpec.parse(spec.toString())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            mnist                   | data spec "mnist": unknown kind "mnist": must be one of fashion-mnist, idx, csv, synthetic, synthetic3d
            csv                     | data spec "csv": csv needs a location: csv:FILE
            idx?classes=3           | data spec "idx?classes=3": idx needs a location: idx:DIR
            synthetic:/tmp/x        | data spec "synthetic:/tmp/x": synthetic takes no location (it is generated)
            csv:                    | data spec "csv:": the location after "csv:" is empty
            csv:a.csv?tset=0.3      | data spec "csv:a.csv?tset=0.3": unknown option "tset" for csv; allowed: label, header, test, seed, classes, train-subset
            fashion-mnist?classes=3 | data spec "fashion-mnist?classes=3": unknown option "classes" for fashion-mnist; allowed: train-subset
            csv:a.csv?test          | data spec "csv:a.csv?test": options must be KEY=VALUE separated by &, but got "test"
            csv:a.csv?test=0.1&     | data spec "csv:a.csv?test=0.1&": options must be KEY=VALUE separated by &, but got ""
            csv:a.csv?seed=1&seed=2 | data spec "csv:a.csv?seed=1&seed=2": option "seed" is given twice
            """)
    void malformedSpecsAreRefused(String spec, String message) {
        assertEquals(message, assertThrows(DataException.class, () -> DataSpec.parse(spec)).getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            csv:a.csv?test=1.0        | data spec "csv:a.csv?test=1.0": option test must be a number in (0.0, 1.0), but got "1.0"
            csv:a.csv?test=x          | data spec "csv:a.csv?test=x": option test must be a number in (0.0, 1.0), but got "x"
            csv:a.csv?header=yes      | data spec "csv:a.csv?header=yes": option header must be one of auto, true, false, but got "yes"
            csv:a.csv?label=-1        | data spec "csv:a.csv?label=-1": option label must be an integer >= 0, but got "-1"
            csv:a.csv?seed=1.5        | data spec "csv:a.csv?seed=1.5": option seed must be an integer, but got "1.5"
            synthetic?train=0         | data spec "synthetic?train=0": option train must be an integer >= 1, but got "0"
            synthetic?classes=65      | data spec "synthetic?classes=65": option classes must be an integer in [2, 64], but got "65"
            idx:/data?classes=1       | data spec "idx:/data?classes=1": option classes must be an integer >= 2, but got "1"
            """)
    void badOptionValuesAreRefusedWhenOpening(String spec, String message) {
        assertEquals(message, assertThrows(DataException.class, () -> DataSources.open(spec)).getMessage());
    }
}
