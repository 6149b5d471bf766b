package dev.maas.installer.cluster;

import dev.maas.installer.engine.Fix;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One installer run at a time per cluster: a {@code coordination.k8s.io/v1} Lease ({@value #NAME} in namespace
 * {@value #NAMESPACE}) names the run that applies now. {@link #acquire} takes it (creating the namespace when
 * missing), {@link Held#renew} keeps it fresh and {@link Held#close} gives it back. Every write carries the
 * resourceVersion that was read (a create that meets an existing Lease gets 409), so when two processes race, the
 * API server lets exactly one of them write and the other sees the winner on its next read: two runs never both
 * hold the lock. A Lease whose {@code renewTime + leaseDurationSeconds} lies in the past is expired (its process is
 * gone or stuck) and is taken over, with a warning naming the previous holder; so is the Lease of a process on this
 * same host that no longer runs (killed or crashed), without waiting for it to expire.
 */
public final class RunLock {
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);

    /** The namespace of the Lease; created (labelled as ours) by the first apply. */
    public static final String NAMESPACE = "maas-installer";
    /** The Lease's name. */
    public static final String NAME = "maas-installer-run";
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    /** How often a {@link Held} lock races others for one write before giving up (each 409 means a write won). */
    private static final int ATTEMPTS = 5;

    /** Who holds the Lease and until when. */
    public record Holder(String identity, Instant acquired, Instant renewed, Duration duration) {
        public Holder {
            Objects.requireNonNull(identity, "identity");
        }

        /** When the Lease runs out unless renewed. */
        public Instant expires() { return renewed.plus(duration); }

        public boolean expiredAt(Instant now) { return !expires().isAfter(now); }

        /** "IDENTITY (since T, expires T)". */
        public String describe() {
            return identity + " (since " + time(acquired) + ", expires " + time(expires()) + ")";
        }
    }

    /** Another run holds the Lease: the message names the holder, its expiry and what to do. */
    public static final class HeldException extends RuntimeException {
        private final transient Holder holder;
        private final String namespace;
        private final String name;

        HeldException(Holder holder, String namespace, String name) {
            super("Another maas-installer run holds the lock: " + holder.identity() + " (since "
                    + time(holder.acquired()) + ", expires " + time(holder.expires()) + " unless it is renewed)."
                    + " Wait for it to finish, or if that process is gone, rerun after " + time(holder.expires())
                    + " (the lease expires on its own) or delete Lease " + namespace + "/" + name
                    + " (`oc delete lease " + name + " -n " + namespace + "`).");
            this.holder = holder;
            this.namespace = namespace;
            this.name = name;
        }

        public Holder holder() { return holder; }

        public Fix fix() {
            return Fix.manual("wait for the other run to finish, or once it is gone rerun after "
                    + time(holder.expires()) + ", or delete it with `oc delete lease " + name + " -n " + namespace
                    + "`");
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Duration duration;
    private final Clock clock;

    /** The installer's lock ({@value #NAMESPACE}/{@value #NAME}, 60 s, the system clock). */
    public RunLock(KubernetesClient client) {
        this(client, NAMESPACE, NAME, DEFAULT_DURATION, Clock.systemUTC());
    }

    public RunLock(KubernetesClient client, String namespace, String name, Duration duration, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.name = Objects.requireNonNull(name, "name");
        this.duration = Objects.requireNonNull(duration, "duration");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (duration.toSeconds() < 1) {
            throw new IllegalArgumentException("a lease lasts at least one second");
        }
    }

    public String namespace() { return namespace; }

    public String name() { return name; }

    /**
     * Who names this process in the Lease: {@code user@host pid N (mode) run-id}, e.g.
     * {@code anna@laptop pid 4242 (cli) 3f9c01ab}.
     */
    public static String identity(String mode) {
        String user = System.getProperty("user.name", "unknown");
        return user + "@" + hostName() + " pid " + ProcessHandle.current().pid() + " (" + mode + ") "
                + UUID.randomUUID().toString().substring(0, 8);
    }

    private static volatile String host;

    static String hostName() {
        String h = host;
        if (h == null) {
            String env = System.getenv("HOSTNAME");
            if (env != null && !env.isBlank()) {
                h = env.trim();
            } else {
                try {
                    h = InetAddress.getLocalHost().getHostName();
                } catch (Exception e) {
                    h = "unknown-host";
                }
            }
            host = h;
        }
        return h;
    }

    private static final java.util.regex.Pattern IDENTITY =
            java.util.regex.Pattern.compile("^.*@(\\S+) pid (\\d+) \\(\\w+\\) \\S+$");

    /**
     * Whether a holder identity (as {@link #identity} makes it) names a process on this host that no longer runs: a
     * run that was killed or crashed here; its lease need not run out first. Anything else counts as alive.
     */
    static boolean goneFromThisHost(String identity) {
        java.util.regex.Matcher m = IDENTITY.matcher(identity);
        if (!m.matches() || !m.group(1).equals(hostName()) || "unknown-host".equals(m.group(1))) {
            return false;
        }
        try {
            long pid = Long.parseLong(m.group(2));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The holder named in the Lease now, expired or not; empty when the Lease is missing or free. */
    public Optional<Holder> holder() {
        try {
            return holderOf(read());
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading the run lock (Lease " + where() + ")");
        }
    }

    /**
     * Takes the Lease for {@code identity}, taking over an expired one. Does not renew it by itself: call
     * {@link Held#renewEvery} (or {@link Held#renew}).
     *
     * @param onLost called once, with a message, when a renewal finds that the lock was lost
     * @throws HeldException when another run holds it
     * @throws ClusterException when the cluster refuses (for example 403: no permission on leases)
     */
    public Held acquire(String identity, Consumer<String> onLost) {
        Objects.requireNonNull(identity, "identity");
        ensureNamespace();
        KubernetesClientException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Instant now = clock.instant();
            try {
                Lease live = read();
                if (live == null) {
                    Lease created = client.resource(new LeaseBuilder().withNewMetadata().withName(name)
                            .withNamespace(namespace).addToLabels(Resources.MANAGED_BY_LABEL, Resources.MANAGER)
                            .endMetadata().withSpec(spec(identity, now, now, 0)).build()).create();
                    LOG.info("took the run lock (Lease {}) as {}", where(), identity);
                    return new Held(identity, created, now, onLost);
                }
                Optional<Holder> h = holderOf(live);
                if (h.isPresent() && !h.get().identity().equals(identity)) {
                    if (h.get().expiredAt(now)) {
                        LOG.warn("the run lock (Lease {}) held by {} expired at {} (not renewed since {}): taking it"
                                        + " over; that run is gone or stuck", where(), h.get().identity(),
                                time(h.get().expires()), time(h.get().renewed()));
                    } else if (goneFromThisHost(h.get().identity())) {
                        LOG.warn("the run lock (Lease {}) is held by {}, a process on this host that no longer"
                                + " runs: taking it over", where(), h.get().identity());
                    } else {
                        throw new HeldException(h.get(), namespace, name);
                    }
                }
                int transitions = live.getSpec() == null || live.getSpec().getLeaseTransitions() == null ? 0
                        : live.getSpec().getLeaseTransitions();
                live.setSpec(spec(identity, now, now, h.isPresent() ? transitions + 1 : transitions));
                Lease updated = client.resource(live).update();
                LOG.info("took the run lock (Lease {}) as {}", where(), identity);
                return new Held(identity, updated, now, onLost);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw ClusterErrors.translate(e, "taking the run lock (Lease " + where() + ")");
                }
                last = e; // another process wrote first: read again and see who
                LOG.debug("the run lock changed while taking it; reading it again");
            }
        }
        Optional<Holder> h = holder();
        if (h.isPresent() && !h.get().expiredAt(clock.instant())) {
            throw new HeldException(h.get(), namespace, name);
        }
        throw ClusterErrors.translate(last, "taking the run lock (Lease " + where() + "): it kept changing");
    }

    private void ensureNamespace() {
        try {
            if (client.namespaces().withName(namespace).get() != null) {
                return;
            }
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace)
                    .addToLabels(Resources.MANAGED_BY_LABEL, Resources.MANAGER).endMetadata().build()).create();
            LOG.info("created namespace {} for the installer's run lock", namespace);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw ClusterErrors.translate(e, "creating namespace " + namespace + " for the run lock");
            }
        }
    }

    private Lease read() {
        return client.leases().inNamespace(namespace).withName(name).get();
    }

    private LeaseSpec spec(String identity, Instant acquired, Instant renewed, int transitions) {
        LeaseSpec s = new LeaseSpec();
        s.setHolderIdentity(identity);
        s.setAcquireTime(zoned(acquired));
        s.setRenewTime(zoned(renewed));
        s.setLeaseDurationSeconds((int) duration.toSeconds());
        s.setLeaseTransitions(transitions);
        return s;
    }

    private static ZonedDateTime zoned(Instant i) {
        return i.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
    }

    /** The Lease's holder; empty when it names none. Missing times count as long ago (expired). */
    private Optional<Holder> holderOf(Lease lease) {
        if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null
                || lease.getSpec().getHolderIdentity().isBlank()) {
            return Optional.empty();
        }
        LeaseSpec s = lease.getSpec();
        Instant renewed = s.getRenewTime() != null ? s.getRenewTime().toInstant()
                : s.getAcquireTime() != null ? s.getAcquireTime().toInstant() : Instant.EPOCH;
        Instant acquired = s.getAcquireTime() != null ? s.getAcquireTime().toInstant() : renewed;
        Duration d = s.getLeaseDurationSeconds() == null ? duration
                : Duration.ofSeconds(Math.max(0, s.getLeaseDurationSeconds()));
        return Optional.of(new Holder(s.getHolderIdentity(), acquired, renewed, d));
    }

    private String where() { return namespace + "/" + name; }

    static String time(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The lock this process holds; closing it stops the renewals and frees the Lease. */
    public final class Held implements AutoCloseable {
        private final String identity;
        private final Consumer<String> onLost;
        private Instant lastRenewed;
        private boolean lost;
        private boolean closed;
        private ScheduledExecutorService renewer;
        private volatile Runnable afterRenewal = () -> { };

        private Held(String identity, Lease lease, Instant renewed, Consumer<String> onLost) {
            this.identity = identity;
            this.lastRenewed = renewed;
            this.onLost = onLost == null ? m -> { } : onLost;
        }

        public String identity() { return identity; }

        public synchronized boolean lost() { return lost; }

        /**
         * Renews every {@code period} on a daemon thread until closed or lost (the installer uses a third of the
         * lease duration, so two renewals may fail before the Lease runs out).
         */
        public synchronized Held renewEvery(Duration period) {
            if (renewer == null && !closed) {
                renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "maas-run-lock");
                    t.setDaemon(true);
                    return t;
                });
                long ms = Math.max(1, period.toMillis());
                renewer.scheduleWithFixedDelay(() -> {
                    try {
                        renew();
                    } catch (RuntimeException e) {
                        LOG.debug("renewing the run lock failed", e);
                    } finally {
                        afterRenewal.run();
                    }
                }, ms, ms, TimeUnit.MILLISECONDS);
            }
            return this;
        }

        /** {@link #renewEvery} with a third of the lease duration. */
        public Held keepRenewed() { return renewEvery(duration.dividedBy(3)); }

        /** For tests: runs after each background renewal attempt. */
        synchronized void afterEachRenewal(Runnable r) { this.afterRenewal = r == null ? () -> { } : r; }

        /**
         * Writes a fresh renewTime. Returns whether the lock is still ours; when it is not (another holder, the
         * Lease deleted, or no successful renewal within the lease duration), calls the lost handler once.
         * A failed request that leaves time before the Lease runs out is retried on the next renewal.
         */
        public synchronized boolean renew() {
            if (lost || closed) {
                return !lost && !closed;
            }
            Instant now = clock.instant();
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    Lease live = read();
                    if (live == null) {
                        return lose("the Lease " + where() + " was deleted while this run held it");
                    }
                    Optional<Holder> h = holderOf(live);
                    if (h.isEmpty() || !h.get().identity().equals(identity)) {
                        return lose("the Lease " + where() + " is now held by "
                                + h.map(Holder::describe).orElse("nobody"));
                    }
                    live.getSpec().setRenewTime(zoned(now));
                    client.resource(live).update();
                    lastRenewed = now;
                    LOG.debug("renewed the run lock at {}", now);
                    return true;
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 409) {
                        continue; // changed since we read it: read again
                    }
                    return failedRenewal(now, e);
                } catch (RuntimeException e) {
                    return failedRenewal(now, e);
                }
            }
            return failedRenewal(now, null);
        }

        private boolean failedRenewal(Instant now, Exception e) {
            String why = e == null ? "it kept changing" : String.valueOf(e.getMessage());
            if (!lastRenewed.plus(duration).isAfter(now)) {
                return lose("it could not be renewed for " + Duration.between(lastRenewed, now).toSeconds()
                        + "s (" + why + "), so another run may have taken it");
            }
            LOG.warn("could not renew the run lock (Lease {}): {}; trying again before it expires at {}", where(),
                    why, time(lastRenewed.plus(duration)));
            return true;
        }

        private boolean lose(String why) {
            lost = true;
            String message = "Lost the run lock: " + why + ". The run stops at its next step so that two runs do"
                    + " not interleave; rerun apply once no other installer is running.";
            LOG.error(message);
            stopRenewing();
            try {
                onLost.accept(message);
            } catch (RuntimeException e) {
                LOG.debug("the lost-lock handler failed", e);
            }
            return false;
        }

        private void stopRenewing() {
            if (renewer != null) {
                renewer.shutdown();
            }
        }

        /** Stops renewing and frees the Lease (clears the holder) if it is still ours. Best effort. */
        @Override
        public void close() {
            ScheduledExecutorService r;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                r = renewer;
            }
            if (r != null) {
                r.shutdown();
                try {
                    if (!r.awaitTermination(10, TimeUnit.SECONDS)) {
                        r.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    r.shutdownNow();
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (this) {
                if (lost) {
                    return;
                }
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    try {
                        Lease live = read();
                        Optional<Holder> h = holderOf(live);
                        if (h.isEmpty() || !h.get().identity().equals(identity)) {
                            return;
                        }
                        live.getSpec().setHolderIdentity(null);
                        client.resource(live).update();
                        LOG.info("released the run lock (Lease {})", where());
                        return;
                    } catch (KubernetesClientException e) {
                        if (e.getCode() != 409) {
                            LOG.warn("could not release the run lock (Lease {}): {}; it expires on its own at {}",
                                    where(), e.getMessage(), time(lastRenewed.plus(duration)));
                            return;
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("could not release the run lock (Lease {}): {}; it expires on its own at {}",
                                where(), e.getMessage(), time(lastRenewed.plus(duration)));
                        return;
                    }
                }
            }
        }
    }
}
