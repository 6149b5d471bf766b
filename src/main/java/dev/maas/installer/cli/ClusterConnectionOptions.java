package dev.maas.installer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig.ClusterConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --kubeconfig} and {@code --context}, merged with {@code cluster.kubeconfig} / {@code cluster.context} from
 * the configuration (flags win), turned into a lazily created fabric8 client registered in the stage context
 * ({@code Config.fromKubeconfig(context, file)}, or {@code Config.autoConfigure(context)} when no file is named).
 * Only the choice is checked up front (file exists, context exists); nothing connects until a stage asks.
 * Kept in this one class so that the connection handling can be replaced as a whole.
 */
public final class ClusterConnectionOptions {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig file to connect with (default: cluster.kubeconfig from the config, else"
                    + " $KUBECONFIG or ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "Kubeconfig context to use (default: cluster.context from the config, else the"
                    + " kubeconfig's current context).")
    String context;

    /** What was chosen, after checking it. {@code kubeconfigFile} null means: fabric8's auto-configuration. */
    record Connection(Path kubeconfigFile, String context) { }

    /**
     * Checks the kubeconfig file and context and registers a {@link KubernetesClient} factory in {@code ctx}.
     *
     * @throws InvalidInputException naming the flag or config field, and the fix
     */
    Connection install(StageContext ctx) {
        Connection connection = resolve(ctx.config().cluster());
        SecretRegistry secrets = ctx.secrets();
        ctx.provide(KubernetesClient.class, () -> {
            Config config = connection.kubeconfigFile() == null
                    ? Config.autoConfigure(connection.context())
                    : Config.fromKubeconfig(connection.context(), connection.kubeconfigFile().toFile());
            // credentials read from the kubeconfig are secrets of this run: mask them in every log and message
            secrets.register(config.getOauthToken());
            secrets.register(config.getAutoOAuthToken());
            secrets.register(config.getPassword());
            secrets.register(config.getClientKeyData());
            secrets.register(config.getClientKeyPassphrase());
            secrets.register(config.getProxyPassword());
            return new KubernetesClientBuilder().withConfig(config).build();
        });
        return connection;
    }

    Connection resolve(ClusterConfig cluster) {
        String file;
        String fileSource;
        if (kubeconfig != null) {
            file = kubeconfig.toString();
            fileSource = "--kubeconfig";
        } else if (!blank(cluster.kubeconfig())) {
            file = cluster.kubeconfig();
            fileSource = "cluster.kubeconfig";
        } else {
            file = null;
            fileSource = null;
        }
        String ctxName;
        String ctxSource;
        if (!blank(context)) {
            ctxName = context;
            ctxSource = "--context";
        } else if (!blank(cluster.context())) {
            ctxName = cluster.context();
            ctxSource = "cluster.context";
        } else {
            ctxName = null;
            ctxSource = null;
        }

        if (file != null) {
            Path path = Path.of(file).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                throw new InvalidInputException(fileSource + ": kubeconfig file not found: " + path
                        + " (give the path of an existing kubeconfig, or leave " + fileSource
                        + " out to use $KUBECONFIG or ~/.kube/config)");
            }
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new InvalidInputException(fileSource + ": " + path + " is not a readable file"
                        + " (give the path of a kubeconfig file and check its permissions)");
            }
            String contents;
            try {
                contents = Files.readString(path);
            } catch (IOException e) {
                throw new InvalidInputException(fileSource + ": cannot read " + path + " (" + e.getClass()
                        .getSimpleName() + "; check its permissions)");
            }
            if (ctxName != null) {
                Set<String> known = contextNames(contents, path, fileSource);
                if (!known.contains(ctxName)) {
                    throw unknownContext(ctxSource, ctxName, List.of(path), known);
                }
            }
            return new Connection(path, ctxName);
        }

        if (ctxName != null) {
            List<Path> files = new ArrayList<>();
            Set<String> known = new LinkedHashSet<>();
            for (String name : defaultKubeconfigFiles()) {
                Path p = Path.of(name);
                if (Files.isRegularFile(p) && Files.isReadable(p)) {
                    files.add(p);
                    try {
                        known.addAll(contextNames(Files.readString(p), p, "$KUBECONFIG"));
                    } catch (IOException e) {
                        throw new InvalidInputException("cannot read kubeconfig " + p + " (check its permissions,"
                                + " or give another file with --kubeconfig FILE)");
                    }
                }
            }
            if (files.isEmpty()) {
                throw new InvalidInputException(ctxSource + ": context '" + ctxName + "' was given but no kubeconfig"
                        + " file was found (looked at " + String.join(", ", defaultKubeconfigFiles())
                        + "): add --kubeconfig FILE or log in with 'oc login' first");
            }
            if (!known.contains(ctxName)) {
                throw unknownContext(ctxSource, ctxName, files, known);
            }
        }
        return new Connection(null, ctxName);
    }

    private static InvalidInputException unknownContext(String source, String name, List<Path> files,
                                                        Collection<String> known) {
        return new InvalidInputException(source + ": context '" + name + "' is not in "
                + String.join(", ", files.stream().map(Path::toString).toList())
                + (known.isEmpty() ? " (it defines no context): log in with 'oc login' or give another file"
                        + " with --kubeconfig FILE"
                        : ": use one of " + String.join(", ", known) + " (see 'kubectl config get-contexts')"));
    }

    /** The context names a kubeconfig defines. Parse errors never quote the file: it holds credentials. */
    private static Set<String> contextNames(String contents, Path path, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(contents);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new InvalidInputException(source + ": " + path + " is not a valid kubeconfig (YAML error" + where
                    + "): give a kubeconfig file such as the one 'oc login' writes");
        }
        Set<String> names = new LinkedHashSet<>();
        if (root != null && root.path("contexts").isArray()) {
            for (JsonNode c : root.path("contexts")) {
                String n = c.path("name").asText(null);
                if (n != null) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    private static List<String> defaultKubeconfigFiles() {
        return List.copyOf(Config.getKubeconfigFilenames());
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}
