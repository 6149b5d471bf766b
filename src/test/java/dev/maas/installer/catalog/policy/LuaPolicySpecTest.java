package dev.maas.installer.catalog.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs the busted specs of the bundled APIcast policies ({@code src/test/lua}) under a real Lua: Debian's
 * {@code luajit} (the Lua of APIcast's OpenResty) with {@code lua-busted} and the real {@code lua-cjson}, against
 * stubs of the APIcast modules the policies use ({@code src/test/lua/stubs}).
 *
 * <p>The same command runs them by hand from the repository root:
 * {@code busted --lua=luajit --helper=src/test/lua/helper.lua src/test/lua}.
 */
class LuaPolicySpecTest {
    static final String PACKAGES = "luajit lua-busted lua-cjson";
    private static final Path SPECS = Path.of("src/test/lua");
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path tmp;

    @Test
    void theSpecsOfTheBundledPoliciesPassUnderLuajit() throws Exception {
        requireOnPath("busted");
        requireOnPath("luajit");
        Run cjson = run(tmp, List.of("luajit", "-e", "require('cjson.safe')"));
        assertThat(cjson.exit).as("luajit cannot load cjson (%s); install the Debian packages: sudo apt-get install"
                + " %s", cjson.stderr.strip(), PACKAGES).isZero();

        Path root = Path.of("").toAbsolutePath();
        Run busted = run(tmp, List.of("busted", "--lua=luajit", "--helper=src/test/lua/helper.lua", "-o", "json",
                SPECS.toString()));
        JsonNode result;
        try {
            result = new ObjectMapper().readTree(busted.stdout);
        } catch (IOException e) {
            throw new AssertionError("busted did not print its JSON report (exit " + busted.exit + "):\n"
                    + busted.stdout + "\n" + busted.stderr, e);
        }
        List<String> problems = new ArrayList<>();
        for (String kind : List.of("failures", "errors")) {
            for (JsonNode f : result.path(kind)) {
                problems.add(kind + ": " + f.path("name").asText() + "\n    " + f.path("message").asText());
            }
        }
        assertThat(problems).as("busted specs under %s", root.resolve(SPECS)).isEmpty();
        assertThat(busted.exit).as("busted exit status; stderr:\n%s", busted.stderr).isZero();

        List<String> passed = new ArrayList<>();
        result.path("successes").forEach(s -> passed.add(s.path("name").asText()));
        assertThat(passed).as("specs that passed").isNotEmpty();
        assertThat(passed).as("both bundled policies have specs")
                .anyMatch(n -> n.startsWith("llm-token-usage "))
                .anyMatch(n -> n.startsWith("remove-bearer "));
        assertThat(result.path("pendings").size()).as("pending (skipped) specs").isZero();
    }

    @Test
    void aMissingProgramFailsNamingTheDebianPackagesToInstall() {
        assertThatThrownBy(() -> requireOnPath("busted", tmp.toString()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("busted was not found on the PATH")
                .hasMessageContaining("apt-get install --no-install-recommends luajit lua-busted lua-cjson");
    }

    private static void requireOnPath(String program) {
        requireOnPath(program, System.getenv().getOrDefault("PATH", ""));
    }

    private static void requireOnPath(String program, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        throw new AssertionError(program + " was not found on the PATH: the Lua tests of the APIcast policies need"
                + " it. Install the Debian packages: sudo apt-get install --no-install-recommends " + PACKAGES);
    }

    private record Run(int exit, String stdout, String stderr) { }

    private static Run run(Path tmp, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("MAAS_LUA_ROOT", Path.of("").toAbsolutePath().toString());
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s:\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
