package dev.cairn.store.bench;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.PutRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bench put}: etcd benchmark's put. */
@Command(
    name = "put",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Benchmark put.")
final class PutCommand implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @ParentCommand BenchCommand bench;

  @Spec CommandSpec spec;

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of put requests (default: ${DEFAULT-VALUE})")
  int total;

  @Option(
      names = "--key-size",
      defaultValue = "8",
      description = "Key size of put request (default: ${DEFAULT-VALUE})")
  int keySize;

  @Option(
      names = "--val-size",
      defaultValue = "8",
      description = "Value size of put request (default: ${DEFAULT-VALUE})")
  int valSize;

  @Option(
      names = "--key-space-size",
      defaultValue = "1",
      description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
  int keySpaceSize;

  @Option(names = "--sequential-keys", description = "Use sequential keys")
  boolean sequentialKeys;

  @Option(names = "--prefix", description = "Prefix for keys")
  String prefix;

  @Override
  public Integer call() throws InterruptedException {
    if (keySpaceSize <= 0) {
      throw BenchCommand.usage(spec, "expected positive --key-space-size, got " + keySpaceSize);
    }
    if (total < 0 || keySize < 1 || valSize < 0) {
      throw BenchCommand.usage(spec, "--total, --key-size and --val-size must not be negative");
    }
    try {
      Keys.checkFits(keySize, keySpaceSize);
    } catch (IllegalArgumentException e) {
      throw BenchCommand.usage(spec, e.getMessage());
    }
    Benchmark.Settings settings = bench.settings(spec);
    byte[] keyPrefix = prefix == null ? new byte[0] : prefix.getBytes(StandardCharsets.UTF_8);
    ByteString value = Keys.randomValue(valSize);
    int space = keySpaceSize;
    int size = keySize;
    boolean sequential = sequentialKeys;
    Report report =
        Benchmark.run(
            settings,
            total,
            (stub, i) -> {
              long n = sequential ? i % space : ThreadLocalRandom.current().nextInt(space);
              return stub.put(
                  PutRequest.newBuilder()
                      .setKey(Keys.key(keyPrefix, n, size))
                      .setValue(value)
                      .build());
            });
    report.print(System.out);
    return report.exitCode();
  }
}
