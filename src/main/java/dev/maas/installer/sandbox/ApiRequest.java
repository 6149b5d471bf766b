package dev.maas.installer.sandbox;

import java.util.Locale;

/**
 * One request the sandbox's API server answered for the installer's user (requests of the cluster's own components,
 * the seed and the simulated operators, are not logged). Tests use the log to prove that a run wrote nothing.
 *
 * @param method HTTP method
 * @param path   the request path with its query string
 * @param status the HTTP status answered
 */
public record ApiRequest(String method, String path, int status) {
    /**
     * Whether the request asks to change state: POST, PUT, PATCH or DELETE, except the review resources a client
     * POSTs to ask a question (SelfSubjectAccessReview, SelfSubjectRulesReview, TokenReview, SubjectAccessReview).
     */
    public boolean isWrite() {
        String m = method.toUpperCase(Locale.ROOT);
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) {
            return false;
        }
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return !(m.equals("POST") && p.matches(".*/(selfsubjectaccessreviews|selfsubjectrulesreviews|tokenreviews"
                + "|subjectaccessreviews|localsubjectaccessreviews)/?$"));
    }

    /** A write the server accepted (2xx). */
    public boolean isAcceptedWrite() {
        return isWrite() && status >= 200 && status < 300;
    }

    @Override
    public String toString() {
        return method + " " + path + " -> " + status;
    }
}
