package dev.cairn.store.apply;

import dev.cairn.proto.etcdserverpb.AlarmMember;
import dev.cairn.proto.etcdserverpb.AlarmType;
import dev.cairn.store.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The raised alarms of the cluster, as etcd's alarm store keeps them: at most one per member and
 * type. Changed only by applying committed Alarm requests (or by installing a snapshot), so every
 * member holds the same set.
 *
 * <p>Threading: written by the apply thread; read from any thread. Every read sees one whole set.
 */
public final class Alarms {
  private static final Comparator<AlarmMember> ORDER =
      Comparator.comparingInt(AlarmMember::getAlarmValue)
          .thenComparing(AlarmMember::getMemberID, Long::compareUnsigned);

  // Invariant: sorted by ORDER, no two entries with the same member and type; never modified.
  private volatile List<AlarmMember> active;

  /**
   * @param stored the alarms on disk, as {@link MvccStore#storedAlarms()} lists them
   */
  public Alarms(List<long[]> stored) {
    this.active = fromStored(stored);
  }

  /** Replaces every alarm by those on disk: the key space was replaced by a snapshot. */
  public void reload(List<long[]> stored) {
    active = fromStored(stored);
  }

  private static List<AlarmMember> fromStored(List<long[]> stored) {
    List<AlarmMember> out = new ArrayList<>(stored.size());
    for (long[] a : stored) {
      AlarmMember m = member(a[0], (int) a[1]);
      if (!out.contains(m)) {
        out.add(m);
      }
    }
    out.sort(ORDER);
    return List.copyOf(out);
  }

  private static AlarmMember member(long memberId, int type) {
    return AlarmMember.newBuilder().setMemberID(memberId).setAlarmValue(type).build();
  }

  /** Every raised alarm, by type then member. */
  public List<AlarmMember> list() {
    return active;
  }

  /** The raised alarms of one type; {@link AlarmType#NONE} lists all, as etcd's Get does. */
  public List<AlarmMember> get(AlarmType type) {
    if (type == AlarmType.NONE) {
      return active;
    }
    return active.stream().filter(a -> a.getAlarm() == type).toList();
  }

  /** Whether this member has raised an alarm of this type. */
  public boolean isActive(long memberId, AlarmType type) {
    return active.contains(member(memberId, type.getNumber()));
  }

  /** Whether any member has raised an alarm of this type. */
  public boolean anyActive(AlarmType type) {
    for (AlarmMember a : active) {
      if (a.getAlarm() == type) {
        return true;
      }
    }
    return false;
  }

  /**
   * Raises an alarm in the batch being applied. Raising one already raised changes nothing.
   *
   * @return the alarm, raised now or before
   */
  AlarmMember activate(MvccStore.WriteBatch batch, long memberId, int type) {
    AlarmMember m = member(memberId, type);
    List<AlarmMember> now = active;
    if (now.contains(m)) {
      return m;
    }
    batch.saveAlarm(memberId, type);
    List<AlarmMember> next = new ArrayList<>(now);
    next.add(m);
    next.sort(ORDER);
    active = List.copyOf(next);
    return m;
  }

  /**
   * Clears an alarm in the batch being applied.
   *
   * @return the alarm cleared, or null if it was not raised
   */
  AlarmMember deactivate(MvccStore.WriteBatch batch, long memberId, int type) {
    AlarmMember m = member(memberId, type);
    List<AlarmMember> now = active;
    if (!now.contains(m)) {
      return null;
    }
    batch.removeAlarm(memberId, type);
    List<AlarmMember> next = new ArrayList<>(now);
    next.remove(m);
    active = List.copyOf(next);
    return m;
  }
}
