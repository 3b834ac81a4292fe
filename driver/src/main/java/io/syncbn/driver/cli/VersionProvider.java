package io.syncbn.driver.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version of the driver jar, from the Maven metadata the build puts into it. */
final class VersionProvider implements IVersionProvider {

    private static final String POM_PROPERTIES = "/META-INF/maven/io.syncbn/driver/pom.properties";

    @Override
    public String[] getVersion() throws IOException {
        try (InputStream in = VersionProvider.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return new String[] {"syncbn (version unknown: not running from a built jar)"};
            }
            Properties p = new Properties();
            p.load(in);
            return new String[] {"syncbn " + p.getProperty("version", "(version unknown)")};
        }
    }
}
