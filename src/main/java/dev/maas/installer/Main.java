package dev.maas.installer;

/**
 * Entry point of the jar and of the packaged launcher. Without arguments it opens the wizard; with arguments it
 * runs the CLI without starting JavaFX. It does not extend {@code javafx.application.Application}, so that
 * {@code java -jar} works with JavaFX on the class path, and it loads nothing heavy before it has decided.
 */
public final class Main {
    private Main() { }

    public static void main(String[] args) {
        dev.maas.installer.engine.Docs.install();
        if (args.length == 0) {
            dev.maas.installer.ui.WizardApp.launchWizard(args);
        } else {
            System.exit(dev.maas.installer.cli.Cli.run(args));
        }
    }
}
