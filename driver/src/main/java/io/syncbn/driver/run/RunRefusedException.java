package io.syncbn.driver.run;

/**
 * A run that cannot start, continue or be read as asked: the run directory holds a finished run, an
 * unfinished one without {@code --resume}, no run to resume, or a resumed run is given settings that
 * differ from its stored configuration. The message names the directory, the rule and the fix.
 */
public class RunRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** A refusal with its message. */
    public RunRefusedException(String message) {
        super(message);
    }
}
