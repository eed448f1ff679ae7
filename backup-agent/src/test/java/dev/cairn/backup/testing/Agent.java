package dev.cairn.backup.testing;

import dev.cairn.backup.cli.BackupAgentMain;
import dev.cairn.store.testing.CapturedRun;

/** Runs {@code backup-agent} in the test JVM, capturing what it prints. */
public final class Agent {
  private Agent() {}

  public static CapturedRun.Result run(String... args) {
    return CapturedRun.run(BackupAgentMain::run, args);
  }
}
