package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reconciler against an in-memory store: plan, apply and verify of one object agree, and apply is idempotent. */
class ReconcilerTest {
    /** A key-value store standing in for a live system; counts its writes. */
    static final class Store {
        final Map<String, Map<String, String>> objects = new TreeMap<>();
        final List<String> writes = new ArrayList<>();
        RuntimeException failReads;
    }

    /** One object of the store: desired fields, or absent (prune) when {@code want} is null. */
    static final class Entry implements Managed<Map<String, String>, Map<String, String>> {
        final Store store;
        final String key;
        final Map<String, String> want;
        Check readiness;
        /** What working out the desired fields throws (the input does not hold), or null. */
        RuntimeException failDesired;

        Entry(Store store, String key, Map<String, String> want) {
            this.store = store;
            this.key = key;
            this.want = want;
        }

        @Override public TargetSystem system() { return TargetSystem.KUBERNETES; }

        @Override public String kind() { return "entry"; }

        @Override public String name() { return key; }

        @Override
        public Optional<Map<String, String>> desired(StageContext ctx) {
            if (failDesired != null) {
                throw failDesired;
            }
            return Optional.ofNullable(want);
        }

        @Override
        public Optional<Map<String, String>> fetch(StageContext ctx) {
            if (store.failReads != null) {
                throw store.failReads;
            }
            return Optional.ofNullable(store.objects.get(key)).map(LinkedHashMap::new);
        }

        @Override
        public Map<String, FieldChange> diff(Map<String, String> desired, Optional<Map<String, String>> actual) {
            Map<String, FieldChange> out = new LinkedHashMap<>();
            desired.forEach((k, v) -> {
                String have = actual.map(a -> a.get(k)).orElse(null);
                if (actual.isEmpty() || !v.equals(have)) {
                    out.put(k, k.equals("password") ? FieldChange.secret(have != null, true) : FieldChange.of(have, v));
                }
            });
            return out;
        }

        @Override
        public Map<String, String> create(StageContext ctx, Map<String, String> desired) {
            store.writes.add("create " + key);
            store.objects.put(key, new LinkedHashMap<>(desired));
            return desired;
        }

        @Override
        public Map<String, String> update(StageContext ctx, Map<String, String> desired, Map<String, String> actual,
                                          Map<String, FieldChange> diff) {
            store.writes.add("update " + key + " " + diff.keySet());
            diff.keySet().forEach(k -> store.objects.get(key).put(k, desired.get(k)));
            return store.objects.get(key);
        }

        @Override
        public void delete(StageContext ctx, Map<String, String> actual) {
            store.writes.add("delete " + key);
            store.objects.remove(key);
        }

        @Override
        public Optional<Check> readiness(StageContext ctx, Map<String, String> desired, Map<String, String> actual) {
            return Optional.ofNullable(readiness);
        }
    }

