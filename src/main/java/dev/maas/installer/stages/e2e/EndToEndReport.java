package dev.maas.installer.stages.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.util.List;
import java.util.Locale;

/**
 * What {@link EndToEnd} found: the sign-in, then each model called through the gateway. Every check has a status,
 * the HTTP status it got (when it made a call), how long it took, and on failure what is wrong and what fixes it.
 *
 * @param signIn      the sign-in through Red Hat SSO
 * @param models      one entry per model tested, in the configuration's order
 * @param unreachable when this machine could not reach the gateway's routes: the sentence that says so (the curl
 *                    commands to run elsewhere are in each model's {@link ModelResult#curl()}); else null
 * @param leftovers   what could not be removed afterwards (each names the object and how to remove it by hand)
 */
public record EndToEndReport(SignInResult signIn, List<ModelResult> models, String unreachable,
                             List<String> leftovers) {
    public EndToEndReport {
        models = List.copyOf(models);
        leftovers = List.copyOf(leftovers);
    }

    /** PASS: it works; FAIL: it does not, the message says why; SKIPPED: not run (an earlier step failed). */
    public enum Status {
        PASS, FAIL, SKIPPED, UNREACHABLE;

        public String json() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * One check.
     *
     * @param httpStatus the status of the HTTP answer it judged (null: no call, or no answer)
     * @param latencyMs  how long the call took (null: no call)
     * @param message    what it found (on failure: what is wrong)
     * @param fix        on failure: what fixes it; else null
     */
    public record Check(String name, Status status, Integer httpStatus, Long latencyMs, String message, String fix) {
        static Check pass(String name, Integer httpStatus, Long latencyMs, String message) {
            return new Check(name, Status.PASS, httpStatus, latencyMs, message, null);
        }

        static Check fail(String name, Integer httpStatus, Long latencyMs, String message, String fix) {
            return new Check(name, Status.FAIL, httpStatus, latencyMs, message, fix);
        }

        static Check unreachable(String name, Long latencyMs, String message) {
            return new Check(name, Status.UNREACHABLE, null, latencyMs, message, null);
        }

        static Check skipped(String name, String why) {
            return new Check(name, Status.SKIPPED, null, null, why, null);
        }
    }

    public record SignInResult(Status status, List<Check> checks) {
        public SignInResult {
            checks = List.copyOf(checks);
        }
    }

    /**
     * One model.
     *
     * @param endpoint the product's production gateway URL (null when the product was not found)
     * @param curl     the request a developer would send, the key shown as {@code $KEY}
     * @param answer   the first lines of the model's answer to the valid key (null: none)
     */
    public record ModelResult(String name, String systemName, String endpoint, Status status, List<Check> checks,
                              String curl, String answer) {
        public ModelResult {
            checks = List.copyOf(checks);
        }
    }

    /** The status a list of checks adds up to: FAIL if one failed, else UNREACHABLE if one was, else PASS. */
    static Status overall(List<Check> checks) {
        if (checks.stream().anyMatch(c -> c.status() == Status.FAIL)) {
            return Status.FAIL;
        }
        if (checks.stream().anyMatch(c -> c.status() == Status.UNREACHABLE)) {
            return Status.UNREACHABLE;
        }
        return checks.stream().allMatch(c -> c.status() == Status.SKIPPED) && !checks.isEmpty()
                ? Status.SKIPPED : Status.PASS;
    }

    /** Whether every check that ran passed. */
    public boolean allPass() {
        return signIn.status() == Status.PASS && unreachable == null
                && models.stream().allMatch(m -> m.status() == Status.PASS);
    }

    /** Whether a check found something broken (not merely unreachable from here). */
    public boolean anyFailed() {
        return signIn.status() == Status.FAIL || models.stream().anyMatch(m -> m.status() == Status.FAIL);
    }

    /** The JSON document of {@code maas-installer test --output json} (docs/cli.md), secrets masked. */
    public String toJson(SecretRegistry secrets) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        ObjectNode s = root.putObject("signIn");
        s.put("status", signIn.status().json());
        checks(s.putArray("checks"), signIn.checks());
        ArrayNode ms = root.putArray("models");
        for (ModelResult m : models) {
            ObjectNode o = ms.addObject();
            o.put("name", m.name());
            o.put("systemName", m.systemName());
            o.put("endpoint", m.endpoint());
            o.put("status", m.status().json());
            checks(o.putArray("checks"), m.checks());
            o.put("curl", m.curl());
            o.put("answer", m.answer());
        }
        root.put("unreachable", unreachable);
        ArrayNode left = root.putArray("leftovers");
        leftovers.forEach(left::add);
        try {
            return secrets.redact(json.writeValueAsString(root)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checks(ArrayNode out, List<Check> checks) {
        for (Check c : checks) {
            ObjectNode o = out.addObject();
            o.put("name", c.name());
            o.put("status", c.status().json());
            if (c.httpStatus() == null) {
                o.putNull("httpStatus");
            } else {
                o.put("httpStatus", c.httpStatus());
            }
            if (c.latencyMs() == null) {
                o.putNull("latencyMs");
            } else {
                o.put("latencyMs", c.latencyMs());
            }
            o.put("message", c.message());
            o.put("fix", c.fix());
        }
    }

    /** The text report: one line per check, then the curl commands when the routes were unreachable. */
    public String toText(SecretRegistry secrets) {
        StringBuilder b = new StringBuilder();
        b.append("Sign-in through Red Hat SSO: ").append(signIn.status()).append('\n');
        signIn.checks().forEach(c -> line(b, c));
        for (ModelResult m : models) {
            b.append("Model ").append(m.name()).append(" (").append(m.systemName()).append(')');
            if (m.endpoint() != null) {
                b.append(" at ").append(m.endpoint());
            }
            b.append(": ").append(m.status()).append('\n');
            m.checks().forEach(c -> line(b, c));
        }
        if (unreachable != null) {
            b.append('\n').append(unreachable).append('\n');
            for (ModelResult m : models) {
                if (m.curl() != null) {
                    b.append("  ").append(m.curl()).append('\n');
                }
            }
        }
        for (String l : leftovers) {
            b.append("Left behind: ").append(l).append('\n');
        }
        long passed = models.stream().filter(m -> m.status() == Status.PASS).count();
        b.append('\n').append(allPass() ? "PASS" : anyFailed() ? "FAIL" : "NOT COMPLETE").append(": sign-in ")
                .append(signIn.status()).append(", ").append(passed).append(" of ").append(models.size())
                .append(" models answered through the gateway")
                .append(models.isEmpty() ? "" : " (" + String.join(", ", models.stream()
                        .map(m -> m.systemName() + " " + m.status()).toList()) + ")")
                .append('\n');
        return secrets.redact(b.toString());
    }

    /** The checks, one line each as in the text report (with a "fix:" line under a failure). */
    public static String lines(List<Check> checks) {
        StringBuilder b = new StringBuilder();
        checks.forEach(c -> line(b, c));
        return b.toString();
    }

    private static void line(StringBuilder b, Check c) {
        b.append("  [").append(c.status()).append("] ").append(c.name());
        if (c.httpStatus() != null) {
            b.append(" HTTP ").append(c.httpStatus());
        }
        if (c.latencyMs() != null) {
            b.append(" ").append(c.latencyMs()).append(" ms");
        }
        if (c.message() != null) {
            b.append(": ").append(c.message());
        }
        b.append('\n');
        if (c.fix() != null) {
            b.append("      fix: ").append(c.fix()).append('\n');
        }
    }
}
