package dev.cairn.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackupScheduleTest {
  private static Instant at(String time) {
    return Instant.parse(time);
  }

  @Test
  void everyMinuteIsDueOnceAMinuteAndOnlyForTheLatestMissedRun() {
    BackupSchedule everyMinute = BackupSchedule.parse("* * * * *");

    assertThat(everyMinute.due(at("2026-12-04T10:00:00Z"), at("2026-12-04T10:00:59Z"))).isEmpty();
    assertThat(everyMinute.due(at("2026-12-04T10:00:00Z"), at("2026-12-04T10:01:00Z")))
        .contains(at("2026-12-04T10:01:00Z"));
    // Three runs missed while the operator was down: one backup, for the latest.
    assertThat(everyMinute.due(at("2026-12-04T10:00:00Z"), at("2026-12-04T10:03:30Z")))
        .contains(at("2026-12-04T10:03:00Z"));
    assertThat(everyMinute.next(at("2026-12-04T10:03:30Z"))).contains(at("2026-12-04T10:04:00Z"));
  }

  @Test
  void fieldsAndMacrosAreReadAsACronJobReadsThem() {
    BackupSchedule sixHourly = BackupSchedule.parse("0 */6 * * *");
    assertThat(sixHourly.next(at("2026-12-04T07:15:00Z"))).contains(at("2026-12-04T12:00:00Z"));
    assertThat(BackupSchedule.parse("@daily").next(at("2026-12-04T07:15:00Z")))
        .contains(at("2026-12-05T00:00:00Z"));
    assertThat(
            BackupSchedule.parse("@hourly")
                .due(at("2026-12-04T06:59:00Z"), at("2026-12-04T07:15:00Z")))
        .contains(at("2026-12-04T07:00:00Z"));
  }

  @Test
  void anInvalidScheduleSaysWhy() {
    assertThatThrownBy(() -> BackupSchedule.parse("every hour"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("schedule \"every hour\" is not a cron schedule");
    assertThatThrownBy(() -> BackupSchedule.parse("61 * * * *"))
        .hasMessageStartingWith("schedule \"61 * * * *\" is not a cron schedule");
  }
}
