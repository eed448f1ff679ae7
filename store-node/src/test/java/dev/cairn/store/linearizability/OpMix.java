package dev.cairn.store.linearizability;

import java.util.random.RandomGenerator;

/** Relative weights of the kinds of request a workload sends. */
public record OpMix(int put, int get, int delete, int cas) {
  public enum Kind {
    PUT,
    GET,
    DELETE,
    CAS
  }

  public static final OpMix DEFAULT = new OpMix(30, 40, 10, 20);

  public OpMix {
    if (put < 0 || get < 0 || delete < 0 || cas < 0 || put + get + delete + cas == 0) {
      throw new IllegalArgumentException("weights must be non-negative and not all zero");
    }
  }

  public Kind pick(RandomGenerator random) {
    int r = random.nextInt(put + get + delete + cas);
    if (r < put) {
      return Kind.PUT;
    }
    if (r < put + get) {
      return Kind.GET;
    }
    return r < put + get + delete ? Kind.DELETE : Kind.CAS;
  }
}
