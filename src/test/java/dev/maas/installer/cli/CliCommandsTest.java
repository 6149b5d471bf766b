package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class CliCommandsTest {
    @TempDir
    Path dir;

    static Change createNamespace() {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        fields.put("labels.app", FieldChange.of(null, "maas"));
        fields.put("displayName", FieldChange.of("old", "RH SSO"));
        return new Change(Action.CREATE, TargetSystem.KUBERNETES, "Namespace", "rh-sso", fields);
    }

    static Change noopRealm() {
        return Change.noop(TargetSystem.KEYCLOAK, "Realm", "maas");
    }

    @Test
    void helpListsTheThreeCommands() {
        Result r = new CliHarness(dir).run("--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Usage: maas-installer").contains("plan").contains("apply").contains("verify")
                .contains("Exit codes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plan", "apply", "verify"})
    void everyCommandHasHelpWithTheSharedOptions(String command) {
        Result r = new CliHarness(dir).run(command, "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Usage: maas-installer " + command).contains("--config=FILE")
                .contains("--kubeconfig=FILE").contains("--context=NAME").contains("--stage=ID")
                .contains("--output=text|json").contains("--help").contains("--version");
        if (command.equals("apply")) {
            assertThat(r.out()).contains("--yes");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "plan --version", "apply --version", "verify -V"})
    void versionFallsBackToDevOutsideAJar(String args) {
        Result r = new CliHarness(dir).run(args.split(" "));
        assertThat(r.code()).isZero();
        assertThat(r.out().trim()).isEqualTo("maas-installer dev");
    }

    @Test
    void noCommandOrAnUnknownOptionIsAUsageError() {
        Result none = new CliHarness(dir).run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing command");
        Result bogus = new CliHarness(dir).run("plan", "--bogus");
        assertThat(bogus.code()).isEqualTo(2);
        assertThat(bogus.err()).contains("Unknown option: '--bogus'");
        Result badOutput = new CliHarness(dir).run("plan", "--output", "xml");
        assertThat(badOutput.code()).isEqualTo(2);
        assertThat(badOutput.err()).contains("--output");
    }

    @Test
    void planTextShowsEachChangeAndItsFields() {
        TestStage alpha = new TestStage("alpha").plan(ctx -> List.of(createNamespace(), noopRealm()));
        Result r = new CliHarness(dir, alpha).run("plan");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("[alpha] Test stage alpha: OK\n")
                .contains("  CREATE kubernetes Namespace rh-sso\n")
                .contains("    labels.app: (none) -> maas\n")
                .contains("    displayName: old -> RH SSO\n")
                .contains("  NOOP keycloak Realm maas\n")
                .contains("Plan: 1 to create, 0 to update, 0 to delete, 1 unchanged. Stages: 1 OK.");
        assertThat(alpha.applyCalls).hasValue(0);
    }

    @Test
    void planJsonHasTheDocumentedShape() throws Exception {
        TestStage alpha = new TestStage("alpha").plan(ctx -> List.of(createNamespace()));
        TestStage beta = new TestStage("beta", "alpha").plan(ctx -> List.of(noopRealm()));
        Result r = new CliHarness(dir, alpha, beta).run("plan", "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode root = r.json();
        assertThat(fieldNames(root)).containsExactly("stages");
        JsonNode stages = root.get("stages");
        assertThat(stages).hasSize(2);
        JsonNode a = stages.get(0);
        assertThat(fieldNames(a)).containsExactly("id", "title", "result", "changes", "error", "fix",
                "assumptions");
        assertThat(a.get("assumptions")).isEmpty();
        assertThat(a.get("id").asText()).isEqualTo("alpha");
        assertThat(a.get("result").asText()).isEqualTo("OK");
        assertThat(a.get("error").isNull()).isTrue();
        JsonNode change = a.get("changes").get(0);
        assertThat(fieldNames(change)).containsExactly("action", "system", "kind", "name", "fields", "kept");
        assertThat(change.get("action").asText()).isEqualTo("CREATE");
        assertThat(change.get("system").asText()).isEqualTo("kubernetes");
        assertThat(change.get("kind").asText()).isEqualTo("Namespace");
        assertThat(change.get("name").asText()).isEqualTo("rh-sso");
        assertThat(change.get("fields").get("labels.app").get("from").isNull()).isTrue();
        assertThat(change.get("fields").get("labels.app").get("to").asText()).isEqualTo("maas");
        assertThat(change.get("fields").get("displayName").get("from").asText()).isEqualTo("old");
        JsonNode b = stages.get(1);
        assertThat(b.get("changes").get(0).get("action").asText()).isEqualTo("NOOP");
        assertThat(b.get("changes").get(0).get("system").asText()).isEqualTo("keycloak");
        assertThat(b.get("changes").get(0).get("fields").size()).isZero();
    }

    @Test
    void planWithOneStageRunsOnlyThatStage() {
        TestStage alpha = new TestStage("alpha").plan(ctx -> List.of(createNamespace()));
        TestStage beta = new TestStage("beta", "alpha").plan(ctx -> List.of(noopRealm()));
        TestStage gamma = new TestStage("gamma").plan(ctx -> List.of());
        Result r = new CliHarness(dir, alpha, beta, gamma).run("plan", "--stage", "gamma", "--stage", "beta",
                "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode stages = r.json().get("stages");
        assertThat(stages).extracting(s -> s.get("id").asText()).containsExactly("beta", "gamma");

        Result comma = new CliHarness(dir, alpha, beta, gamma).run("plan", "--stage", "alpha,gamma", "--output",
                "JSON");
        assertThat(comma.json().get("stages")).extracting(s -> s.get("id").asText())
                .containsExactly("alpha", "gamma");
    }

    @Test
    void unknownStageIsExit2AndListsTheValidIds() {
        TestStage alpha = new TestStage("alpha");
        TestStage beta = new TestStage("beta");
        Result r = new CliHarness(dir, alpha, beta).run("verify", "--stage", "alpha", "--stage", "nope");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--stage: unknown stage 'nope'").contains("use one of alpha, beta");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aFailedStageIsExit1AndItsErrorIsShown() {
        TestStage alpha = new TestStage("alpha").plan(ctx -> {
            throw new StageException("the API server said no", Fix.rerunStage("alpha", "after logging in"));
        });
        Result r = new CliHarness(dir, alpha).run("plan");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("[alpha] Test stage alpha: FAILED")
                .contains("error: the API server said no")
                .contains("what to do: rerun stage 'alpha': after logging in");

        Result json = new CliHarness(dir, alpha).run("plan", "--output", "json");
        assertThat(json.code()).isEqualTo(1);
        JsonNode s = json.json().get("stages").get(0);
        assertThat(s.get("result").asText()).isEqualTo("FAILED");
        assertThat(s.get("error").asText()).isEqualTo("the API server said no");
        assertThat(s.get("fix").get("kind").asText()).isEqualTo("stage");
        assertThat(s.get("fix").get("target").asText()).isEqualTo("alpha");
    }

    @Test
    void aStageReportingInvalidInputIsExit2() {
        TestStage alpha = new TestStage("alpha").plan(ctx -> {
            throw StageException.invalidInput("models[0].url: host does not resolve",
                    Fix.configField("models[0].url", "use the in-cluster service URL"));
        });
        Result r = new CliHarness(dir, alpha).run("plan");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("models[0].url: host does not resolve")
                .contains("fix config field 'models[0].url'");
    }

    @Test
    void verifyExitCodes() {
        TestStage ok = new TestStage("ok").verify(ctx -> List.of(Check.ok("namespace", "exists"),
                Check.warn("storage", "no RWX class", Fix.configField("threescale.storage.type", "use s3"))));
        Result passes = new CliHarness(dir, ok).run("verify");
        assertThat(passes.code()).as(passes.toString()).isZero();
        assertThat(passes.out()).contains("  OK     namespace: exists")
                .contains("  WARN   storage: no RWX class")
                .contains("what to do: fix config field 'threescale.storage.type': use s3")
                .contains("Verify: 1 OK, 1 warning, 0 problems.");

        TestStage problem = new TestStage("problem").verify(ctx -> List.of(
                Check.retryable("operator", "3scale operator not ready", Fix.rerunStage("threescale", null))));
        Result found = new CliHarness(dir, ok, problem).run("verify");
        assertThat(found.code()).as(found.toString()).isEqualTo(3);
        assertThat(found.out()).contains("  FAILED operator: 3scale operator not ready");

        TestStage invalid = new TestStage("invalid").verify(ctx -> List.of(
                Check.invalidInput("realm", "realm name clashes", Fix.configField("sso.realm", null))));
        assertThat(new CliHarness(dir, invalid).run("verify").code()).isEqualTo(3);

        TestStage broken = new TestStage("broken").verify(ctx -> {
            throw new StageException("cannot reach Keycloak", Fix.manual("check endpoints.keycloakUrl"));
        });
        Result failed = new CliHarness(dir, ok, problem, broken).run("verify");
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
    }

    @Test
    void verifyJsonHasTheDocumentedShape() {
        TestStage ok = new TestStage("ok").verify(ctx -> List.of(Check.ok("namespace", "exists"),
                Check.retryable("operator", "not ready", Fix.rerunStage("threescale", "wait for the operator"))));
        TestStage broken = new TestStage("broken").verify(ctx -> {
            throw new StageException("cannot reach Keycloak", Fix.manual("check endpoints.keycloakUrl"));
        });
        Result r = new CliHarness(dir, ok, broken).run("verify", "--output", "json");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode stages = r.json().get("stages");
        JsonNode first = stages.get(0);
        assertThat(fieldNames(first)).containsExactly("id", "title", "result", "checks", "error", "fix");
        // the stage's result is its worst check: one passes and one fails, so it drifted
        assertThat(first.get("result").asText()).isEqualTo("DRIFTED");
        assertThat(first.get("error").asText()).isEqualTo("1 check failed: operator");
        assertThat(first.get("fix").get("target").asText()).isEqualTo("threescale");
        JsonNode check = first.get("checks").get(0);
        assertThat(fieldNames(check)).containsExactly("status", "name", "message", "fix");
        assertThat(check.get("status").asText()).isEqualTo("OK");
        assertThat(check.get("name").asText()).isEqualTo("namespace");
        assertThat(check.get("message").asText()).isEqualTo("exists");
        assertThat(check.get("fix").isNull()).isTrue();
        JsonNode failing = first.get("checks").get(1);
        assertThat(failing.get("status").asText()).isEqualTo("FAILED_RETRYABLE");
        assertThat(failing.get("fix").get("kind").asText()).isEqualTo("stage");
        assertThat(failing.get("fix").get("target").asText()).isEqualTo("threescale");
        assertThat(failing.get("fix").get("hint").asText()).isEqualTo("wait for the operator");
        JsonNode second = stages.get(1);
        assertThat(second.get("result").asText()).isEqualTo("FAILED");
        assertThat(second.get("checks")).isEmpty();
        assertThat(second.get("error").asText()).isEqualTo("cannot reach Keycloak");
        assertThat(second.get("fix").get("kind").asText()).isEqualTo("manual");
    }

    @Test
    void progressGoesToStderrAndJsonStdoutStaysClean() {
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> {
            p.step(1, 2, "creating namespace");
            p.detail("namespace rh-sso created");
            p.step(2, 2, "labelling namespace");
            return List.of(createNamespace());
        });
        Result r = new CliHarness(dir, alpha).run("apply", "--yes", "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("[alpha] 1/2 creating namespace\n").contains("[alpha] 2/2 labelling namespace\n")
                .contains("namespace rh-sso created");
        assertThat(r.out()).doesNotContain("creating namespace");
        assertThat(r.json().get("stages").get(0).get("result").asText()).isEqualTo("OK");
    }

    @Test
    void anUnexpectedErrorIsExit1WithAMessage() {
        TestStage beta = new TestStage("beta", "alpha");
        TestStage alpha = new TestStage("alpha");
        Result r = new CliHarness(dir, beta, alpha).run("plan");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("error: IllegalArgumentException: stage beta depends on alpha");
        assertThat(r.out()).isEmpty();
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
