package dev.maas.installer.ui;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import javafx.application.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stage for the wizard tests: {@code steps} sub-steps, each logging a line, optionally pausing after a chosen
 * step until the test opens the gate, optionally failing. Records the steps it ran and, for every engine call,
 * whether it ran on the FX thread.
 */
final class TestStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(TestStage.class);

    private final String id;
    private final List<String> dependencies;
    private final int steps;
    volatile int pauseAfterStep;
    volatile boolean fail;
    volatile boolean warnOnVerify;
    final CountDownLatch paused = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
    final Queue<Integer> stepsRun = new ConcurrentLinkedQueue<>();
    final Queue<Boolean> onFxThread = new ConcurrentLinkedQueue<>();

    TestStage(String id, int steps, String... dependencies) {
        this.id = id;
        this.steps = steps;
        this.dependencies = List.of(dependencies);
    }

    @Override public String id() { return id; }

    @Override public String title() { return "Test stage " + id; }

    @Override public List<String> dependencies() { return dependencies; }

    @Override
    public List<Change> plan(StageContext ctx) {
        onFxThread.add(Platform.isFxApplicationThread());
        LOG.info("planning {}", id);
        return List.of(
                new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", id + "-settings",
                        Map.of("replicas", FieldChange.of(null, 2))),
                new Change(Action.UPDATE, TargetSystem.KEYCLOAK, "Client", id + "-client",
                        Map.of("secret", FieldChange.secret(true, true))),
                Change.noop(TargetSystem.THREESCALE, "Product", id + "-product"));
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        onFxThread.add(Platform.isFxApplicationThread());
        for (int i = 1; i <= steps; i++) {
            progress.step(i, steps, "doing step " + i + " of " + id);
            stepsRun.add(i);
            LOG.info("{} finished step {}", id, i);
            progress.detail("detail of step " + i);
            if (i == pauseAfterStep) {
                paused.countDown();
                await(gate);
            }
        }
        if (fail) {
            LOG.warn("{} is about to fail", id);
            throw new StageException("the route of " + id + " did not answer",
                    Fix.configField("endpoints.keycloakUrl", "set the Keycloak URL your desktop can reach"));
        }
        return List.of(new Change(Action.CREATE, TargetSystem.KUBERNETES, "ConfigMap", id + "-settings", Map.of()));
    }

    @Override
    public List<Check> verify(StageContext ctx) {
        onFxThread.add(Platform.isFxApplicationThread());
        if (warnOnVerify) {
            return List.of(Check.ok("exists", id + " exists"),
                    Check.warn("tls", "the route uses a self-signed certificate", Fix.manual("install a trusted one")));
        }
        return List.of(Check.ok("exists", id + " exists"));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
