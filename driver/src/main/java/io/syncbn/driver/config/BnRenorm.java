package io.syncbn.driver.config;

import java.util.Locale;

/**
 * Batch renormalization for every BN layer of a run (Ioffe 2017; {@code
 * SyncBatchNormalization.Builder#renorm}): the bounds of the corrections r and d and the steps over
 * which they ramp up from plain BN. Written {@code RMAX,DMAX[,RAMP]}, or {@code 0} for none.
 *
 * @param rMax largest r, at least 1; 0 with the others 0 for none
 * @param dMax largest |d|, at least 0
 * @param rampSteps training steps over which the bounds grow from 1 and 0, at least 0
 */
public record BnRenorm(double rMax, double dMax, int rampSteps) {

    /** No batch renormalization. */
    public static final BnRenorm NONE = new BnRenorm(0, 0, 0);

    private static final String FORM = "bn-renorm must be 0 (none) or RMAX,DMAX[,RAMP] with RMAX >= 1, DMAX >= 0 and "
            + "an integer RAMP >= 0 (e.g. 3,5,400)";

    /** Validates. */
    public BnRenorm {
        boolean none = rMax == 0 && dMax == 0 && rampSteps == 0;
        if (!none && (!(rMax >= 1) || Double.isInfinite(rMax) || !(dMax >= 0) || Double.isInfinite(dMax)
                || rampSteps < 0)) {
            throw new IllegalArgumentException(FORM + ", but got " + format(rMax) + "," + format(dMax) + ","
                    + rampSteps);
        }
    }

    /**
     * Reads {@code 0} or {@code RMAX,DMAX[,RAMP]}.
     *
     * @throws IllegalArgumentException naming the text and the form
     */
    public static BnRenorm parse(String text) {
        String t = text == null ? "" : text.strip();
        if ("0".equals(t)) {
            return NONE;
        }
        String[] parts = t.split(",", -1);
        if (parts.length == 2 || parts.length == 3) {
            try {
                return new BnRenorm(Double.parseDouble(parts[0].strip()), Double.parseDouble(parts[1].strip()),
                        parts.length == 3 ? Integer.parseInt(parts[2].strip()) : 0);
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException(FORM + ", but got \"" + text + "\"");
    }

    /** Whether this renormalizes at all. */
    public boolean enabled() {
        return rMax > 0;
    }

    @Override
    public String toString() {
        return enabled() ? format(rMax) + "," + format(dMax) + "," + rampSteps : "0";
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
