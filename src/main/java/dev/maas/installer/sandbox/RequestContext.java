package dev.maas.installer.sandbox;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;

/** What the request being handled asked for, and the warnings its response carries. */
final class RequestContext {
    /** The context of the request this thread is handling. */
    static final ThreadLocal<RequestContext> CONTEXT = new ThreadLocal<>();

    final String fieldValidation;
    final String patchType;
    /** The patch (set when it is read: reading a request's body consumes it). */
    String patchBody;
    final List<String> warnings = new ArrayList<>();

    private RequestContext(String fieldValidation, String patchType) {
        this.fieldValidation = fieldValidation;
        this.patchType = patchType;
    }

    static RequestContext of(RecordedRequest request) {
        String path = String.valueOf(request.getPath());
        ApiTarget t = ApiTarget.parse(path);
        // apiserver pkg/endpoints/handlers/rest.go fieldValidation: Warn unless the request says otherwise
        String directive = t.query().getOrDefault("fieldValidation", "");
        if (directive.isEmpty()) {
            directive = "Warn";
        }
        String type = null;
        if (request.method() == HttpMethod.PATCH) {
            String ct = request.getHeader("Content-Type");
            type = ct == null ? "application/json-patch+json" : ct.split(";")[0].trim();
        }
        return new RequestContext(directive, type);
    }
}
