package dev.cairn.backup.cli;

import dev.cairn.store.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code backup-agent} command. */
@Command(
    name = "backup-agent",
    mixinStandardHelpOptions = true,
    versionProvider = BackupAgentMain.Version.class,
    description =
        "Backs a Cairn cluster up to S3-compatible object storage, lists, prunes and deletes"
            + " backups, and restores a backup into the members of a new cluster.",
    subcommands = {
      BackupCommand.class,
      ListCommand.class,
      PruneCommand.class,
      DeleteCommand.class,
      RestoreCommand.class
    })
public final class BackupAgentMain implements Runnable {
  /** Bad flags, as etcd's tools exit. */
  static final int USAGE = 2;

  /** A backup, list, prune or restore that did not complete. */
  static final int FAILED = 1;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new BackupAgentMain());
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("backup-agent: " + ex.getMessage());
          err.println(
              "Run '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help' for the flags.");
          return USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println("backup-agent: " + ex.getMessage());
          if (ex instanceof IllegalArgumentException || ex instanceof ConfigException) {
            return USAGE;
          }
          if (!(ex instanceof IOException)) {
            ex.printStackTrace(c.getErr());
          }
          return FAILED;
        });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = BackupAgentMain.class.getPackage().getImplementationVersion();
      return new String[] {"backup-agent " + (v == null ? "(development build)" : v)};
    }
  }
}
