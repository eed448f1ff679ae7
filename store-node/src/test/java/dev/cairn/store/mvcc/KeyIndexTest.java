package dev.cairn.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyIndexTest {
  private static byte[] key() {
    return "k".getBytes();
  }

  @Test
  void readAtRevisionSeesTheNewestChangeAtOrBeforeIt() {
    KeyIndex ki = new KeyIndex(key());
    ki.put(2, 0);
    ki.put(4, 0);
    ki.put(6, 1);

    assertThat(ki.get(1)).isNull();
    assertThat(ki.get(2)).isEqualTo(new KeyIndex.Hit(new Revision(2, 0), 2, 1));
    assertThat(ki.get(5)).isEqualTo(new KeyIndex.Hit(new Revision(4, 0), 2, 2));
    assertThat(ki.get(100)).isEqualTo(new KeyIndex.Hit(new Revision(6, 1), 2, 3));
  }

  @Test
  void deletionEndsAGenerationAndRecreationStartsAtVersionOne() {
    KeyIndex ki = new KeyIndex(key());
    ki.put(2, 0);
    ki.put(3, 0);
    ki.tombstone(5, 0);
    ki.put(8, 0);

    assertThat(ki.get(4)).isEqualTo(new KeyIndex.Hit(new Revision(3, 0), 2, 2));
    assertThat(ki.get(5)).isNull();
    assertThat(ki.get(7)).isNull();
    assertThat(ki.existsAt(6)).isFalse();
    assertThat(ki.get(8)).isEqualTo(new KeyIndex.Hit(new Revision(8, 0), 8, 1));
  }

  @Test
  void compactionKeepsTheNewestRevisionAtOrBeforeItAndVersionsStayRight() {
    KeyIndex ki = new KeyIndex(key());
    ki.put(2, 0);
    ki.put(3, 0);
    ki.put(4, 0);
    ki.put(7, 0);

    Set<Revision> keep = new HashSet<>();
    ki.compact(5, keep);

    assertThat(keep).containsExactly(new Revision(4, 0));
    assertThat(ki.get(5)).isEqualTo(new KeyIndex.Hit(new Revision(4, 0), 2, 3));
    assertThat(ki.get(7)).isEqualTo(new KeyIndex.Hit(new Revision(7, 0), 2, 4));
  }

  @Test
  void compactionDropsGenerationsDeletedBeforeIt() {
    KeyIndex ki = new KeyIndex(key());
    ki.put(2, 0);
    ki.tombstone(3, 0);

    Set<Revision> keepAtTombstone = new HashSet<>();
    ki.compact(3, keepAtTombstone);
    assertThat(keepAtTombstone).containsExactly(new Revision(3, 0));
    assertThat(ki.isEmpty()).isFalse();

    Set<Revision> keepLater = new HashSet<>();
    ki.compact(4, keepLater);
    assertThat(keepLater).isEmpty();
    assertThat(ki.isEmpty()).isTrue();
  }
}
