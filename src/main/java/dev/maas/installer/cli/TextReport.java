package dev.maas.installer.cli;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.run.StageResult.Outcome;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders results for people: one block per stage, then a summary line. Secrets are redacted by the caller. */
final class TextReport {
    private TextReport() { }

    /** One stage's block, e.g. {@code [sso] Red Hat SSO (Keycloak): OK} followed by its changes or checks. */
    static String stage(StageResult r, String title) {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(r.stageId()).append("] ").append(title).append(": ").append(outcome(r)).append('\n');
        switch (r.operation()) {
            case PLAN, APPLY -> {
                for (Change c : r.changes()) {
                    change(sb, c);
                }
                if (r.outcome() == Outcome.OK && r.changes().isEmpty()) {
                    sb.append("  (nothing to do)\n");
                }
            }
            case VERIFY -> {
                for (Check c : r.checks()) {
                    sb.append("  ").append(String.format(Locale.ROOT, "%-6s", status(c.status()))).append(' ')
                            .append(c.name());
                    if (!c.message().isEmpty()) {
                        sb.append(": ").append(c.message());
                    }
                    sb.append('\n');
                    if (c.fix() != null && !c.status().equals(CheckStatus.OK)) {
                        sb.append("         what to do: ").append(c.fix()).append('\n');
                    }
                }
            }
            default -> throw new IllegalStateException(r.operation().name());
        }
        if (r.outcome() != Outcome.OK) {
            if (r.error() != null) {
                sb.append("  ").append(r.outcome() == Outcome.FAILED ? "error" : "reason").append(": ")
                        .append(r.error()).append('\n');
            }
            if (r.fix() != null) {
                sb.append("  what to do: ").append(r.fix()).append('\n');
            }
        }
        return sb.toString();
    }

    static void change(StringBuilder sb, Change c) {
        sb.append("  ").append(c.action().name()).append(' ').append(c.system().wireName()).append(' ')
                .append(c.kind()).append(' ').append(c.name()).append('\n');
        for (Map.Entry<String, FieldChange> f : c.fields().entrySet()) {
            sb.append("    ").append(f.getKey()).append(": ").append(value(f.getValue().from())).append(" -> ")
                    .append(value(f.getValue().to())).append('\n');
        }
    }

    /** The closing line: what the run did overall. */
    static String summary(RunReport report) {
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (StageResult r : report.stages()) {
            outcomes.merge(r.outcome(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        if (report.operation() == Operation.PLAN || report.operation() == Operation.APPLY) {
            Map<Action, Integer> actions = new EnumMap<>(Action.class);
            for (StageResult r : report.stages()) {
                for (Change c : r.changes()) {
                    actions.merge(c.action(), 1, Integer::sum);
                }
            }
            boolean plan = report.operation() == Operation.PLAN;
            parts.add(actions.getOrDefault(Action.CREATE, 0) + (plan ? " to create" : " created"));
            parts.add(actions.getOrDefault(Action.UPDATE, 0) + (plan ? " to update" : " updated"));
            parts.add(actions.getOrDefault(Action.DELETE, 0) + (plan ? " to delete" : " deleted"));
            parts.add(actions.getOrDefault(Action.NOOP, 0) + " unchanged");
        } else {
            Map<CheckStatus, Integer> statuses = new EnumMap<>(CheckStatus.class);
            for (StageResult r : report.stages()) {
                for (Check c : r.checks()) {
                    statuses.merge(c.status(), 1, Integer::sum);
                }
            }
            parts.add(statuses.getOrDefault(CheckStatus.OK, 0) + " OK");
            parts.add(count(statuses.getOrDefault(CheckStatus.WARN, 0), "warning"));
            parts.add(count(statuses.getOrDefault(CheckStatus.FAILED_RETRYABLE, 0)
                    + statuses.getOrDefault(CheckStatus.INVALID_INPUT, 0), "problem"));
        }
        StringBuilder sb = new StringBuilder();
        sb.append(switch (report.operation()) {
            case PLAN -> "Plan";
            case APPLY -> "Apply";
            case VERIFY -> "Verify";
        }).append(": ").append(String.join(", ", parts)).append(". Stages: ")
                .append(outcomes.getOrDefault(Outcome.OK, 0)).append(" OK");
        for (Outcome o : List.of(Outcome.FAILED, Outcome.SKIPPED, Outcome.CANCELLED)) {
            if (outcomes.containsKey(o)) {
                sb.append(", ").append(outcomes.get(o)).append(' ').append(o.name().toLowerCase(Locale.ROOT));
            }
        }
        return sb.append(".\n").toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String outcome(StageResult r) {
        return r.outcome().name();
    }

    private static String status(CheckStatus s) {
        return switch (s) {
            case OK -> "OK";
            case WARN -> "WARN";
            case FAILED_RETRYABLE -> "FAILED";
            case INVALID_INPUT -> "INVALID";
        };
    }

    private static String value(String v) {
        return v == null ? "(none)" : v.isEmpty() ? "\"\"" : v;
    }
}
