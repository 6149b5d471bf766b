package dev.maas.installer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.maas.installer.cluster.CertificateInfo;
import dev.maas.installer.cluster.ClusterException;
import dev.maas.installer.cluster.ConnectionSettings;
import dev.maas.installer.cluster.Kubeconfigs;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.config.InstallerConfig.ClusterConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The connection flags of plan, apply and verify, merged with the {@code cluster} section of the configuration
 * (flags win), checked and turned into the cluster package's {@link ConnectionSettings}. Only the choice is checked
 * here (files exist, the context exists, the token variable is set); connecting is {@link CliCluster}'s job.
 * The token is never a flag: it comes from an environment variable, so it appears neither in the shell history
 * nor in the process list.
 */
public final class ClusterConnectionOptions {
    /** The environment variable the token is read from unless {@code --token-env} names another. */
    public static final String DEFAULT_TOKEN_VARIABLE = "MAAS_CLUSTER_TOKEN";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig file to connect with (default: cluster.kubeconfig from the config, else"
                    + " $KUBECONFIG or ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "Kubeconfig context to use (default: cluster.context from the config, else the"
                    + " kubeconfig's current context).")
    String context;

    @Option(names = "--api-url", paramLabel = "URL",
            description = "Connect to this API server URL (e.g. https://api.cluster.example.com:6443) with a token"
                    + " instead of a kubeconfig (default: cluster.apiUrl from the config). The token is read from"
                    + " $" + DEFAULT_TOKEN_VARIABLE + " (see --token-env).")
    String apiUrl;

    @Option(names = "--token-env", paramLabel = "NAME",
            description = "Name of the environment variable holding the token for --api-url (default: "
                    + DEFAULT_TOKEN_VARIABLE + "). There is no flag that takes the token itself.")
    String tokenEnv;

    @Option(names = "--ca-file", paramLabel = "FILE",
            description = "PEM file with the CA certificate(s) of the API server, in addition to the system CAs"
                    + " and the kubeconfig's CA (default: cluster.caFile from the config).")
    Path caFile;

    @Option(names = "--trust-fingerprint", paramLabel = "SHA256",
            description = "Trust the API server's certificate if, and only if, its SHA-256 fingerprint is this one"
                    + " (hex, colons optional). Remembered for this cluster URL in the user's trust store.")
    String trustFingerprint;

    @Option(names = "--proxy", paramLabel = "URL",
            description = "HTTPS proxy for the API server (default: $HTTPS_PROXY). An empty value connects"
                    + " directly.")
    String proxy;

    @Option(names = "--no-proxy", paramLabel = "LIST",
            description = "Comma-separated hosts and domains reached without the proxy (default: $NO_PROXY).")
    String noProxy;

    /**
     * The checked choice.
     *
     * @param settings      what the cluster package connects with
     * @param tokenVariable the environment variable the token came from (null for a kubeconfig)
     * @param fingerprint   the canonical fingerprint to trust first (null: none)
     * @param clusterUrl    the API URL, when it is known before connecting (token, or the kubeconfig context's)
     * @param problem       why connecting cannot work (no kubeconfig at the default place), reported only when the
     *                      run connects; null when the choice is complete
     */
    record Choice(ConnectionSettings settings, String tokenVariable, String fingerprint, String clusterUrl,
                  ClusterException problem) { }

    /** The default kubeconfig is absent and nothing named one: not an error until something connects. */
    private static final class NoDefaultKubeconfig extends RuntimeException {
        final transient Path path;
        final ClusterException problem;

        NoDefaultKubeconfig(Path path, ClusterException problem) {
            super(problem.getMessage(), null, false, false);
            this.path = path;
            this.problem = problem;
        }
    }

    /**
     * Checks the flags and the configuration's {@code cluster} section.
     *
     * @param env     environment variables (the token, {@code KUBECONFIG}, {@code HTTPS_PROXY}, ...)
     * @param secrets where the token is registered so that no message shows it
     * @throws InvalidInputException naming the flag, config field or variable, and the fix
     */
    Choice resolve(ClusterConfig cluster, Function<String, String> env, SecretRegistry secrets) {
        ProxySettings proxySettings = proxy(env);
        Path ca = caFile(cluster);
        String fingerprint = fingerprint();
        boolean kubeconfigFlags = kubeconfig != null || !blank(context);
        if (!blank(apiUrl) && kubeconfigFlags) {
            throw new InvalidInputException("--api-url cannot be combined with --kubeconfig or --context: connect"
                    + " either with a kubeconfig or with an API URL and a token");
        }
        String url = null;
        String urlSource = null;
        if (!blank(apiUrl)) {
            url = apiUrl.trim();
            urlSource = "--api-url";
        } else if (!kubeconfigFlags && !blank(cluster.apiUrl())) {
            url = cluster.apiUrl().trim();
            urlSource = "cluster.apiUrl";
        }
        if (url == null) {
            if (tokenEnv != null) {
                throw new InvalidInputException("--token-env only goes with an API URL: add --api-url URL (or set"
                        + " cluster.apiUrl in the config), or leave --token-env out to use a kubeconfig");
            }
            String ctxName = !blank(context) ? context : blank(cluster.context()) ? null : cluster.context();
            try {
                Path file = kubeconfigFile(cluster, env);
                ConnectionSettings settings = new ConnectionSettings(file, ctxName, null, null, ca, proxySettings,
                        null);
                return new Choice(settings, null, fingerprint, kubeconfigUrl(file, ctxName), null);
            } catch (NoDefaultKubeconfig e) {
                // nothing was asked for: the error comes when the command connects
                ConnectionSettings settings = new ConnectionSettings(e.path, null, null, null, ca, proxySettings,
                        null);
                return new Choice(settings, null, fingerprint, null, e.problem);
            }
        }
        checkUrl(url, urlSource);
        String variable = blank(tokenEnv) ? DEFAULT_TOKEN_VARIABLE : tokenEnv.trim();
        if (!variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new InvalidInputException("--token-env: '" + variable + "' is not an environment variable name;"
                    + " give the name of the variable that holds the token (e.g. " + DEFAULT_TOKEN_VARIABLE
                    + "), never the token itself");
        }
        String token = env.apply(variable);
        if (blank(token)) {
            throw new InvalidInputException(urlSource + " " + url + " needs a token in the environment variable "
                    + variable + ", which is not set: log in with `oc login " + url + "` and run `export "
                    + variable + "=$(oc whoami -t)`, or connect with --kubeconfig instead");
        }
        token = token.trim();
        secrets.register(token);
        ConnectionSettings settings = new ConnectionSettings(null, null, url, token, ca, proxySettings, null);
        return new Choice(settings, variable, fingerprint, url, null);
    }

    private ProxySettings proxy(Function<String, String> env) {
        ProxySettings fromEnv = ProxySettings.fromEnvironment(env);
        String httpsProxy = proxy != null ? proxy : fromEnv.httpsProxy();
        List<String> bypass = noProxy != null ? Arrays.asList(noProxy.split(",")) : fromEnv.noProxy();
        if (httpsProxy != null && !httpsProxy.isBlank()) {
            try {
                URI u = new URI(httpsProxy.contains("://") ? httpsProxy.trim() : "http://" + httpsProxy.trim());
                if (u.getHost() == null) {
                    throw new URISyntaxException(httpsProxy, "no host");
                }
            } catch (URISyntaxException e) {
                throw new InvalidInputException((proxy != null ? "--proxy" : "HTTPS_PROXY")
                        + ": not a proxy URL (give e.g. http://proxy.example.com:3128)");
            }
        }
        return new ProxySettings(httpsProxy, bypass);
    }

    private Path caFile(ClusterConfig cluster) {
        String source = caFile != null ? "--ca-file" : "cluster.caFile";
        String file = caFile != null ? caFile.toString() : cluster.caFile();
        if (blank(file)) {
            return null;
        }
        Path path = Path.of(file).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidInputException(source + ": CA file not found or not readable: " + path
                    + " (give the PEM file of the cluster's CA, e.g. from `oc get configmap kube-root-ca.crt"
                    + " -n default -o jsonpath='{.data.ca\\.crt}'`)");
        }
        return path;
    }

