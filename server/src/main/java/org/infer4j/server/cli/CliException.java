package org.infer4j.server.cli;

/** A command that cannot go on for a reason the user can fix; printed as one line, no stack trace. */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
