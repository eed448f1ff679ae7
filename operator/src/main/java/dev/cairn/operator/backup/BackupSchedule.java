package dev.cairn.operator.backup;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * A backup schedule in the format of a Kubernetes CronJob: five fields (minute, hour, day of month,
 * month, day of week) or one of the macros, evaluated in UTC.
 */
public final class BackupSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  /** The macros a CronJob accepts, as the five fields they stand for. */
  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  private final ExecutionTime times;

  private BackupSchedule(ExecutionTime times) {
    this.times = times;
  }

  /**
   * @throws IllegalArgumentException with a message for the user when {@code schedule} is not one
   */
  public static BackupSchedule parse(String schedule) {
    String fields = MACROS.getOrDefault(schedule.trim(), schedule.trim());
    try {
      return new BackupSchedule(ExecutionTime.forCron(PARSER.parse(fields).validate()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "schedule \"" + schedule + "\" is not a cron schedule: " + e.getMessage());
    }
  }

  /**
   * The latest scheduled time after {@code after} and at or before {@code now}: the one run due
   * now. Runs missed in between are not caught up, as a CronJob does not either.
   */
  public Optional<Instant> due(Instant after, Instant now) {
    // lastExecution answers strictly before its argument; a second later includes now itself.
    ZonedDateTime upTo = utc(now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1));
    return times
        .lastExecution(upTo)
        .map(ZonedDateTime::toInstant)
        .filter(t -> t.isAfter(after) && !t.isAfter(now));
  }

  /** The first scheduled time after {@code now}. */
  public Optional<Instant> next(Instant now) {
    return times.nextExecution(utc(now)).map(ZonedDateTime::toInstant);
  }

  private static ZonedDateTime utc(Instant instant) {
    return instant.atZone(ZoneOffset.UTC);
  }
}
