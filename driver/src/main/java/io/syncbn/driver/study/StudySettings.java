package io.syncbn.driver.study;

import io.syncbn.driver.run.RunRefusedException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code study.properties}: the settings every cell of a study shares (global batch, epochs, model,
 * data, ...). A new study writes it first; a resumed one must ask for the same settings, because its
 * finished cells are only comparable with cells trained the same way.
 */
final class StudySettings {

    private StudySettings() {
    }

    /**
     * Writes {@code settings} to {@code file} if the study directory is new, or checks that the file
     * holds the same settings.
     *
     * @throws RunRefusedException if the directory holds another study (naming the first differing
     *     setting) or files that are not a study's
     */
    static void claim(Path file, Map<String, String> settings) throws IOException {
        Path dir = file.getParent();
        if (Files.exists(file)) {
            Map<String, String> stored = read(file);
            for (Map.Entry<String, String> e : settings.entrySet()) {
                String before = stored.get(e.getKey());
                if (!e.getValue().equals(before)) {
                    throw new RunRefusedException("the study in " + dir + " was run with " + e.getKey() + " = \""
                            + before + "\", but this study asks for \"" + e.getValue() + "\"; its finished cells would "
                            + "not be comparable: use the same settings to resume it, or another --out");
                }
            }
            return;
        }
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new RunRefusedException("--out " + dir + " is not a directory; choose a new directory for --out");
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new RunRefusedException("--out " + dir + " is a directory that is not empty and holds no "
                            + "study (no " + file.getFileName() + "); choose a new or empty directory for --out");
                }
            }
        }
        Files.createDirectories(dir);
        StringBuilder text = new StringBuilder("# syncbn study: the settings every cell of this study shares\n");
        new TreeMap<>(settings).forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\"))
                .append('\n'));
        Path tmp = Files.createTempFile(dir, ".study", ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Map<String, String> read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}
