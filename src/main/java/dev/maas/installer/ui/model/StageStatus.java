package dev.maas.installer.ui.model;

/** What the stage list shows next to each stage. */
public enum StageStatus {
    NOT_RUN("not run"),
    PLANNED("planned"),
    RUNNING("running"),
    OK("OK"),
    WARNING("warning"),
    FAILED("failed"),
    /** A verify found nothing of the stage: neutral, not a failure. */
    NOT_INSTALLED("not installed yet"),
    /** A verify or plan waits for a stage this one depends on, which is not applied yet: neutral. */
    WAITING("waiting"),
    SKIPPED("skipped"),
    CANCELLED("cancelled"),
    /** Left out: the stage cannot be tried where the run goes (a sandbox without Keycloak): neutral. */
    NOT_HERE("not available here");

    private final String label;

    StageStatus(String label) { this.label = label; }

    /** The words shown to the user. */
    public String label() { return label; }

    /** The CSS class the views use to colour the status. */
    public String styleClass() { return "status-" + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
}
