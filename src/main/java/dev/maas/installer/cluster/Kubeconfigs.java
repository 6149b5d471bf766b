package dev.maas.installer.cluster;

import dev.maas.installer.engine.Fix;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** Finding and reading kubeconfig files, for the context picker. */
public final class Kubeconfigs {
    private Kubeconfigs() { }

    /** The first file named by {@code KUBECONFIG}, else {@code ~/.kube/config}. */
    public static Path defaultPath() { return defaultPath(System.getenv()); }

    static Path defaultPath(Map<String, String> env) { return defaultPath((Function<String, String>) env::get); }

    /** {@link #defaultPath()}, reading {@code KUBECONFIG} through {@code env}. */
    public static Path defaultPath(Function<String, String> env) {
        String kc = env.apply("KUBECONFIG");
        if (kc != null && !kc.isBlank()) {
            for (String part : kc.split(File.pathSeparator)) {
                if (!part.isBlank()) {
                    return Path.of(part.trim());
                }
            }
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config");
    }

    /** The contexts of a kubeconfig file, in file order. */
    public static List<KubeContext> contexts(Path kubeconfig) {
        Config cfg = parse(kubeconfig);
        List<KubeContext> out = new ArrayList<>();
        if (cfg.getContexts() == null) {
            return out;
        }
        for (NamedContext nc : cfg.getContexts()) {
            if (nc == null || nc.getContext() == null) {
                continue;
            }
            String clusterName = nc.getContext().getCluster();
            String url = cfg.getClusters() == null ? null : cfg.getClusters().stream()
                    .filter(c -> c != null && Objects.equals(c.getName(), clusterName))
                    .map(NamedCluster::getCluster).filter(Objects::nonNull).map(c -> c.getServer())
                    .findFirst().orElse(null);
            String user = nc.getContext().getUser();
            if (user != null && user.contains("/")) {
                user = user.substring(0, user.indexOf('/')); // oc names users "name/cluster"
            }
            out.add(new KubeContext(nc.getName(), url, user, nc.getContext().getNamespace(),
                    Objects.equals(nc.getName(), cfg.getCurrentContext())));
        }
        return out;
    }

    /**
     * Parses a small kubeconfig held in memory and drops it: the first parse in a JVM loads and initialises the YAML
     * and kubeconfig classes, which takes a while; done on a background thread, a thread that must not wait (the
     * wizard's JavaFX thread, which lists a kubeconfig's contexts) finds them ready. Never fails.
     *
     * @return whether the small kubeconfig was parsed (false: nothing was warmed up)
     */
    public static boolean warmUp() {
        try {
            return KubeConfigUtils.parseConfigFromString("apiVersion: v1\nkind: Config\ncurrent-context: warm-up\n"
                    + "clusters:\n- name: warm-up\n  cluster:\n    server: https://127.0.0.1:6443\n"
                    + "contexts:\n- name: warm-up\n  context:\n    cluster: warm-up\n    user: warm-up\n"
                    + "users:\n- name: warm-up\n  user: {}\n").getContexts().size() == 1;
        } catch (RuntimeException | LinkageError e) {
            return false;   // only a warm-up: the real parse reports its own problems
        }
    }

    static Config parse(Path kubeconfig) {
        if (kubeconfig == null || !Files.isRegularFile(kubeconfig)) {
            throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                    "no kubeconfig file at " + kubeconfig,
                    Fix.manual("log in with `oc login` (it writes ~/.kube/config), choose another file,"
                            + " or connect with an API URL and a token"), null);
        }
        try {
            return KubeConfigUtils.parseConfig(kubeconfig.toFile());
        } catch (RuntimeException e) {
            throw new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                    "cannot read the kubeconfig " + kubeconfig + ": " + e.getMessage(),
                    Fix.manual("check that the file is a valid kubeconfig (`oc config view --kubeconfig "
                            + kubeconfig + "`)"), e);
        }
    }
}
