package dev.maas.installer;

/**
 * Entry point of the jar and of the packaged launcher. Without arguments it opens the wizard; with arguments it
 * runs the CLI without starting JavaFX. It does not extend {@code javafx.application.Application}, so that
 * {@code java -jar} works with JavaFX on the class path, and it loads nothing heavy before it has decided.
 */
public final class Main {
    private Main() { }

    public static void main(String[] args) {
        if (args.length == 0) {
            dev.maas.installer.ui.WizardApp.launchWizard(args); // the wizard names docs through Docs.file when needed
        } else {
            dev.maas.installer.engine.Docs.install(); // the CLI's help texts read the docs folder from a property
            System.exit(dev.maas.installer.cli.Cli.run(args));
        }
    }
}
