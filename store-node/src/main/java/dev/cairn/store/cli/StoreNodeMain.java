package dev.cairn.store.cli;

import dev.cairn.store.config.ConfigException;
import dev.cairn.store.config.EtcdEnvironment;
import java.io.PrintWriter;
import picocli.CommandLine;

/** The {@code store-node} command: serves a member, or runs one of its tools. */
public final class StoreNodeMain {
  /** Exit code for bad flags, as etcd uses. */
  static final int USAGE = 2;

  private StoreNodeMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    EtcdEnvironment env = new EtcdEnvironment(System.getenv());
    CommandLine cl = new CommandLine(new ServeCommand(env));
    cl.setDefaultValueProvider(env);
    // "--initial-cluster-token bench" names a token, not the bench subcommand.
    cl.setAllowSubcommandsAsOptionParameters(true);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("store-node: " + ex.getMessage());
          err.println("Run 'store-node --help' for the flags.");
          return USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          if (ex instanceof ConfigException) {
            c.getErr().println("store-node: " + ex.getMessage());
            return USAGE;
          }
          c.getErr().println("store-node: " + ex.getMessage());
          return 1;
        });
    return cl.execute(args);
  }
}
