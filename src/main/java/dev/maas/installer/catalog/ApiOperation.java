package dev.maas.installer.catalog;

import java.util.Locale;

/**
 * One operation of a model's API: an HTTP method and a path such as {@code /v1/models/{model}} (path parameters
 * in braces, as both OpenAPI and 3scale mapping rules write them), with the document's summary (may be empty).
 */
public record ApiOperation(String httpMethod, String path, String summary) {
    public ApiOperation {
        httpMethod = httpMethod.toUpperCase(Locale.ROOT);
        summary = summary == null ? "" : summary.strip();
    }

    /**
     * The summary's first sentence without its final period ("Get Embeddings. Returns a 424 ..." → "Get
     * Embeddings"), the 3scale method's friendly name.
     */
    public String shortSummary() {
        int end = summary.indexOf(". ");
        String s = end < 0 ? summary : summary.substring(0, end);
        return s.endsWith(".") ? s.substring(0, s.length() - 1).strip() : s.strip();
    }

    /** "POST /v1/chat/completions". */
    public String label() { return httpMethod + " " + path; }
}
