package io.syncbn.driver.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * {@code metrics.jsonl}: one JSON object per line, a {@link StepRecord} per global step and an {@link
 * EpochRecord} per epoch, appended and forced to disk as training goes. A resumed run opens it cut
 * back to the length its checkpoint recorded, so the file never describes a step twice.
 */
public final class MetricsLog implements AutoCloseable {

    /** Everything a metrics file holds, in order. */
    public record Contents(List<StepRecord> steps, List<EpochRecord> epochs) {
    }

    private final Path file;
    private final FileChannel channel;

    private MetricsLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens {@code file} for appending, creating it, and cuts it to {@code length} bytes.
     *
     * @throws IOException if it cannot be opened, or is shorter than {@code length} (then it is not the
     *     file the checkpoint was written with)
     */
    public static MetricsLog open(Path file, long length) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.size() < length) {
                throw new IOException(file + " holds " + channel.size() + " bytes, but the checkpoint was written when "
                        + "it held " + length + "; it was changed since, so the run cannot continue consistently");
            }
            channel.truncate(length);
            channel.position(length);
            return new MetricsLog(file, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Appends a step. */
    public void append(StepRecord step) throws IOException {
        write(Json.line(step.toJson()));
    }

    /** Appends an epoch. */
    public void append(EpochRecord epoch) throws IOException {
        write(Json.line(epoch.toJson()));
    }

    /** Current length in bytes, to store in a checkpoint. */
    public long size() throws IOException {
        return channel.position();
    }

    /**
     * Reads every record of a metrics file.
     *
     * @throws IOException if the file cannot be read or a line is not a record (naming the line)
     */
    public static Contents read(Path file) throws IOException {
        List<StepRecord> steps = new ArrayList<>();
        List<EpochRecord> epochs = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonNode o = Json.parse(lines.get(i));
                switch (o.path("type").asText()) {
                    case "step" -> steps.add(StepRecord.fromJson(o));
                    case "epoch" -> epochs.add(EpochRecord.fromJson(o));
                    default -> throw new IOException("unknown type \"" + o.path("type").asText() + "\"");
                }
            } catch (IOException | RuntimeException e) {
                throw new IOException(file + ", line " + (i + 1) + ": not a metrics record: " + e.getMessage(), e);
            }
        }
        return new Contents(steps, epochs);
    }

    private void write(String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Forces what was appended to disk; called before a checkpoint records the length. */
    public void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
