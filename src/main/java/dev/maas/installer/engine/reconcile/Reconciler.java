package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.WaitingForStageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Derives a stage's plan, apply and verify of its {@link Managed} objects from one reading of each, so the three
 * agree by construction:
 * <ul>
 *   <li>plan: the {@link Observed} action of each object (CREATE, UPDATE, DELETE, NOOP) and the fields that differ;
 *   <li>apply: reads again, then writes only what differs (a second apply sends no write), one step "n of m" per
 *       object, stopping between objects when cancelled;
 *   <li>verify: the same reading judged: as desired is OK (then the object's readiness, if it has one), missing or
 *       differing is a retryable failure naming the fields, with the object's fix (apply the stage). A failure to
 *       read is that object's one check ({@link Guard}), so the other objects are still checked.
 * </ul>
 * A stage whose every object is read through here has no second code path that could decide differently.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Guard guard;

    public Reconciler(String stageId, Guard.Translator translator) {
        this.guard = new Guard(stageId, translator);
    }

    public String stageId() { return guard.stageId(); }

    /** The guard of this stage's checks, for checks that are not about one managed object. */
    public Guard guard() { return guard; }

    /** Runs a check of this stage through its {@link Guard}. */
    public Check check(String name, Supplier<Check> check) { return guard.check(name, check); }

    // ------------------------------------------------------------------------------------------------ read

    /** Reads one object: desired, live, and what a write would do. A failure to read throws. */
    public <D, A> Observed<D, A> observe(StageContext ctx, Managed<D, A> m) {
        return Observed.of(m, ctx);
    }

    /** The change an observation stands for: what plan shows and apply reports. */
    public <D, A> Change change(StageContext ctx, Observed<D, A> o) {
        Managed<D, A> m = o.managed();
        Map<String, FieldChange> fields = switch (o.action()) {
            case NOOP -> Map.of();
            case DELETE -> m.deleted(o.actual().orElseThrow());
            default -> m.annotate(ctx, o.diff());
        };
        return new Change(o.action(), m.system(), m.kind(), o.name(), fields, o.action() == Action.NOOP && m.kept());
    }

    // ------------------------------------------------------------------------------------------------ plan

    public Change plan(StageContext ctx, Managed<?, ?> m) {
        return change(ctx, observe(ctx, m));
    }

    public List<Change> plan(StageContext ctx, List<? extends Managed<?, ?>> objects) {
        List<Change> out = new ArrayList<>();
        for (Managed<?, ?> m : objects) {
            ctx.cancellation().throwIfCancelled();
            out.add(plan(ctx, m));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ apply

    /** Reads the object, then writes only what differs; returns what it did (NOOP when nothing). */
    public <D, A> Change apply(StageContext ctx, Managed<D, A> m) {
        ctx.cancellation().throwIfCancelled();
        Observed<D, A> o = observe(ctx, m);
        Change change = change(ctx, o);
        switch (o.action()) {
            case CREATE -> {
                A created = m.create(ctx, o.desired().orElseThrow());
                LOG.info("Created {} {}", m.kind(), m.name(created));
                return new Change(Action.CREATE, m.system(), m.kind(), m.name(created), change.fields());
            }
            case UPDATE -> {
                A updated = m.update(ctx, o.desired().orElseThrow(), o.actual().orElseThrow(), o.diff());
                LOG.info("Updated {} {}: {}", m.kind(), m.name(updated), o.diff().keySet());
                return new Change(Action.UPDATE, m.system(), m.kind(), m.name(updated), change.fields());
            }
            case DELETE -> {
                m.delete(ctx, o.actual().orElseThrow());
                LOG.info("Deleted {} {}", m.kind(), o.name());
                return change;
            }
            default -> {
                return change;
            }
        }
    }

    /** Applies each object as one step of {@code steps}. */
    public List<Change> apply(StageContext ctx, Steps steps, List<? extends Managed<?, ?>> objects) {
        List<Change> out = new ArrayList<>();
        for (Managed<?, ?> m : objects) {
            steps.next(m.step());
            out.add(apply(ctx, m));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ verify

    /**
     * The object's check, then its readiness check when it is as desired and has one. Never throws on a read. An
     * object that is not there is missing, whatever the input: when what it should be cannot be worked out (the input
     * does not hold, a fact it needs is not there yet), verify still says it is missing (not installed yet, which is
     * no error) and leaves judging the input to plan and apply; only another stage not applied yet is said instead
     * (WAITING).
     */
    public <D, A> List<Check> verify(StageContext ctx, Managed<D, A> m) {
        ctx.cancellation().throwIfCancelled();
        Optional<A> live;
        Observed<D, A> o;
        try {
            live = m.fetch(ctx);
        } catch (dev.maas.installer.engine.CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            return List.of(guard.failure(m.checkName(), e));
        }
        try {
            o = Observed.of(m, ctx, live);
        } catch (dev.maas.installer.engine.CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            boolean waiting = e instanceof WaitingForStageException w && !w.stageId().equals(stageId());
            if (live.isEmpty() && !waiting) {
                // plan and apply judge the input; what was set aside stays in the log (its type only: a message
                // may quote a value)
                LOG.debug("{} {} is not there; what it should be could not be worked out ({}), left to plan and"
                        + " apply", m.kind(), m.name(), e.getClass().getSimpleName());
                return List.of(missing(m));
            }
            return List.of(guard.failure(m.checkName(), e));
        }
        Check state = judge(o);
        if (!state.status().passes() || o.desired().isEmpty() || o.actual().isEmpty()) {
            return List.of(state);
        }
        List<Check> out = new ArrayList<>();
        out.add(state);
        D desired = o.desired().get();
        A actual = o.actual().get();
        String readiness = m.checkName() + " ready";
        Check[] ready = new Check[1];
        Check guarded = guard.check(readiness, () -> {
            ready[0] = m.readiness(ctx, desired, actual).orElse(null);
            return ready[0];
        });
        if (guarded != null) {
            out.add(guarded);
        }
        return out;
    }

    public List<Check> verify(StageContext ctx, List<? extends Managed<?, ?>> objects) {
        List<Check> out = new ArrayList<>();
        for (Managed<?, ?> m : objects) {
            out.addAll(verify(ctx, m));
        }
        return out;
    }

    /**
     * One named check from the checks {@link #verify} gives for {@code objects} (each object's state, then its
     * readiness), for a stage that reports several objects as one thing (an operator, a database): the failures when
     * any fail (the worst status, the first fix), else the warnings, else OK with {@code okMessage} (null: the last
     * check's message). A failure to read the objects is the check itself.
     */
    public Check verifyAs(StageContext ctx, String name, Supplier<List<Managed<?, ?>>> objects, String okMessage) {
        List<Check> parts;
        try {
            parts = verify(ctx, objects.get());
        } catch (dev.maas.installer.engine.CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            return guard.failure(name, e);
        }
        List<Check> failing = parts.stream().filter(c -> !c.status().passes()).toList();
        if (!failing.isEmpty()) {
            CheckStatus status = failing.stream().anyMatch(c -> c.status() == CheckStatus.INVALID_INPUT)
                    ? CheckStatus.INVALID_INPUT : failing.stream().anyMatch(c -> c.status()
                    == CheckStatus.FAILED_RETRYABLE) ? CheckStatus.FAILED_RETRYABLE : failing.get(0).status();
            return new Check(status, name, messages(failing), failing.get(0).fix());
        }
        List<Check> warnings = parts.stream().filter(c -> c.status() == CheckStatus.WARN).toList();
        if (!warnings.isEmpty()) {
            return Check.warn(name, messages(warnings), warnings.get(0).fix());
        }
        return Check.ok(name, okMessage != null ? okMessage : parts.isEmpty() ? "" : parts.get(parts.size() - 1)
                .message());
    }

    /** How many objects' messages {@link #verifyAs} names before it counts the rest. */
    static final int MESSAGES_NAMED = 10;

    /** The distinct messages, joined: the first {@link #MESSAGES_NAMED}, then how many more there are. */
    private static String messages(List<Check> checks) {
        List<String> distinct = checks.stream().map(Check::message).distinct().toList();
        String named = String.join("; ", distinct.subList(0, Math.min(MESSAGES_NAMED, distinct.size())));
        int more = distinct.size() - MESSAGES_NAMED;
        return more > 0 ? named + "; and " + more + " more" : named;
    }

    /** Verify's check of an object that is not there. */
    private <D, A> Check missing(Managed<D, A> m) {
        return Check.retryable(m.checkName(), m.missingMessage(), m.fix(stageId(), Action.CREATE));
    }

    /** What verify says of one reading. */
    public <D, A> Check judge(Observed<D, A> o) {
        Managed<D, A> m = o.managed();
        String name = m.checkName();
        return switch (o.action()) {
            case NOOP -> o.actual().isPresent()
                    ? Check.ok(name, m.okMessage(o.desired().orElseThrow(), o.actual().get()))
                    : Check.ok(name, m.kind() + " " + m.name() + " does not exist, as configured");
            case CREATE -> Check.retryable(name, m.missingMessage(o.desired().orElseThrow()),
                    m.fix(stageId(), Action.CREATE));
            case UPDATE -> Check.retryable(name, m.driftMessage(o.desired().orElseThrow(), o.actual().orElseThrow(),
                    o.diff()), m.fix(stageId(), Action.UPDATE));
            case DELETE -> Check.retryable(name, m.extraMessage(o.actual().orElseThrow()),
                    m.fix(stageId(), Action.DELETE));
        };
    }
}
