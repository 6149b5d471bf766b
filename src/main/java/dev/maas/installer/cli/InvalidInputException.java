package dev.maas.installer.cli;

/** Bad command-line input or configuration found by the CLI itself: printed on stderr, exit code 2. */
final class InvalidInputException extends RuntimeException {
    InvalidInputException(String message) {
        super(message);
    }
}
