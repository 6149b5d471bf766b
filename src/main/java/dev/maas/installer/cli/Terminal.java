package dev.maas.installer.cli;

import java.io.Console;

/** Where apply asks for confirmation. The real one is {@link System#console()}; tests pass their own. */
interface Terminal {
    /** Whether a person can be asked (a console is attached). */
    boolean interactive();

    /** Shows the prompt and reads one line; null at end of input. */
    String readLine(String prompt);

    /** The process's console, or a non-interactive terminal when there is none (pipes, CI). */
    static Terminal system() {
        Console console = System.console();
        return new Terminal() {
            @Override
            public boolean interactive() { return console != null; }

            @Override
            public String readLine(String prompt) {
                return console == null ? null : console.readLine("%s", prompt);
            }
        };
    }
}
