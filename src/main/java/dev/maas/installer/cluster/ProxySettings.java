package dev.maas.installer.cluster;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The HTTPS proxy used to reach the cluster API. Defaults come from {@code HTTPS_PROXY}/{@code https_proxy} and
 * {@code NO_PROXY}/{@code no_proxy}; the user may edit them on the connection page or with CLI flags.
 *
 * @param httpsProxy proxy URL such as {@code http://proxy.example.com:3128}, or null for a direct connection
 * @param noProxy    host names, domain suffixes ({@code .example.com}) or IP addresses reached directly
 */
public record ProxySettings(String httpsProxy, List<String> noProxy) {
    public static final ProxySettings NONE = new ProxySettings(null, List.of());

    public ProxySettings {
        httpsProxy = httpsProxy == null || httpsProxy.isBlank() ? null : httpsProxy.trim();
        noProxy = noProxy == null ? List.of() : noProxy.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public static ProxySettings fromEnvironment() { return fromEnvironment(System.getenv()); }

    static ProxySettings fromEnvironment(Map<String, String> env) { return fromEnvironment(env::get); }

    /** From {@code HTTPS_PROXY}/{@code https_proxy} and {@code NO_PROXY}/{@code no_proxy}, read through {@code env}. */
    public static ProxySettings fromEnvironment(Function<String, String> env) {
        String proxy = first(env, "HTTPS_PROXY", "https_proxy");
        String no = first(env, "NO_PROXY", "no_proxy");
        return new ProxySettings(proxy, no == null ? List.of() : Arrays.asList(no.split(",")));
    }

    private static String first(Function<String, String> env, String... names) {
        for (String n : names) {
            String v = env.apply(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** Whether the host is reached without the proxy. */
    public boolean bypasses(String host) {
        if (httpsProxy == null) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : noProxy) {
            String e = entry.toLowerCase(Locale.ROOT);
            if (e.equals("*")) {
                return true;
            }
            if (e.startsWith("*.")) {
                e = e.substring(1);
            }
            if (e.startsWith(".") ? h.endsWith(e) || h.equals(e.substring(1)) : h.equals(e) || h.endsWith("." + e)) {
                return true;
            }
        }
        return false;
    }

    /** The java.net proxy for a host, for the certificate probe. */
    public Proxy proxyFor(String host) {
        if (bypasses(host)) {
            return Proxy.NO_PROXY;
        }
        URI uri = URI.create(httpsProxy.contains("://") ? httpsProxy : "http://" + httpsProxy);
        int port = uri.getPort() > 0 ? uri.getPort() : 3128;
        return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(uri.getHost(), port));
    }

    /** The proxy URL without any user:password part, for display. */
    public String display() {
        if (httpsProxy == null) {
            return "direct";
        }
        return httpsProxy.replaceAll("//[^@/]*@", "//");
    }
}
