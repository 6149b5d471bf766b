package dev.maas.installer.catalog;

import java.util.Locale;

/**
 * Stable 3scale names for API operations. A method's system_name depends only on the HTTP method and the path:
 * lower case, every run of characters other than letters and digits becomes one '_', path parameters keep their
 * name ({@code GET /v1/models/{model}} → {@code get_v1_models_model}), the root path is {@code root}.
 */
public final class MethodNames {
    private MethodNames() { }

    public static String systemName(ApiOperation op) {
        return systemName(op.httpMethod(), op.path());
    }

    public static String systemName(String httpMethod, String path) {
        String p = path.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return httpMethod.toLowerCase(Locale.ROOT) + "_" + (p.isEmpty() ? "root" : p);
    }

    /** The 3scale mapping rule pattern of a path: exact match, so the path followed by '$'. */
    public static String pattern(String path) {
        return path + "$";
    }
}
