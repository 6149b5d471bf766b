package dev.maas.installer.engine;

import java.util.List;

/**
 * One step of the installation. Every stage can be run alone, in a new process: whatever it needs from an
 * earlier stage (realm URL, client secret, admin URL, tokens) it reads back from the live systems through the
 * {@link StageContext}, never from local memory.
 */
public interface Stage {
    /** Stable id used by the CLI and the config: one of {@link StageIds#ALL}. */
    String id();

    String title();

    /** Ids of the stages that must have succeeded before this one, when they run in the same run. */
    List<String> dependencies();

    /**
     * Why this stage cannot be tried where the run goes (e.g. a local sandbox that runs without Keycloak), as the
     * error to show with its fix; empty when it can. A run of several stages leaves such a stage out (state "not
     * available here") instead of failing or waiting; applied alone, the stage stops with the same error at once.
     */
    default java.util.Optional<StageException> notAvailableHere(StageContext ctx) { return java.util.Optional.empty(); }

    /** What {@link #apply} would change, without changing anything. NOOP entries show what is already right. */
    List<Change> plan(StageContext ctx);

    /**
     * Brings the live systems to the desired state. Idempotent: a second call makes no change and returns only
     * NOOP entries. Reports sub-steps through {@code progress} and stops at the next sub-step when cancelled.
     *
     * @return the changes it made
     */
    List<Change> apply(StageContext ctx, Progress progress);

    /** Checks against the live systems. Never changes anything. */
    List<Check> verify(StageContext ctx);
}
