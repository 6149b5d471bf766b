package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One mapping rule of a promoted configuration ({@code proxy.proxy_rules[]}), matched as APIcast matches it
 * (APIcast gateway/src/apicast/mapping_rule.lua): the HTTP method must be equal (or the rule's {@code ANY}); the
 * pattern, "regexpified", must match at the start of the request's URI; every query-string parameter of the rule
 * must be present with the same value (a {@code {variable}} value only needs to be present).
 *
 * @param method            {@code http_method}
 * @param pattern           {@code pattern}, as porta wrote it
 * @param metric            {@code metric_system_name}
 * @param delta             {@code delta}
 * @param last              {@code last}: no later rule is tried after this one matched
 * @param querystring       {@code querystring_parameters}
 */
public record MappingRule(String method, String pattern, String metric, int delta, boolean last,
                          Map<String, String> querystring, Pattern regex) {
    static final String ANY = "ANY";
    private static final Pattern VARIABLE = Pattern.compile("^\\{[-\\w_]+\\}$");

    /** A rule from a {@code proxy_rules} entry; null when its pattern is not a valid regular expression. */
    static MappingRule from(JsonNode rule) {
        Map<String, String> query = new java.util.LinkedHashMap<>();
        rule.path("querystring_parameters").fields().forEachRemaining(e ->
                query.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        String pattern = rule.path("pattern").asText("");
        Pattern regex;
        try {
            regex = Pattern.compile("^" + regexpify(pattern));
        } catch (PatternSyntaxException e) {
            return null; // ngx.re.match fails to compile: the rule never matches
        }
        return new MappingRule(rule.path("http_method").asText(""), pattern,
                rule.path("metric_system_name").asText(null), rule.path("delta").asInt(0),
                rule.path("last").asBoolean(false), query, regex);
    }

    /**
     * mapping_rule.lua#regexpify: duplicate slashes collapsed, the query part dropped, each {@code {variable}}
     * replaced by {@code [\w-.~%!$&'()*+,;=@:]+} and every dot escaped; any other character stays a regular
     * expression character (a {@code $} at the end anchors the rule).
     */
    static String regexpify(String pattern) {
        String p = pattern.replaceAll("//+", "/");
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        // the variable class, written for java.util.regex (the '-' escaped, '.' literal inside a class)
        p = p.replaceAll("\\{.+?\\}", Matcher.quoteReplacement("([\\w\\-.~%!$&'()*+,;=@:]+)"));
        // dots outside the inserted class are escaped; inside a class an escaped dot means the same
        return p.replace(".", "\\.");
    }

    /** mapping_rule.lua#matches. {@code args}: the request's query (the last value of a repeated parameter). */
    boolean matches(String requestMethod, String uri, Map<String, List<String>> args) {
        if (!(ANY.equals(method) || method.equals(requestMethod))) {
            return false;
        }
        if (!regex.matcher(uri).lookingAt()) {
            return false;
        }
        // matches_querystring_params
        for (Map.Entry<String, String> e : querystring.entrySet()) {
            List<String> values = args.getOrDefault(e.getKey(), List.of());
            String expected = e.getValue() == null ? "" : e.getValue();
            if (VARIABLE.matcher(expected).find()) {
                if (values.isEmpty()) {
                    return false;
                }
            } else if (values.isEmpty() || !values.get(values.size() - 1).equals(expected)) {
                return false;
            }
        }
        return true;
    }

    /**
     * mapping_rules_matcher.lua#get_usage_from_matches: every rule that matches, in order, adds its metric's delta;
     * a matching rule marked {@code last} ends the search. Returns the matched rules (empty: no match).
     */
    static List<MappingRule> matching(List<MappingRule> rules, String method, String uri,
                                      Map<String, List<String>> args) {
        List<MappingRule> out = new ArrayList<>();
        for (MappingRule r : rules) {
            if (r.matches(method, uri, args)) {
                out.add(r);
                if (r.last) {
                    break;
                }
            }
        }
        return out;
    }
}
