package dev.maas.installer.engine;

import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What a stage gets to work with: the validated configuration, the secret registry (every secret a stage reads
 * must be registered so that logs and messages mask it), the run's cancellation flag, and services such as the
 * cluster client, created lazily on first use and closed with the context.
 */
public final class StageContext implements AutoCloseable {
    private final InstallerConfig config;
    private final SecretRegistry secrets;
    private final Cancellation cancellation;
    private final Map<Class<?>, Supplier<?>> factories = new ConcurrentHashMap<>();
    private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
    private final java.util.List<String> assumptions = new java.util.concurrent.CopyOnWriteArrayList<>();

    public StageContext(InstallerConfig config, SecretRegistry secrets, Cancellation cancellation) {
        this.config = Objects.requireNonNull(config, "config");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    }

    public InstallerConfig config() { return config; }

    public SecretRegistry secrets() { return secrets; }

    public Cancellation cancellation() { return cancellation; }

    /** Registers how to create a service the first time a stage asks for it. */
    public <T> StageContext provide(Class<T> type, Supplier<? extends T> factory) {
        factories.put(type, factory);
        instances.remove(type);
        return this;
    }

    public <T> boolean has(Class<T> type) { return factories.containsKey(type); }

    /** The service of that type, created on first use. */
    public <T> T service(Class<T> type) {
        Object existing = instances.get(type);
        if (existing != null) {
            return type.cast(existing);
        }
        Supplier<?> factory = factories.get(type);
        if (factory == null) {
            throw new StageException("no " + type.getSimpleName() + " is configured for this run",
                    Fix.manual("connect to a cluster first (wizard: Connect page; CLI: --kubeconfig/--context)"));
        }
        synchronized (this) {
            existing = instances.get(type);
            if (existing == null) {
                existing = factory.get();
                instances.put(type, existing);
            }
        }
        return type.cast(existing);
    }

    /**
     * Notes what the running stage's plan takes for granted because a stage it depends on is not applied yet (e.g.
     * "threescale is not applied yet: planned against an empty tenant"). The runner gives the notes to the stage's
     * result ({@link dev.maas.installer.engine.run.StageResult#assumptions()}); repeated notes are kept once.
     */
    public void assume(String what) {
        if (what != null && !what.isBlank() && !assumptions.contains(what)) {
            assumptions.add(what);
        }
    }

    /** The notes of {@link #assume} since the last call, and forgets them (the runner calls it after each stage). */
    public java.util.List<String> takeAssumptions() {
        java.util.List<String> out = java.util.List.copyOf(assumptions);
        assumptions.clear();
        return out;
    }

    @Override
    public void close() {
        for (Object instance : instances.values()) {
            if (instance instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
        }
        instances.clear();
    }
}
