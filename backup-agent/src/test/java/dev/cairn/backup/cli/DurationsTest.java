package dev.cairn.backup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void goDurations() {
    assertThat(Durations.parse("--max-age", "72h")).isEqualTo(Duration.ofHours(72));
    assertThat(Durations.parse("--max-age", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("--max-age", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("--max-age", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("--max-age", "0")).isEqualTo(Duration.ZERO);
  }

  @Test
  void isoDurations() {
    assertThat(Durations.parse("--max-age", "P7D")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("--max-age", "PT36H")).isEqualTo(Duration.ofHours(36));
  }

  @Test
  void anythingElseIsRefusedNamingTheFlag() {
    for (String bad : new String[] {"", "72", "3d", "h", "1h 30m", "P1X", "-1h"}) {
      assertThatThrownBy(() -> Durations.parse("--max-age", bad))
          .as(bad)
          .hasMessageContaining("--max-age must be a duration");
    }
  }
}
