package dev.cairn.store.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Keys order as etcd orders them: unsigned bytes, a prefix before its extensions. */
class BytesTest {
  @Test
  void ordersAsUnsignedByteStringsWhateverTheLengths() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      byte[] a = randomKey(random);
      byte[] b = random.nextInt(4) == 0 ? extendOrCut(a, random) : randomKey(random);
      assertThat(Integer.signum(Bytes.wrap(a).compareTo(Bytes.wrap(b))))
          .as("%s vs %s", Arrays.toString(a), Arrays.toString(b))
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
    }
  }

  @Test
  void aKeyEndingInZeroBytesSortsAfterItsPrefix() {
    assertThat(Bytes.wrap(new byte[] {'a'}).compareTo(Bytes.wrap(new byte[] {'a', 0})))
        .isNegative();
    assertThat(Bytes.wrap(new byte[] {(byte) 0xFF}).compareTo(Bytes.wrap(new byte[] {1})))
        .isPositive();
    assertThat(Bytes.wrap(new byte[0]).compareTo(Bytes.wrap(new byte[] {0}))).isNegative();
  }

  private static byte[] randomKey(SplittableRandom random) {
    byte[] k = new byte[random.nextInt(12)];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (random.nextInt(4) == 0 ? 0 : random.nextInt(256));
    }
    return k;
  }

  private static byte[] extendOrCut(byte[] a, SplittableRandom random) {
    byte[] b = Arrays.copyOf(a, Math.max(0, a.length + random.nextInt(5) - 2));
    return b;
  }
}
