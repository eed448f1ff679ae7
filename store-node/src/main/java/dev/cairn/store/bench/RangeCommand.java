package dev.cairn.store.bench;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.RangeRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bench range KEY [END]}: etcd benchmark's range, the same request every time. */
@Command(
    name = "range",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Benchmark range.")
final class RangeCommand implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @ParentCommand BenchCommand bench;

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..2",
      paramLabel = "KEY [END]",
      description = "The key, and the end of the range (exclusive) to read a range")
  List<String> args = new ArrayList<>();

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of range requests (default: ${DEFAULT-VALUE})")
  int total;

  @Option(
      names = "--consistency",
      defaultValue = "l",
      description = "Linearizable(l) or Serializable(s) (default: ${DEFAULT-VALUE})")
  String consistency;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Maximum number of results to return from range request (0 is no limit)")
  long limit;

  @Option(names = "--count-only", description = "Only returns the count of keys")
  boolean countOnly;

  @Option(names = "--keys-only", description = "Only returns the keys")
  boolean keysOnly;

  @Option(names = "--prefix", description = "Range over all keys with the given key as prefix")
  boolean prefix;

  @Override
  public Integer call() throws InterruptedException {
    if (args.size() > 2 || (args.isEmpty() && !prefix)) {
      throw BenchCommand.usage(spec, "expected KEY [END]");
    }
    if (countOnly && keysOnly) {
      throw BenchCommand.usage(
          spec, "`--keys-only` and `--count-only` cannot be set at the same time");
    }
    if (total < 0 || limit < 0) {
      throw BenchCommand.usage(spec, "--total and --limit must not be negative");
    }
    boolean serializable;
    switch (consistency) {
      case "l" -> serializable = false;
      case "s" -> serializable = true;
      default ->
          throw BenchCommand.usage(
              spec, "--consistency must be l (linearizable) or s (serializable)");
    }
    Benchmark.Settings settings = bench.settings(spec);
    RangeRequest request = request(serializable);
    System.out.println(
        serializable ? "bench with serializable range" : "bench with linearizable range");
    Report report = Benchmark.run(settings, total, (stub, i) -> stub.range(request));
    report.print(System.out);
    return report.exitCode();
  }

  private RangeRequest request(boolean serializable) {
    byte[] key = args.isEmpty() ? new byte[0] : args.get(0).getBytes(StandardCharsets.UTF_8);
    RangeRequest.Builder b = RangeRequest.newBuilder().setSerializable(serializable);
    if (limit > 0) {
      b.setLimit(limit);
    }
    b.setCountOnly(countOnly).setKeysOnly(keysOnly);
    if (prefix) {
      if (key.length == 0) {
        // clientv3.WithPrefix on "": every key.
        b.setKey(ByteString.copyFrom(new byte[] {0}))
            .setRangeEnd(ByteString.copyFrom(new byte[] {0}));
      } else {
        b.setKey(ByteString.copyFrom(key)).setRangeEnd(ByteString.copyFrom(prefixEnd(key)));
      }
    } else {
      b.setKey(ByteString.copyFrom(key));
      if (args.size() == 2 && !args.get(1).isEmpty()) {
        b.setRangeEnd(ByteString.copyFromUtf8(args.get(1)));
      }
    }
    return b.build();
  }

  /** clientv3.GetPrefixRangeEnd: the first key after every key starting with {@code key}. */
  static byte[] prefixEnd(byte[] key) {
    for (int i = key.length - 1; i >= 0; i--) {
      if (key[i] != (byte) 0xff) {
        byte[] end = java.util.Arrays.copyOf(key, i + 1);
        end[i]++;
        return end;
      }
    }
    return new byte[] {0};
  }
}
