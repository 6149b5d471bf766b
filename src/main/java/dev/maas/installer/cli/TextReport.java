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
import dev.maas.installer.engine.run.StageState;

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
        for (String a : r.assumptions()) {
            sb.append("  assumes: ").append(a).append('\n');
        }
        if (r.outcome() != Outcome.OK) {
            if (r.error() != null) {
                sb.append("  ").append(r.outcome() == Outcome.FAILED ? "error" : "reason").append(": ")
                        .append(r.error()).append('\n');
            }
            if (r.fix() != null) {
                sb.append("  what to do: ").append(r.fix()).append('\n');
            }
        } else if (!r.state().passes()) {
            sb.append("  ").append(r.state().neutral() ? "state" : "problem").append(": ").append(r.problem())
                    .append('\n');
            if (r.problemFix() != null) {
                sb.append("  what to do: ").append(r.problemFix()).append('\n');
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
            if (statuses.containsKey(CheckStatus.WAITING)) {
                parts.add(statuses.get(CheckStatus.WAITING) + " waiting for another stage");
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(switch (report.operation()) {
            case PLAN -> "Plan";
            case APPLY -> "Apply";
            case VERIFY -> "Verify";
        }).append(": ").append(String.join(", ", parts)).append(". Stages: ");
        Map<StageState, Integer> states = report.stateCounts();
        sb.append(states.getOrDefault(StageState.OK, 0) + states.getOrDefault(StageState.WARN, 0)).append(" OK");
        states.forEach((state, n) -> {
            if (!state.passes()) {
                sb.append(", ").append(n).append(' ').append(state.words());
            }
        });
        return sb.append(".\n").toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** The stage's result ({@link StageResult#state()}), e.g. OK, DRIFTED, NOT INSTALLED YET. */
    private static String outcome(StageResult r) {
        return r.state() == StageState.CANCELLED ? "CANCELLED" : r.state().label();
    }

    private static String status(CheckStatus s) {
        return switch (s) {
            case OK -> "OK";
            case WARN -> "WARN";
            case FAILED_RETRYABLE -> "FAILED";
            case INVALID_INPUT -> "INVALID";
            case WAITING -> "WAIT";
        };
    }

    private static String value(String v) {
        return v == null ? "(none)" : v.isEmpty() ? "\"\"" : v;
    }
}
