package io.syncbn.worker.replica;

/** Replicas that must hold identical parameters do not: the job cannot continue. */
public class ReplicaDivergenceException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** @param message names the step and the ranks that differ */
    public ReplicaDivergenceException(String message) {
        super(message);
    }
}
