package dev.cairn.store.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotTrailerTest {
  @Test
  void acceptsABodyAndItsDigestWhateverTheChunking() throws Exception {
    byte[] stream = stream(3 * 512);
    for (int chunk : new int[] {1, 7, 31, 32, 33, 512, stream.length}) {
      SnapshotTrailer t = new SnapshotTrailer();
      for (int off = 0; off < stream.length; off += chunk) {
        t.update(stream, off, Math.min(chunk, stream.length - off));
      }
      assertThat(t.size()).isEqualTo(stream.length);
      t.check();
    }
  }

  @Test
  void refusesAFlippedByteAndABadLength() throws Exception {
    byte[] stream = stream(2 * 512);
    stream[100] ^= 1;
    SnapshotTrailer flipped = new SnapshotTrailer();
    flipped.update(stream, 0, stream.length);
    assertThatThrownBy(flipped::check).hasMessageContaining("SHA-256");

    SnapshotTrailer shortOne = new SnapshotTrailer();
    shortOne.update(stream, 0, stream.length - 1);
    assertThatThrownBy(shortOne::check).hasMessageContaining("sha256 checksum not found");
  }

  private static byte[] stream(int body) throws Exception {
    byte[] b = new byte[body + 32];
    new Random(7).nextBytes(b);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(b, body));
    System.arraycopy(digest, 0, b, body, 32);
    return b;
  }
}
