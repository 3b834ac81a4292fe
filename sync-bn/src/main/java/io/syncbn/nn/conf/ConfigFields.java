package io.syncbn.nn.conf;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Copies the fields that two DL4J layer configurations share, for conversions between DL4J's layers
 * and this project's (which extend them or mirror them): every non-static field declared by {@code
 * top} and its superclasses. Arrays and objects are shared, not cloned; DL4J's {@code clone()} of
 * the result makes them independent when that matters.
 */
public final class ConfigFields {

    private ConfigFields() {
    }

    /** Copies the fields declared by {@code top} and its superclasses from {@code from} to {@code to}. */
    public static <T> void copy(T from, T to, Class<? super T> top) {
        for (Class<?> c = top; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(to, f.get(from));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot copy field " + f + " between layer configurations", e);
                }
            }
        }
    }
}
