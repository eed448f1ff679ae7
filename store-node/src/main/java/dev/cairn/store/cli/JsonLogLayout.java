package dev.cairn.store.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.cairn.store.support.JsonText;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --log-format=json: one JSON object per line, with the fields etcd's zap logger writes ({@code
 * level}, {@code ts}, {@code logger}, {@code msg}, and {@code error} for a failure), so log
 * pipelines that parse etcd's logs parse these.
 */
final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

  /** Makes every console appender of the root logger write this layout. */
  static void install() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
      }
    }
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"level\":\"").append(e.getLevel().toString().toLowerCase(Locale.ROOT));
    b.append("\",\"ts\":\"").append(TS.format(Instant.ofEpochMilli(e.getTimeStamp())));
    b.append("\",\"logger\":\"");
    JsonText.escape(b, shortName(e.getLoggerName()));
    b.append("\",\"msg\":\"");
    JsonText.escape(b, e.getFormattedMessage());
    b.append('"');
    if (e.getThrowableProxy() != null) {
      b.append(",\"error\":\"");
      JsonText.escape(b, ThrowableProxyUtil.asString(e.getThrowableProxy()));
      b.append('"');
    }
    return b.append("}\n").toString();
  }

  private static String shortName(String logger) {
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }
}
