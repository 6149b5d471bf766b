package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The routing policy as porta writes it for backends used at a sub-path (porta
 * app/lib/backend_api_logic/routing_policy.rb), applied as APIcast applies it (APIcast
 * gateway/src/apicast/policy/routing/upstream_selector.lua and rule.lua): the first rule whose condition holds gives
 * the upstream; a {@code replace_path} is rendered and appended to the upstream's path, and the request's own path
 * dropped. Conditions on the path ({@code match: path}, ops {@code ==}, {@code !=}, {@code matches}; combined
 * with {@code and}, or {@code or} when {@code combine_op} says so, apicast/conditions/condition.lua) and the
 * {@code {{uri | remove_first: '...'}}} template are what porta writes; a rule with anything else never matches.
 */
final class Routing {
    private static final Pattern REMOVE_FIRST = Pattern.compile("^\\{\\{\\s*uri\\s*\\|\\s*remove_first:\\s*'([^']*)'\\s*\\}\\}$");

    private Routing() { }

    /** The upstream a rule chose, and the path to send there (null: the request's path, prefixed). */
    record Route(URI upstream, String replacedPath) { }

    static Route select(JsonNode config, String uri) {
        if (config == null) {
            return null;
        }
        for (JsonNode rule : config.path("rules")) {
            String url = rule.path("url").asText("");
            if (url.isEmpty() || !holds(rule.path("condition"), uri)) {
                continue;
            }
            URI upstream;
            try {
                upstream = URI.create(url);
            } catch (IllegalArgumentException e) {
                continue; // rule.lua: failed to initialize upstream, the rule is left out
            }
            String replace = rule.path("replace_path").asText(null);
            if (replace == null) {
                return new Route(upstream, null);
            }
            Matcher m = REMOVE_FIRST.matcher(replace.trim());
            if (!m.matches()) {
                continue;
            }
            String removed = uri.replaceFirst(Pattern.quote(m.group(1)), "");
            return new Route(upstream, removed);
        }
        return null;
    }

    private static boolean holds(JsonNode condition, String uri) {
        List<Boolean> results = new ArrayList<>();
        for (JsonNode op : condition.path("operations")) {
            if (!op.path("match").asText().equals("path")) {
                return false;
            }
            String value = op.path("value").asText("");
            results.add(switch (op.path("op").asText()) {
                case "==" -> uri.equals(value);
                case "!=" -> !uri.equals(value);
                case "matches" -> {
                    try {
                        yield Pattern.compile(value).matcher(uri).find();
                    } catch (PatternSyntaxException e) {
                        yield false;
                    }
                }
                default -> false;
            });
        }
        boolean or = condition.path("combine_op").asText("and").equals("or");
        // condition.lua: "and" over no operations is true, "or" over none false
        return or ? results.contains(Boolean.TRUE) : !results.contains(Boolean.FALSE);
    }
}
