package io.syncbn.driver.config;

import java.util.Locale;

/**
 * How the learning rate decays after the warmup: {@code constant}, {@code step:EVERY:FACTOR} (times
 * FACTOR every EVERY steps), {@code cosine} (to 0 at the last step; I. Loshchilov and F. Hutter, "SGDR",
 * ICLR 2017) or {@code poly:POWER} (to 0 at the last step, as {@code (1 - t)^POWER}).
 *
 * @param kind {@code constant}, {@code step}, {@code cosine} or {@code poly}
 * @param every steps between two multiplications of {@code step}, at least 1 (1 for the others)
 * @param factor the multiplier of {@code step}, in (0, 1] (1 for the others)
 * @param power the exponent of {@code poly}, above 0 (1 for the others)
 */
public record LrSchedule(String kind, int every, double factor, double power) {

    /** No decay. */
    public static final LrSchedule CONSTANT = new LrSchedule("constant", 1, 1, 1);

    private static final String FORM = "lr-schedule must be constant, step:EVERY:FACTOR (an integer EVERY >= 1, "
            + "0 < FACTOR <= 1), cosine or poly:POWER (POWER > 0)";

    /** Validates. */
    public LrSchedule {
        boolean ok = switch (kind == null ? "" : kind) {
            case "constant", "cosine" -> true;
            case "step" -> every >= 1 && factor > 0 && factor <= 1;
            case "poly" -> power > 0 && Double.isFinite(power);
            default -> false;
        };
        if (!ok) {
            throw new ConfigException(TrainConfig.LR_SCHEDULE, FORM + ", but got " + kind + " (every " + every
                    + ", factor " + factor + ", power " + power + ")");
        }
    }

    /**
     * Reads the text form.
     *
     * @throws ConfigException naming the text and the forms
     */
    public static LrSchedule parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        String[] p = t.split(":", -1);
        try {
            if (p.length == 1 && (t.equals("constant") || t.equals("cosine"))) {
                return new LrSchedule(t, 1, 1, 1);
            }
            if (p.length == 3 && p[0].equals("step")) {
                return new LrSchedule("step", Integer.parseInt(p[1]), Double.parseDouble(p[2]), 1);
            }
            if (p.length == 2 && p[0].equals("poly")) {
                return new LrSchedule("poly", 1, 1, Double.parseDouble(p[1]));
            }
        } catch (NumberFormatException | ConfigException e) {
            // the message below names the text
        }
        throw new ConfigException(TrainConfig.LR_SCHEDULE, FORM + ", but got \"" + text + "\"");
    }

    /**
     * The multiplier of the learning rate {@code t} steps after the warmup, of {@code length} such
     * steps in the run.
     */
    public double multiplier(long t, long length) {
        double frac = length <= 0 ? 1 : Math.min(1.0, (double) t / length);
        return switch (kind) {
            case "step" -> Math.pow(factor, Math.floorDiv(t, every));
            case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * frac));
            case "poly" -> Math.pow(1 - frac, power);
            default -> 1;
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case "step" -> "step:" + every + ":" + format(factor);
            case "poly" -> "poly:" + format(power);
            default -> kind;
        };
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
