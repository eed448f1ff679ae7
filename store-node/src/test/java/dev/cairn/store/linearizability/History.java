package dev.cairn.store.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Operations recorded by concurrent clients, timed with {@link System#nanoTime()}. */
public final class History<I, O> {
  private final ConcurrentLinkedQueue<Operation<I, O>> ops = new ConcurrentLinkedQueue<>();

  /** Notes the call time; finish with one of the returned handle's methods. */
  public Call call(int client, I input) {
    return new Call(client, input, System.nanoTime());
  }

  public void add(Operation<I, O> op) {
    ops.add(op);
  }

  /** The operations recorded so far, by call time. */
  public List<Operation<I, O>> operations() {
    List<Operation<I, O>> copy = new ArrayList<>(ops);
    copy.sort(Comparator.comparingLong(Operation::callNanos));
    return copy;
  }

  public int size() {
    return ops.size();
  }

  /** An operation under way. */
  public final class Call {
    private final int client;
    private final I input;
    private final long callNanos;

    private Call(int client, I input, long callNanos) {
      this.client = client;
      this.input = input;
      this.callNanos = callNanos;
    }

    public void returned(O output) {
      add(Operation.completed(client, input, output, callNanos, System.nanoTime()));
    }

    /** It failed in a way that leaves open whether it took effect. */
    public void unknown() {
      add(Operation.unknown(client, input, callNanos));
    }

    // A call that certainly had no effect (a failed read) is simply never finished.
  }
}
