package dev.maas.installer.cli;

import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.usage.UsageReport;
import dev.maas.installer.threescale.ThreescaleApiException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code maas-installer usage}: the requests and tokens of each model and of each application with traffic, from
 * 3scale's analytics ({@link UsageReport}). Reads only.
 */
@Command(name = "usage", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Shows the requests and LLM tokens of each model, and of each application that called it, since"
                + " a moment (3scale's analytics). Reads only."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the usage was read", "1:3scale could not be read", "2:invalid input (configuration,"
                + " --since, an unknown --model)"})
final class UsageCommand implements Callable<Integer> {
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)([mhdw])");

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: ./" + StageCommand.DEFAULT_CONFIG + " if it exists, else"
                    + " built-in defaults).")
    Path configFile;

    @Option(names = "--model", paramLabel = "SYSTEM_NAME",
            description = "Only this model (its system name); repeat it for several. Default: every model.")
    List<String> models = new ArrayList<>();

    @Option(names = "--since", paramLabel = "24h|7d|DATE", defaultValue = "24h",
            description = "From when: a time ago (30m, 24h, 7d, 4w) or a UTC date or time (2026-01-31,"
                    + " 2026-01-31T08:00:00Z). Default: 24h.")
    String since;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "TEXT",
            description = "text (default) or json (see ${sys:maas.docs:-docs}/cli-json.md). JSON goes to stdout.")
    OutputFormat output;

    @Mixin
    ClusterConnectionOptions connection;

    private final CliEnvironment env;
    private final Clock clock;

    UsageCommand(CliEnvironment env) {
        this(env, Clock.systemUTC());
    }

    UsageCommand(CliEnvironment env, Clock clock) {
        this.env = env;
        this.clock = clock;
    }

    /** {@code --since} as an instant before {@code now}; a clear message naming the option when it is not one. */
    static Instant since(String text, Instant now) {
        String s = text == null ? "" : text.trim();
        Matcher m = RELATIVE.matcher(s);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                };
                return now.minus(d);
            }
            Instant t = s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(s);
            if (!t.isBefore(now)) {
                throw new InvalidInputException("--since: " + s + " is not in the past; give a time ago (24h, 7d)"
                        + " or an earlier UTC date");
            }
            return t;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidInputException("--since: '" + s + "' is neither a time ago (30m, 24h, 7d, 4w) nor a UTC"
                    + " date or time (2026-01-31, 2026-01-31T08:00:00Z)");
        }
    }

    @Override
    public Integer call() {
        Instant now = clock.instant();
        Instant from = since(since, now);
        InstallerConfig config = loadConfig();
        ClusterConnectionOptions.Choice choice = connection.resolve(config.cluster(), env.env(),
                SecretRegistry.global());
        CliCluster cluster = new CliCluster(choice, TrustStore.userDefault(env.env()), this::err);
        try (StageContext ctx = new StageContext(config, SecretRegistry.global(), new Cancellation())) {
            cluster.install(ctx);
            UsageReport report;
            try {
                report = UsageReport.read(ctx, models, from, now);
            } catch (StageException e) {
                err("error: " + e.getMessage());
                if (e.fix() != null) {
                    err("fix: " + e.fix().hint());
                }
                return e.invalidInput() ? ExitCodes.INVALID_INPUT : ExitCodes.FAILURE;
            } catch (ThreescaleApiException e) {
                err("error: 3scale's analytics could not be read: " + SecretRegistry.global().redact(e.getMessage()));
                return ExitCodes.FAILURE;
            }
            StageCommand.print(out(), output == OutputFormat.JSON ? report.toJson() : report.toText());
            out().flush();
            return ExitCodes.OK;
        }
    }

    private InstallerConfig loadConfig() {
        return StageCommand.loadConfig(configFile, env);
    }

    private PrintWriter out() { return spec.commandLine().getOut(); }

    private void err(String line) {
        StageCommand.print(spec.commandLine().getErr(), line + "\n");
    }
}
