package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report renders in a real browser: {@code scripts/check-report-html} passes on a report of the
 * collapse rows ({@link StudyRows}), and fails, naming the image, when the base64 of one embedded
 * chart is corrupted. Skipped (with the reason printed) only when Chromium is missing and cannot be
 * installed here (the script exits 2).
 */
@Tag("integration")
class ReportRenderIT {

    /** Installing Chromium with apt-get can take minutes; rendering takes seconds. */
    private static final long TIMEOUT_MINUTES = 10;
    private static final Pattern PNG_DATA = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)");

    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    @Test
    void theReportRendersAndACorruptImageIsCaught() throws IOException, InterruptedException {
        Path html = StudyReport.write(dir.resolve("study"), StudyRows.header(), StudyRows.collapse(),
                List.of(StudyRows.curve("b=1 local s1", 60), StudyRows.curve("b=1 sync s1", 60)));
        Result ok = check(html);
        if (ok.exit() == 2) {
            System.out.println("ReportRenderIT skipped: scripts/check-report-html cannot run here:\n" + ok.output());
        }
        Assumptions.assumeTrue(ok.exit() != 2, () -> "Chromium cannot be run or installed here: " + ok.output());
        assertAll("the intact report",
                () -> assertEquals(0, ok.exit(), ok.output()),
                () -> assertTrue(ok.output().contains("report.html renders: OK (3 images drawn whole and as encoded"),
                        ok.output()));

        Path broken = dir.resolve("study").resolve("broken.html");
        Files.writeString(broken, corruptSecondImage(Files.readString(html, StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        Result bad = check(broken);
        assertAll("the report with image 2 corrupted",
                () -> assertEquals(1, bad.exit(), bad.output()),
                () -> assertTrue(bad.output().contains("FAIL: image 2 of 3 (")
                        && bad.output().contains("of the image's box undrawn"), bad.output()),
                () -> assertTrue(!bad.output().contains("image 1 of 3") && !bad.output().contains("image 3 of 3"),
                        "only image 2 is named:\n" + bad.output()));
    }

    /** 400 base64 characters in the middle of the second image replaced: valid base64, wrong PNG data. */
    private static String corruptSecondImage(String html) {
        Matcher m = PNG_DATA.matcher(html);
        assertTrue(m.find() && m.find(), "the report has a second embedded PNG");
        String data = m.group(1);
        int mid = data.length() / 2;
        String corrupt = data.substring(0, mid) + "A".repeat(400) + data.substring(mid + 400);
        return html.substring(0, m.start(1)) + corrupt + html.substring(m.end(1));
    }

    private Result check(Path html) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "check", ".log");
        Process p = new ProcessBuilder("bash", script().toString(), html.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("scripts/check-report-html did not finish in " + TIMEOUT_MINUTES
                    + " minutes on " + html + "; output so far:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("scripts/check-report-html " + html.getFileName() + " -> exit " + p.exitValue() + "\n"
                + output);
        return new Result(p.exitValue(), output);
    }

    /** The script, found from the working directory (the driver module under Maven) upwards. */
    private static Path script() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("scripts").resolve("check-report-html");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/check-report-html not found above " + Path.of("").toAbsolutePath());
    }
}
