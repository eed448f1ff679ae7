package dev.cairn.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "0, PT0S",
    "90s, PT1M30S",
    "10m, PT10M",
    "1h30m, PT1H30M",
    "500ms, PT0.5S",
    "2h0m5s, PT2H5S"
  })
  void goDurationsParse(String text, String iso) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "m", "10x", "1h 30m", "-5s", "5s "})
  void anythingElseIsRefused(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a duration");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "90s", "10m", "1h30m", "500ms"})
  void theCrdPatternAcceptsWhatParses(String text) {
    assertThat(text).matches(AutomationSpec.DURATION);
  }
}
