package dev.cairn.store.linearizability;

import java.util.Objects;

/** A request on one key of etcd's KV API. */
public sealed interface KvInput {
  /** Stands for any value written and never read; no client writes it. */
  String UNREAD = "\u0000unread";

  String key();

  /** Whether the request may change the key. */
  default boolean isWrite() {
    return !(this instanceof Get);
  }

  record Put(String key, String value) implements KvInput {
    public Put {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }

  /** A linearizable range request for the key alone. */
  record Get(String key) implements KvInput {
    public Get {
      Objects.requireNonNull(key);
    }
  }

  record Delete(String key) implements KvInput {
    public Delete {
      Objects.requireNonNull(key);
    }
  }

  /**
   * A Txn that puts {@code value} if the key holds {@code expected}, or is absent when {@code
   * expected} is null.
   */
  record Cas(String key, String expected, String value) implements KvInput {
    public Cas {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }
}
