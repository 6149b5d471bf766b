package dev.maas.installer.stages.portal;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The models page of our portal content lists each model's tiers (its published application plans) with their limits,
 * using only the drops porta 3scale-2.15.1-GA has: service.application_plans (published plans,
 * lib/developer_portal/lib/liquid/drops/service.rb), plan.name and plan.approval_required? (drops/plan.rb),
 * plan.usage_limits (drops/application_plan.rb), limit.value, limit.period, limit.metric (drops/usage_limit.rb),
 * metric.name and metric.system_name (drops/metric.rb), plan.id (drops/plan.rb). Each plan has its own button to
 * porta's new application page with that plan chosen ({@code application[plan_id]}, see
 * {@link PortalPlanChoiceTest} for what porta does with it).
 */
class PortalTiersContentTest {
    private static final Set<String> PLAN_DROPS = Set.of("id", "name", "approval_required?", "usage_limits",
            "usage_limits.size"); // size: Liquid's own, on any array
    private static final Set<String> LIMIT_DROPS = Set.of("value", "period", "metric.name", "metric.system_name");

    private static String models() {
        return DefaultPortalContent.read().templateFromFile("models.html.liquid").orElseThrow().content();
    }

    @Test
    void theModelsPageListsEachPlansLimitsWithPortasDropsOnly() {
        String page = models();
        assertThat(page).contains("{% for plan in service.application_plans %}",
                "{% for limit in plan.usage_limits %}", "{{ limit.value }}",
                "{% if limit.metric.system_name == 'hits' %}requests{% else %}{{ limit.metric.name | downcase }}",
                "/{{ limit.period }}", "{% if plan.approval_required? %}",
                "the next page still lets you review or change the plan.");
        assertThat(page).as("one button per plan, with porta's parameters of the new application page")
                .contains("{% for plan in service.application_plans %}\n                <a class=\"button\" href=\""
                        + PortalPlanChoiceTest.PLAN_LINK + "\">Get a key for {{ service.name }} on {{ plan.name }}</a>");
        assertThat(used(page, "plan")).isSubsetOf(PLAN_DROPS);
        assertThat(used(page, "limit")).isSubsetOf(LIMIT_DROPS);
    }

    @Test
    void theModelsPagesBlocksAreClosed() {
        Matcher tag = Pattern.compile("\\{%-?\\s*(\\w+)").matcher(models());
        Deque<String> open = new ArrayDeque<>();
        Set<String> blocks = Set.of("for", "if", "unless", "comment", "case");
        while (tag.find()) {
            String t = tag.group(1);
            if (blocks.contains(t)) {
                open.push(t);
            } else if (t.startsWith("end")) {
                assertThat(open).as("closing " + t).isNotEmpty();
                assertThat("end" + open.pop()).isEqualTo(t);
            }
        }
        assertThat(open).isEmpty();
    }

    /** The members of a loop variable the page reads: "name", "metric.system_name", ... (comments left out). */
    private static Set<String> used(String page, String variable) {
        String code = page.replaceAll("(?s)\\{% comment %}.*?\\{% endcomment %}", "");
        Matcher m = Pattern.compile("\\b" + variable + "\\.([a-z_]+\\??(?:\\.[a-z_]+\\??)?)").matcher(code);
        Set<String> out = new TreeSet<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
