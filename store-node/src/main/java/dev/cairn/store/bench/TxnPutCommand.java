package dev.cairn.store.bench;

import com.google.protobuf.ByteString;
import dev.cairn.proto.etcdserverpb.PutRequest;
import dev.cairn.proto.etcdserverpb.RequestOp;
import dev.cairn.proto.etcdserverpb.TxnRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench txn-put}: etcd benchmark's txn-put, transactions with no compares and {@code
 * --txn-ops} puts on consecutive keys.
 */
@Command(
    name = "txn-put",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Benchmark txn-put.")
final class TxnPutCommand implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  private static final byte[] NO_PREFIX = new byte[0];

  @ParentCommand BenchCommand bench;

  @Spec CommandSpec spec;

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of txn requests (default: ${DEFAULT-VALUE})")
  int total;

  @Option(
      names = "--key-size",
      defaultValue = "8",
      description = "Key size of txn put (default: ${DEFAULT-VALUE})")
  int keySize;

  @Option(
      names = "--val-size",
      defaultValue = "8",
      description = "Value size of txn put (default: ${DEFAULT-VALUE})")
  int valSize;

  @Option(
      names = "--key-space-size",
      defaultValue = "1",
      description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
  int keySpaceSize;

  @Option(
      names = "--txn-ops",
      defaultValue = "1",
      description = "Number of puts per txn (default: ${DEFAULT-VALUE})")
  int txnOps;

  @Override
  public Integer call() throws InterruptedException {
    if (keySpaceSize <= 0) {
      throw BenchCommand.usage(spec, "expected positive --key-space-size, got " + keySpaceSize);
    }
    if (txnOps < 1) {
      throw BenchCommand.usage(spec, "expected positive --txn-ops, got " + txnOps);
    }
    if (txnOps > keySpaceSize) {
      throw BenchCommand.usage(
          spec,
          "expected --txn-ops no larger than --key-space-size, got txn-ops("
              + txnOps
              + ") key-space-size("
              + keySpaceSize
              + ")");
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
    ByteString value = Keys.randomValue(valSize);
    int ops = txnOps;
    int space = keySpaceSize;
    int size = keySize;
    Report report =
        Benchmark.run(
            settings,
            total,
            (stub, i) -> {
              TxnRequest.Builder txn = TxnRequest.newBuilder();
              for (int j = 0; j < ops; j++) {
                long n = (i * ops + j) % space;
                txn.addSuccess(
                    RequestOp.newBuilder()
                        .setRequestPut(
                            PutRequest.newBuilder()
                                .setKey(Keys.key(NO_PREFIX, n, size))
                                .setValue(value)));
              }
              return stub.txn(txn.build());
            });
    report.print(System.out);
    return report.exitCode();
  }
}
