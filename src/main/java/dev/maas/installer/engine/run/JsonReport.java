package dev.maas.installer.engine.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The machine-readable output of plan, apply and verify. The shape is a public contract, documented in
 * docs/cli-json.md: add keys if needed, never rename or remove one. Every string passes through the secret registry.
 * The CLI prints it; the wizard's diagnostics zip holds the last verify report in the same shape.
 */
public final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SecretRegistry secrets;

    public JsonReport(SecretRegistry secrets) {
        this.secrets = java.util.Objects.requireNonNull(secrets, "secrets");
    }

    /** The whole document, e.g. {@code {"stages":[...]}}, followed by a newline. */
    public String render(RunReport report, Function<String, String> titles) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode stages = root.putArray("stages");
        for (StageResult r : report.stages()) {
            stages.add(stage(r, titles.apply(r.stageId())));
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report", e);
        }
    }

    private ObjectNode stage(StageResult r, String title) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("id", r.stageId());
        s.put("title", text(title));
        s.put("result", result(r.state()));
        if (r.operation() == Operation.VERIFY) {
            ArrayNode checks = s.putArray("checks");
            for (Check c : r.checks()) {
                checks.add(check(c));
            }
        } else {
            ArrayNode changes = s.putArray("changes");
            for (Change c : r.changes()) {
                changes.add(change(c));
            }
        }
        s.put("error", r.state().passes() ? null : error(r));
        Fix fix = r.problemFix();
        if (r.state().passes() || fix == null) {
            s.putNull("fix");
        } else {
            s.set("fix", fix(fix));
        }
        if (r.operation() == Operation.PLAN) {
            ArrayNode assumptions = s.putArray("assumptions");
            r.assumptions().forEach(a -> assumptions.add(text(a)));
        }
        return s;
    }

    /**
     * The stage's result ({@link StageResult#state()}): its name, e.g. {@code DRIFTED}; CANCELLED is reported as
     * FAILED, with an error that says it was cancelled.
     */
    public static String result(StageState state) {
        return state == StageState.CANCELLED ? "FAILED" : state.name();
    }

    private String error(StageResult r) {
        String e = r.problem() == null ? r.outcome().name().toLowerCase(Locale.ROOT) : r.problem();
        if (r.outcome() == Outcome.CANCELLED && !e.toLowerCase(Locale.ROOT).contains("cancel")) {
            e = "cancelled: " + e;
        }
        return text(e);
    }

    private ObjectNode change(Change c) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("action", c.action().name());
        n.put("system", c.system().wireName());
        n.put("kind", text(c.kind()));
        n.put("name", text(c.name()));
        ObjectNode fields = n.putObject("fields");
        for (Map.Entry<String, FieldChange> f : c.fields().entrySet()) {
            ObjectNode fc = fields.putObject(text(f.getKey()));
            fc.put("from", text(f.getValue().from()));
            fc.put("to", text(f.getValue().to()));
        }
        n.put("kept", c.kept());
        return n;
    }

    private ObjectNode check(Check c) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("status", c.status().name());
        n.put("name", text(c.name()));
        n.put("message", text(c.message()));
        if (c.fix() == null) {
            n.putNull("fix");
        } else {
            n.set("fix", fix(c.fix()));
        }
        return n;
    }

    private ObjectNode fix(Fix f) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
        n.put("target", text(f.target()));
        n.put("hint", text(f.hint()));
        n.put("text", text(f.toString()));
        return n;
    }

    private String text(String s) {
        return s == null ? null : secrets.redact(s);
    }
}
