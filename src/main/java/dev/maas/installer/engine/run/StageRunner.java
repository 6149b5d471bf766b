package dev.maas.installer.engine.run;

import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.logging.LogHub;
import dev.maas.installer.engine.run.StageResult.Outcome;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs one stage, a chosen set, or all, in dependency order. A stage whose dependency failed (or was skipped) in
 * this run is skipped; independent stages still run. Dependencies that are not part of the chosen set are not run:
 * a stage reads what it needs from the live systems. A stage that cannot be tried where the run goes
 * ({@link Stage#notAvailableHere}) is left out of a plan, a verify and an apply of several stages, with its reason;
 * applied alone it runs and stops with that reason itself. Runs on the caller's thread; never on the FX thread.
 */
public final class StageRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    private final Map<String, Stage> stages = new LinkedHashMap<>();

    /** @param stages every stage, in install order (dependencies first) */
    public StageRunner(List<? extends Stage> stages) {
        for (Stage s : stages) {
            for (String dep : s.dependencies()) {
                if (!this.stages.containsKey(dep)) {
                    throw new IllegalArgumentException("stage " + s.id() + " depends on " + dep
                            + ", which is not listed before it");
                }
            }
            if (this.stages.put(s.id(), s) != null) {
                throw new IllegalArgumentException("duplicate stage id " + s.id());
            }
        }
    }

    public List<Stage> stages() { return List.copyOf(stages.values()); }

    public Stage stage(String id) {
        Stage s = stages.get(id);
        if (s == null) {
            throw new ConfigException(null, List.of(new dev.maas.installer.engine.config.ConfigProblem("--stage",
                    "unknown stage '" + id + "': use one of " + String.join(", ", stages.keySet()))));
        }
        return s;
    }

    /** The chosen stages (all when empty) in install order; unknown ids are an input error. */
    public List<Stage> select(Collection<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return stages();
        }
        Set<String> wanted = new HashSet<>();
        for (String id : ids) {
            wanted.add(stage(id).id());
        }
        return stages.values().stream().filter(s -> wanted.contains(s.id())).toList();
    }

    public RunReport run(Operation op, Collection<String> ids, StageContext ctx, Consumer<RunEvent> listener) {
        List<Stage> chosen = select(ids);
        Consumer<RunEvent> out = safe(listener);
        out.accept(new RunEvent.RunStarted(op, chosen.stream().map(Stage::id).toList()));
        List<StageResult> results = new ArrayList<>();
        Set<String> notOk = new HashSet<>();
        try (AutoCloseable logs = LogHub.subscribe(line -> out.accept(new RunEvent.Log(line)))) {
            for (int i = 0; i < chosen.size(); i++) {
                Stage stage = chosen.get(i);
                out.accept(new RunEvent.StageStarted(stage.id(), op, i + 1, chosen.size()));
                StageResult result;
                List<String> failedDeps = stage.dependencies().stream().filter(notOk::contains).toList();
                java.util.Optional<StageException> absent = ctx.cancellation().isCancelled()
                        || (op == Operation.APPLY && chosen.size() == 1) ? java.util.Optional.empty()
                        : notAvailableHere(stage, ctx);
                if (ctx.cancellation().isCancelled()) {
                    result = new StageResult(stage.id(), op, Outcome.CANCELLED, null, null,
                            "not run: the run was cancelled", null, false);
                } else if (absent.isPresent()) {
                    String msg = ctx.secrets().redact(absent.get().getMessage());
                    LOG.warn("{} left out: {}", stage.id(), msg);
                    result = new StageResult(stage.id(), op, Outcome.NOT_AVAILABLE, null, null,
                            "left out: " + msg, absent.get().fix(), false);
                } else if (!failedDeps.isEmpty() && op == Operation.APPLY) {
                    result = new StageResult(stage.id(), op, Outcome.SKIPPED, null, null,
                            "skipped because " + String.join(", ", failedDeps) + " did not succeed",
                            Fix.rerunStage(failedDeps.get(0), "fix it, then rerun this stage"), false);
                } else {
                    ctx.takeAssumptions(); // a note belongs to the stage that made it
                    result = runOne(op, stage, ctx, out);
                    List<String> assumed = ctx.takeAssumptions();
                    if (!assumed.isEmpty()) {
                        assumed.forEach(a -> LOG.info("{}: {}", stage.id(), a));
                        result = new StageResult(result.stageId(), result.operation(), result.outcome(),
                                result.changes(), result.checks(), result.error(), result.fix(),
                                result.invalidInput(), assumed);
                    }
                }
                if (result.outcome() != Outcome.OK) {
                    notOk.add(stage.id());
                }
                results.add(result);
                out.accept(new RunEvent.StageFinished(result));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        RunReport report = new RunReport(op, results);
        out.accept(new RunEvent.RunFinished(report));
        return report;
    }

    /** The stage's own word on whether it can be tried here; a failure to tell counts as "it can". */
    private static java.util.Optional<StageException> notAvailableHere(Stage stage, StageContext ctx) {
        try {
            return stage.notAvailableHere(ctx);
        } catch (RuntimeException e) {
            LOG.debug("{}: cannot tell whether it can be tried here: {}", stage.id(), e.toString());
            return java.util.Optional.empty();
        }
    }

    private StageResult runOne(Operation op, Stage stage, StageContext ctx, Consumer<RunEvent> out) {
        SecretRegistry secrets = ctx.secrets();
        MDC.put(LogHub.STAGE_KEY, stage.id());
        try {
            LOG.info("{} {}", verb(op), stage.title());
            switch (op) {
                case PLAN -> {
                    List<Change> plan = stage.plan(ctx);
                    return new StageResult(stage.id(), op, Outcome.OK, plan, null, null, null, false);
                }
                case APPLY -> {
                    Progress progress = new Progress() {
                        @Override
                        public void step(int n, int of, String message) {
                            ctx.cancellation().throwIfCancelled();
                            String m = secrets.redact(message);
                            LOG.info("step {} of {}: {}", n, of, m);
                            out.accept(new RunEvent.StepProgress(stage.id(), n, of, m));
                        }

                        @Override
                        public void detail(String message) {
                            out.accept(new RunEvent.StepDetail(stage.id(), secrets.redact(message)));
                        }
                    };
                    List<Change> changes = stage.apply(ctx, progress);
                    return new StageResult(stage.id(), op, Outcome.OK, changes, null, null, null, false);
                }
                case VERIFY -> {
                    List<Check> checks = stage.verify(ctx).stream()
                            .map(c -> new Check(c.status(), c.name(), secrets.redact(c.message()), c.fix())).toList();
                    return new StageResult(stage.id(), op, Outcome.OK, null, checks, null, null, false);
                }
                default -> throw new IllegalStateException(op.name());
            }
        } catch (CancelledException e) {
            LOG.warn("{} cancelled", stage.id());
            return new StageResult(stage.id(), op, Outcome.CANCELLED, null, null, "cancelled by the user",
                    Fix.rerunStage(stage.id(), "rerun it when you are ready; it continues where it stopped"), false);
        } catch (WaitingForStageException e) {
            String msg = secrets.redact(e.getMessage());
            if (op == Operation.APPLY) {
                LOG.error("{} failed: {}", stage.id(), msg);
                return new StageResult(stage.id(), op, Outcome.FAILED, null, null, msg, e.fix(), false);
            }
            // not an error of this stage: the stage it depends on is not applied yet (a fresh cluster)
            LOG.info("{} is waiting for {}: {}", stage.id(), e.stageId(), msg);
            Check waiting = e.check();
            return new StageResult(stage.id(), op, Outcome.OK, null,
                    List.of(new Check(waiting.status(), waiting.name(), msg, waiting.fix())), null, null, false);
        } catch (StageException e) {
            String msg = secrets.redact(e.getMessage());
            LOG.error("{} failed: {}", stage.id(), msg);
            return new StageResult(stage.id(), op, Outcome.FAILED, null, null, msg, e.fix(), e.invalidInput());
        } catch (ConfigException e) {
            String msg = secrets.redact(e.getMessage());
            LOG.error("{} failed: {}", stage.id(), msg);
            return new StageResult(stage.id(), op, Outcome.FAILED, null, null, msg,
                    Fix.configField(e.problems().isEmpty() ? "" : e.problems().get(0).path(), "correct the value"),
                    true);
        } catch (RuntimeException e) {
            String msg = secrets.redact(String.valueOf(e.getMessage()));
            if (e instanceof dev.maas.installer.engine.Actionable a && a.fix() != null) {
                LOG.error("{} failed: {}", stage.id(), msg);
                return new StageResult(stage.id(), op, Outcome.FAILED, null, null, msg, a.fix(), false);
            }
            LOG.error("{} failed unexpectedly: {}", stage.id(), msg, e);
            return new StageResult(stage.id(), op, Outcome.FAILED, null, null,
                    e.getClass().getSimpleName() + ": " + msg,
                    Fix.rerunStage(stage.id(), "rerun the stage; if it fails again, save diagnostics and report it"),
                    false);
        } finally {
            MDC.remove(LogHub.STAGE_KEY);
        }
    }

    private static String verb(Operation op) {
        return switch (op) {
            case PLAN -> "planning";
            case APPLY -> "applying";
            case VERIFY -> "verifying";
        };
    }

    private static Consumer<RunEvent> safe(Consumer<RunEvent> listener) {
        if (listener == null) {
            return e -> { };
        }
        return e -> {
            try {
                listener.accept(e);
            } catch (RuntimeException ex) {
                LOG.debug("run listener failed", ex);
            }
        };
    }
}