    private final Store store = new Store();
    private final Cancellation cancellation = new Cancellation();
    private final StageContext ctx = new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), cancellation);
    private final Reconciler reconciler = new Reconciler("demo", Guard.Translator.NONE);

    private List<Managed<?, ?>> objects() {
        return List.of(new Entry(store, "a", Map.of("size", "2")),
                new Entry(store, "b", new TreeMap<>(Map.of("size", "3", "password", "s3cret"))),
                new Entry(store, "old", null));
    }

    @Test
    void planApplyAndVerifyAgreeAndASecondApplyWritesNothing() {
        store.objects.put("b", new LinkedHashMap<>(Map.of("size", "1", "password", "s3cret")));
        store.objects.put("old", new LinkedHashMap<>(Map.of("size", "9")));

        List<Change> plan = reconciler.plan(ctx, objects());
        assertThat(plan).extracting(Change::action).containsExactly(Action.CREATE, Action.UPDATE, Action.DELETE);
        assertThat(plan.get(1).fields()).containsOnlyKeys("size").containsEntry("size", FieldChange.of("1", "3"));
        assertThat(store.writes).as("plan only reads").isEmpty();

        List<Check> before = reconciler.verify(ctx, objects());
        assertThat(before).extracting(Check::status).containsOnly(CheckStatus.FAILED_RETRYABLE);
        assertThat(before.get(0).message()).isEqualTo("entry a does not exist");
        assertThat(before.get(1).message()).isEqualTo("entry b differs from the configuration: size: 1 -> 3");
        assertThat(before.get(2).message()).isEqualTo("entry old exists and should not");
        assertThat(before).allSatisfy(c -> assertThat(c.fix()).isEqualTo(Fix.rerunStage("demo",
                "apply the demo stage")));

        List<String> steps = new ArrayList<>();
        List<Change> applied = reconciler.apply(ctx, new Steps((n, of, m) -> steps.add(n + "/" + of + " " + m),
                cancellation, 3), objects());
        assertThat(applied).isEqualTo(plan);
        assertThat(steps).containsExactly("1/3 entry a", "2/3 entry b", "3/3 entry old");
        assertThat(store.writes).containsExactly("create a", "update b [size]", "delete old");

        store.writes.clear();
        assertThat(reconciler.apply(ctx, new Steps(Progress.NONE, cancellation, 3), objects()))
                .extracting(Change::action).containsOnly(Action.NOOP);
        assertThat(store.writes).as("second apply").isEmpty();
        assertThat(reconciler.plan(ctx, objects())).extracting(Change::action).containsOnly(Action.NOOP);
        assertThat(reconciler.verify(ctx, objects())).extracting(Check::status).containsOnly(CheckStatus.OK);
    }

    @Test
    void aSecretFieldIsPlannedAsSetNeverWithItsValue() {
        List<Change> plan = reconciler.plan(ctx, objects());
        assertThat(plan.get(1).fields().get("password")).isEqualTo(FieldChange.secret(false, true));
        assertThat(plan.toString()).doesNotContain("s3cret");
    }

    @Test
    void aFailureToReadIsThatObjectsOneCheckAndTheOthersAreStillChecked() {
        Entry broken = new Entry(store, "x", Map.of("size", "1"));
        Store other = new Store();
        broken.store.failReads = new StageException("the store is down", Fix.manual("start it"));
        List<Check> checks = reconciler.verify(ctx, List.of(broken, new Entry(other, "y", Map.of("size", "1"))));
        assertThat(checks).hasSize(2);
        assertThat(checks.get(0)).satisfies(c -> {
            assertThat(c.name()).isEqualTo("entry x");
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).isEqualTo("the store is down");
            assertThat(c.fix()).isEqualTo(Fix.manual("start it"));
        });
        assertThat(checks.get(1).name()).isEqualTo("entry y");

        broken.store.failReads = new IllegalStateException("boom");
        assertThat(reconciler.verify(ctx, broken)).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).contains("boom");
            assertThat(c.fix().target()).isEqualTo("demo");
        });
        // plan and apply are not judged: the error is the stage's
        assertThatThrownBy(() -> reconciler.plan(ctx, broken)).hasMessageContaining("boom");
    }

    @Test
    void anotherStageNotAppliedYetIsNeutralTheStagesOwnIsAFailure() {
        Entry e = new Entry(store, "x", Map.of("size", "1"));
        store.failReads = new WaitingForStageException("threescale", "no tenant yet",
                Fix.rerunStage("threescale", "apply it"));
        assertThat(reconciler.verify(ctx, e)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CheckStatus.WAITING));
        store.failReads = new WaitingForStageException("demo", "not applied", Fix.rerunStage("demo", "apply it"));
        assertThat(reconciler.verify(ctx, e)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE));
    }

    @Test
    void anObjectThatIsNotThereIsMissingWhateverTheInputAndTheInputIsJudgedOnceItIsThere() {
        Entry e = new Entry(store, "x", Map.of("size", "1"));
        e.failDesired = StageException.invalidInput("size: must be a number", Fix.configField("size", "give a number"));
        // not installed yet, which is no error: the input is judged by plan and apply
        assertThat(reconciler.verify(ctx, e)).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
            assertThat(c.message()).isEqualTo("entry x does not exist");
            assertThat(c.fix()).isEqualTo(Fix.rerunStage("demo", "apply the demo stage"));
        });
        assertThat(dev.maas.installer.engine.run.StageState.ofChecks(reconciler.verify(ctx, e)))
                .isEqualTo(dev.maas.installer.engine.run.StageState.NOT_INSTALLED);
        assertThatThrownBy(() -> reconciler.plan(ctx, e)).hasMessageContaining("must be a number");
        assertThatThrownBy(() -> reconciler.apply(ctx, e)).hasMessageContaining("must be a number");
        assertThat(store.writes).isEmpty();

        // another stage not applied yet stays what it is
        e.failDesired = new WaitingForStageException("threescale", "no tenant yet",
                Fix.rerunStage("threescale", "apply it"));
        assertThat(reconciler.verify(ctx, e)).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(CheckStatus.WAITING));

        // once there is an object to compare with, the input is judged
        store.objects.put("x", new LinkedHashMap<>(Map.of("size", "1")));
        e.failDesired = StageException.invalidInput("size: must be a number", Fix.configField("size", "give a number"));
        assertThat(reconciler.verify(ctx, e)).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(CheckStatus.INVALID_INPUT);
            assertThat(c.message()).isEqualTo("size: must be a number");
        });
    }

    @Test
    void oneCheckForManyObjectsNamesTheFirstTenThatFailAndCountsTheRest() {
        List<Managed<?, ?>> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(new Entry(store, String.format("item%02d", i), Map.of("size", "1")));
        }
        Check check = reconciler.verifyAs(ctx, "items", () -> many, "all there");
        assertThat(check.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
        assertThat(check.message()).contains("entry item00 ").contains("entry item09 ").doesNotContain("item10")
                .endsWith("; and 15 more");
        store.objects.put("item03", new LinkedHashMap<>(Map.of("size", "1")));
        assertThat(reconciler.verifyAs(ctx, "items", () -> many, "all there").message())
                .doesNotContain("item03").contains("item10").endsWith("; and 14 more");
    }

    @Test
    void readinessIsCheckedOnlyOnceTheObjectIsAsDesired() {
        Entry e = new Entry(store, "a", Map.of("size", "2"));
        e.readiness = Check.retryable("entry a ready", "not serving yet", Fix.manual("wait"));
        assertThat(reconciler.verify(ctx, e)).singleElement()
                .satisfies(c -> assertThat(c.message()).isEqualTo("entry a does not exist"));
        reconciler.apply(ctx, e);
        assertThat(reconciler.verify(ctx, e)).extracting(Check::status)
                .containsExactly(CheckStatus.OK, CheckStatus.FAILED_RETRYABLE);
    }

    @Test
    void cancellingStopsBetweenObjectsAndIsNeverACheck() {
        List<Managed<?, ?>> objects = objects();
        Progress cancelAfterFirst = (n, of, m) -> {
            if (n == 2) {
                cancellation.cancel();
            }
        };
        assertThatThrownBy(() -> reconciler.apply(ctx, new Steps(cancelAfterFirst, cancellation, 3), objects))
                .isInstanceOf(CancelledException.class);
        assertThat(store.writes).containsExactly("create a");
        assertThatThrownBy(() -> reconciler.verify(ctx, objects)).isInstanceOf(CancelledException.class);
        assertThatThrownBy(() -> reconciler.check("x", () -> {
            throw new CancelledException();
        })).isInstanceOf(CancelledException.class);
    }
}
