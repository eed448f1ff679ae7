package dev.cairn.store.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationsTest {
  @Test
  void readsWhatGoParseDurationReads() {
    assertThat(GoDurations.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(GoDurations.parse("1.5s")).contains(Duration.ofMillis(1500));
    assertThat(GoDurations.parse("250ms")).contains(Duration.ofMillis(250));
    assertThat(GoDurations.parse("3us")).contains(Duration.ofNanos(3000));
    assertThat(GoDurations.parse("3µs7ns")).contains(Duration.ofNanos(3007));
    assertThat(GoDurations.parse(" 0 ")).contains(Duration.ZERO);
  }

  @Test
  void refusesWhatItIsNot() {
    for (String bad : new String[] {"", "10", "3 days", "1h 30m", "m5", "5d", "1h30"}) {
      assertThat(GoDurations.parse(bad)).as(bad).isEmpty();
    }
  }
}
