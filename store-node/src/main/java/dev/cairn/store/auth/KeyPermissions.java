package dev.cairn.store.auth;

import dev.cairn.proto.authpb.Permission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The keys a user may read and write, merged from all of the user's roles into disjoint, sorted
 * intervals so that a range is allowed when one interval covers it whole, as etcd's unified range
 * permissions decide.
 *
 * <p>An interval is {@code [begin, end)}; a null end reaches past every key. A permission on one
 * key is the interval {@code [key, key\0)}; a range end of {@code \0} means every key from the
 * start on.
 */
final class KeyPermissions {
  private record Interval(byte[] begin, byte[] end) {}

  private final List<Interval> read;
  private final List<Interval> write;

  private KeyPermissions(List<Interval> read, List<Interval> write) {
    this.read = read;
    this.write = write;
  }

  static KeyPermissions of(List<Permission> perms) {
    List<Interval> read = new ArrayList<>();
    List<Interval> write = new ArrayList<>();
    for (Permission p : perms) {
      Interval i = interval(p.getKey().toByteArray(), p.getRangeEnd().toByteArray());
      if (p.getPermType() == Permission.Type.READ || p.getPermType() == Permission.Type.READWRITE) {
        read.add(i);
      }
      if (p.getPermType() == Permission.Type.WRITE
          || p.getPermType() == Permission.Type.READWRITE) {
        write.add(i);
      }
    }
    return new KeyPermissions(merge(read), merge(write));
  }

  private static Interval interval(byte[] key, byte[] rangeEnd) {
    if (rangeEnd.length == 0) {
      return new Interval(key, Arrays.copyOf(key, key.length + 1));
    }
    return new Interval(key, isOpenEnded(rangeEnd) ? null : rangeEnd);
  }

  static boolean isOpenEnded(byte[] rangeEnd) {
    return rangeEnd.length == 1 && rangeEnd[0] == 0;
  }

  private static List<Interval> merge(List<Interval> in) {
    in.sort(Comparator.comparing(Interval::begin, Arrays::compareUnsigned));
    List<Interval> out = new ArrayList<>();
    for (Interval i : in) {
      if (i.end() != null && Arrays.compareUnsigned(i.begin(), i.end()) >= 0) {
        continue; // empty
      }
      Interval last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null
          && (last.end() == null || Arrays.compareUnsigned(i.begin(), last.end()) <= 0)) {
        out.set(out.size() - 1, new Interval(last.begin(), maxEnd(last.end(), i.end())));
      } else {
        out.add(i);
      }
    }
    return out;
  }

  private static byte[] maxEnd(byte[] a, byte[] b) {
    if (a == null || b == null) {
      return null;
    }
    return Arrays.compareUnsigned(a, b) >= 0 ? a : b;
  }

  boolean canRead(byte[] key, byte[] rangeEnd) {
    return covers(read, key, rangeEnd);
  }

  boolean canWrite(byte[] key, byte[] rangeEnd) {
    return covers(write, key, rangeEnd);
  }

  /** Whether one interval holds the key (no range end) or the whole range. */
  private static boolean covers(List<Interval> intervals, byte[] key, byte[] rangeEnd) {
    byte[] end;
    if (rangeEnd == null || rangeEnd.length == 0) {
      end = Arrays.copyOf(key, key.length + 1);
    } else {
      end = isOpenEnded(rangeEnd) ? null : rangeEnd;
    }
    for (Interval i : intervals) {
      if (Arrays.compareUnsigned(i.begin(), key) > 0) {
        return false; // sorted: no later interval starts at or before the key
      }
      if (i.end() == null || (end != null && Arrays.compareUnsigned(end, i.end()) <= 0)) {
        return true;
      }
    }
    return false;
  }
}
