package dev.cairn.store.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Messages on the wire between simulated nodes, and the links that currently lose them. Nothing is
 * delivered by itself: the cluster picks which message arrives next, which is how a test or a
 * random schedule decides on delays and reordering.
 */
final class SimulatedNetwork {
  /**
   * A message in flight.
   *
   * @param senderLife the life (restart count) of the sender when it sent the message, so that
   *     delivery reports reach only the node that sent it
   */
  record Envelope(Message message, int senderLife) {}

  private final List<Envelope> inFlight = new ArrayList<>();

  /** Directed links that drop everything; only looked up, never iterated. */
  private final Set<Long> blocked = new HashSet<>();

  void send(Envelope e) {
    inFlight.add(e);
  }

  int size() {
    return inFlight.size();
  }

  boolean isEmpty() {
    return inFlight.isEmpty();
  }

  Envelope take(int i) {
    return inFlight.remove(i);
  }

  void insert(int i, Envelope e) {
    inFlight.add(i, e);
  }

  /** The messages in flight, oldest first. */
  List<Message> messages() {
    return inFlight.stream().map(Envelope::message).toList();
  }

  boolean isBlocked(long from, long to) {
    return blocked.contains(link(from, to));
  }

  /** Drops everything {@code from} sends to {@code to} until healed; the other way still works. */
  void blockOneWay(long from, long to) {
    blocked.add(link(from, to));
  }

  /** Cuts every link between the two groups, both ways. */
  void split(Collection<Long> side, Collection<Long> otherSide) {
    for (long a : side) {
      for (long b : otherSide) {
        blockOneWay(a, b);
        blockOneWay(b, a);
      }
    }
  }

  boolean isPartitioned() {
    return !blocked.isEmpty();
  }

  void heal() {
    blocked.clear();
  }

  private static long link(long from, long to) {
    return (from << 32) | to;
  }
}
