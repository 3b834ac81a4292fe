package io.syncbn.driver.data;

import java.util.Random;

/**
 * A deterministic hold-out split: {@code round(n · fraction)} rows chosen by a seeded shuffle
 * ({@link Random}, whose algorithm is specified, so the split is the same on every JVM). Rows keep
 * their file order within each part.
 */
final class HoldOut {

    private HoldOut() {
    }

    /**
     * Which of {@code n} rows are held out for testing.
     *
     * @param name the data's name, for the refusal
     * @throws DataException if either part would be empty
     */
    static boolean[] choose(String name, int n, double fraction, long seed) {
        int testRows = (int) Math.round(n * fraction);
        if (testRows < 1 || testRows > n - 1) {
            throw new DataException(name + ": holding out a fraction " + fraction + " of " + n + " rows leaves "
                    + testRows + " test and " + (n - testRows) + " training rows; both need at least 1 (change the"
                    + " test option or use more rows)");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        boolean[] test = new boolean[n];
        for (int i = 0; i < testRows; i++) {
            test[order[i]] = true;
        }
        return test;
    }
}
