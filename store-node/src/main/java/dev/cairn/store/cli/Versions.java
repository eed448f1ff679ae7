package dev.cairn.store.cli;

import picocli.CommandLine;

/** What {@code --version} prints. */
public final class Versions implements CommandLine.IVersionProvider {
  /** The etcd API version this member is compatible with, as clients see it. */
  public static final String ETCD_API_VERSION = "3.5.17";

  @Override
  public String[] getVersion() {
    String own = Versions.class.getPackage().getImplementationVersion();
    return new String[] {
      "Cairn store-node " + (own == null ? "development build" : own),
      "etcd API: " + ETCD_API_VERSION,
      "Java: " + System.getProperty("java.version")
    };
  }
}
