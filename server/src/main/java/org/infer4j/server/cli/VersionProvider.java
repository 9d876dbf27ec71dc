package org.infer4j.server.cli;

import picocli.CommandLine;

/** The version from the jar's manifest, or the development version when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"infer4j " + (version == null ? "0.1.0-SNAPSHOT" : version)};
    }
}
