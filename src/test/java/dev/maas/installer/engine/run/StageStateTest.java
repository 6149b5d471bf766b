package dev.maas.installer.engine.run;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.run.StageResult.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A stage's result is its worst check: the one place that decides it, and the report built on it. */
class StageStateTest {
    private static final Check OK = Check.ok("realm", "as configured");
    private static final Check WARN = Check.warn("tls", "self-signed", Fix.manual("install a trusted one"));
    private static final Check FAILED = Check.retryable("client maas/3scale", "differs: redirectUris",
            Fix.rerunStage(StageIds.SSO, "repair it"));
    private static final Check MISSING = Check.retryable("Keycloak resource", "missing",
            Fix.rerunStage(StageIds.SSO, "apply it"));
    private static final Check INVALID = Check.invalidInput("content", "bad file", Fix.configField("portal.x", ""));
    private static final Check WAITING = new Check(CheckStatus.WAITING, "waiting for threescale",
            "Secret system-seed not found", Fix.rerunStage(StageIds.THREESCALE, "install 3scale first"));

    private static StageResult verified(String id, Check... checks) {
        return new StageResult(id, Operation.VERIFY, Outcome.OK, null, List.of(checks), null, null, false);
    }

    @Test
    void theWorstCheckDecides() {
        assertThat(verified("sso", OK, OK).state()).isEqualTo(StageState.OK);
        assertThat(verified("sso", OK, WARN).state()).isEqualTo(StageState.WARN);
        assertThat(verified("sso", OK, WARN, FAILED).state()).isEqualTo(StageState.DRIFTED);
        assertThat(verified("sso", FAILED, MISSING).state()).isEqualTo(StageState.NOT_INSTALLED);
        assertThat(verified("sso", WARN, MISSING).state()).as("a warning is no sign of the stage's objects")
                .isEqualTo(StageState.NOT_INSTALLED);
        assertThat(verified("portal", WAITING).state()).isEqualTo(StageState.WAITING);
        assertThat(verified("portal", OK, FAILED, INVALID).state()).isEqualTo(StageState.INVALID_INPUT);
        assertThat(verified(StageIds.PREFLIGHT, OK, FAILED).state()).as("the preflight installs nothing")
                .isEqualTo(StageState.PROBLEMS);
        assertThat(new StageResult("sso", Operation.VERIFY, Outcome.FAILED, null, null, "boom", null, false).state())
                .isEqualTo(StageState.FAILED);
        assertThat(new StageResult("sso", Operation.APPLY, Outcome.SKIPPED, null, null, "x", null, false).state())
                .isEqualTo(StageState.SKIPPED);
        assertThat(StageState.NOT_INSTALLED.neutral()).isTrue();
        assertThat(StageState.WAITING.passes()).isFalse();
    }

    @Test
    void aStageThatDidNotPassSaysWhichChecksAndWhatToDo() {
        StageResult drifted = verified("sso", OK, FAILED);
        assertThat(drifted.problem()).isEqualTo("1 check failed: client maas/3scale");
        assertThat(drifted.problemFix()).isEqualTo(FAILED.fix());
        assertThat(verified("sso", MISSING).problem()).isEqualTo("not installed yet: Keycloak resource");
        assertThat(verified("portal", WAITING).problem()).isEqualTo("Secret system-seed not found");
        assertThat(verified("sso", OK, WARN).problem()).isNull();
        assertThat(verified("sso", OK, WARN).problemFix()).isNull();
    }

    @Test
    void theReportCountsStagesByTheirResult() {
        RunReport r = new RunReport(Operation.VERIFY, List.of(verified("preflight", OK), verified("sso", OK, FAILED),
                verified("threescale", MISSING), verified("portal", WAITING), verified("plans", OK, WARN)));
        assertThat(r.allOk()).isFalse();
        assertThat(r.anyNotRun()).isFalse();
        assertThat(r.summary())
                .isEqualTo("Verify finished: 1 ok, 1 ok with warnings, 1 waiting, 1 not installed yet, 1 drifted");
        assertThat(new RunReport(Operation.VERIFY, List.of(verified("sso", OK), verified("plans", WARN))).allOk())
                .isTrue();
    }
}
