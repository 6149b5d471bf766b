package dev.maas.installer.engine;

import java.util.Objects;

/**
 * What a stage needs from an earlier stage is not there: that stage is not applied yet (e.g. Secret
 * {@code system-seed}, which the 3scale operator creates, is missing). Not an error of this stage: verify reports it
 * as a {@link CheckStatus#WAITING} check ("waiting for threescale"), and plan plans as if the stage were applied
 * where it can. An apply that meets it fails, with the fix of applying {@link #stageId()} first.
 */
public class WaitingForStageException extends StageException {
    private final String stageId;

    public WaitingForStageException(String stageId, String message, Fix fix) {
        super(message, fix);
        this.stageId = Objects.requireNonNull(stageId, "stageId");
    }

    /** The stage that must be applied first (one of {@link StageIds#ALL}). */
    public String stageId() { return stageId; }

    /** The check verify reports for it: {@link CheckStatus#WAITING}, named after the stage it waits for. */
    public Check check() {
        return new Check(CheckStatus.WAITING, "waiting for " + stageId, getMessage(), fix());
    }
}
