package dev.cairn.store.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** A load generator with etcd benchmark's options. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark an etcd-compatible cluster.")
public final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
