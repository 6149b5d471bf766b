package dev.maas.installer.cli;

import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/** A stage whose behaviour each test sets; it counts how often apply ran. */
final class TestStage implements Stage {
    private final String id;
    private final String title;
    private final List<String> dependencies;
    private Function<StageContext, List<Change>> plan = ctx -> List.of();
    private BiFunction<StageContext, Progress, List<Change>> apply = (ctx, p) -> List.of();
    private Function<StageContext, List<Check>> verify = ctx -> List.of();
    final AtomicInteger applyCalls = new AtomicInteger();

    TestStage(String id, String... dependencies) {
        this.id = id;
        this.title = "Test stage " + id;
        this.dependencies = List.of(dependencies);
    }

    TestStage plan(Function<StageContext, List<Change>> f) {
        this.plan = f;
        return this;
    }

    TestStage apply(BiFunction<StageContext, Progress, List<Change>> f) {
        this.apply = f;
        return this;
    }

    TestStage verify(Function<StageContext, List<Check>> f) {
        this.verify = f;
        return this;
    }

    @Override public String id() { return id; }

    @Override public String title() { return title; }

    @Override public List<String> dependencies() { return dependencies; }

    @Override public List<Change> plan(StageContext ctx) { return plan.apply(ctx); }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        applyCalls.incrementAndGet();
        return apply.apply(ctx, progress);
    }

    @Override public List<Check> verify(StageContext ctx) { return verify.apply(ctx); }
}
