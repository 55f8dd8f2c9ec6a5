package dev.bgl.decode;

import java.util.List;

/**
 * Work a processor's next {@code apply} needs that is cheaper done for many sequences at once, as
 * a budget predictor's forward pass (its matrices are then read once for all). A
 * {@link Scheduler} gathers the works of all its sequences at a step and runs those with the same
 * key together; a lone run ({@link Generator}) runs each by itself. The result must not depend on
 * the company: a work done in a group leaves what it leaves alone.
 */
public interface BatchedWork {
    /** Works with equal keys (by identity: e.g. the predictor they share) run as one group. */
    Object batchKey();

    /** Runs {@code group} (this work among them, all with this key) at once. */
    void runAll(List<BatchedWork> group);
}