    private String fingerprint() {
        if (blank(trustFingerprint)) {
            return null;
        }
        try {
            return CertificateInfo.normalizeFingerprint(trustFingerprint.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--trust-fingerprint: " + e.getMessage() + " (give the SHA-256"
                    + " fingerprint the error message or your cluster administrator shows, e.g. AB:CD:...)");
        }
    }

    private static void checkUrl(String url, String source) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidInputException(source + ": not a URL: " + url
                    + " (give the API server URL, e.g. https://api.cluster.example.com:6443)");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
            throw new InvalidInputException(source + ": not an API server URL: " + url
                    + " (give e.g. https://api.cluster.example.com:6443, as `oc whoami --show-server` prints it)");
        }
    }

    private Path kubeconfigFile(ClusterConfig cluster, Function<String, String> env) {
        String file;
        String source;
        if (kubeconfig != null) {
            file = kubeconfig.toString();
            source = "--kubeconfig";
        } else if (!blank(cluster.kubeconfig())) {
            file = cluster.kubeconfig();
            source = "cluster.kubeconfig";
        } else {
            file = null;
            source = null;
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
        Path path;
        if (file != null) {
            path = Path.of(file).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                throw new InvalidInputException(source + ": kubeconfig file not found: " + path
                        + " (give the path of an existing kubeconfig, or leave " + source
                        + " out to use $KUBECONFIG or ~/.kube/config)");
            }
        } else {
            path = Kubeconfigs.defaultPath(env).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                InvalidInputException none = new InvalidInputException((ctxSource == null ? "" : ctxSource + ": ")
                        + "no kubeconfig file was found (looked at " + path + "): log in with 'oc login' first,"
                        + " add --kubeconfig FILE, or connect with --api-url URL and a token in $"
                        + DEFAULT_TOKEN_VARIABLE);
                if (ctxSource != null) {
                    throw none;
                }
                throw new NoDefaultKubeconfig(path, new ClusterException(ClusterException.Kind.BAD_SETTINGS,
                        "no kubeconfig file was found (looked at " + path + ")",
                        Fix.manual("log in with 'oc login' first, add --kubeconfig FILE, or connect with --api-url"
                                + " URL and a token in $" + DEFAULT_TOKEN_VARIABLE), null));
            }
            source = "$KUBECONFIG";
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidInputException(source + ": " + path + " is not a readable file"
                    + " (give the path of a kubeconfig file and check its permissions)");
        }
        String contents;
        try {
            contents = Files.readString(path);
        } catch (IOException e) {
            throw new InvalidInputException(source + ": cannot read " + path + " (" + e.getClass()
                    .getSimpleName() + "; check its permissions)");
        }
        Set<String> known = contextNames(contents, path, source);
        if (ctxName != null && !known.contains(ctxName)) {
            throw new InvalidInputException(ctxSource + ": context '" + ctxName + "' is not in " + path
                    + (known.isEmpty() ? " (it defines no context): log in with 'oc login' or give another file"
                            + " with --kubeconfig FILE"
                            : ": use one of " + String.join(", ", known) + " (see 'oc config get-contexts')"));
        }
        return path;
    }

    /** The server URL of the chosen (or current) context, when the file names one. */
    private static String kubeconfigUrl(Path file, String ctxName) {
        try {
            return Kubeconfigs.contexts(file).stream()
                    .filter(c -> ctxName == null ? c.current() : c.name().equals(ctxName))
                    .map(c -> c.clusterUrl()).filter(u -> u != null && !u.isBlank()).findFirst().orElse(null);
        } catch (RuntimeException e) {
            return null; // the connection reports what is wrong with the file
        }
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

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}
