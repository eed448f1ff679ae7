package dev.cairn.store.observability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every sample must
 * belong to a family declared by a TYPE line, with the suffixes its type allows, and parse.
 */
final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*})?"
              + " ([^ ]+)( -?[0-9]+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  /** One sample: its full name, labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: name, type and samples. */
  record Family(String name, String type, List<Sample> samples) {
    /** The value of the sample with exactly these label values (alternating name, value). */
    double value(String... labelPairs) {
      return sample("", labelPairs).value();
    }

    Sample sample(String suffix, String... labelPairs) {
      Map<String, String> want = new LinkedHashMap<>();
      for (int i = 0; i + 1 < labelPairs.length; i += 2) {
        want.put(labelPairs[i], labelPairs[i + 1]);
      }
      return samples.stream()
          .filter(s -> s.name().equals(name + suffix) && s.labels().equals(want))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no sample " + name + suffix + want));
    }
  }

  private PrometheusText() {}

  /** Every family of an exposition, by name; throws AssertionError on any malformed line. */
  static Map<String, Family> parse(String text) {
    Map<String, Family> families = new LinkedHashMap<>();
    Family current = null;
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        if (p.length != 4 || !NAME.matcher(p[2]).matches()) {
          throw new AssertionError("line " + n + ": bad TYPE: " + line);
        }
        if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3])) {
          throw new AssertionError("line " + n + ": unknown type: " + line);
        }
        if (families.containsKey(p[2])) {
          throw new AssertionError("line " + n + ": family declared twice: " + p[2]);
        }
        current = new Family(p[2], p[3], new ArrayList<>());
        families.put(p[2], current);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("line " + n + ": not a sample: " + line);
      }
      String name = m.group(1);
      if (current == null || !belongs(name, current)) {
        throw new AssertionError("line " + n + ": sample outside its family: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      double value;
      try {
        value =
            switch (m.group(3)) {
              case "+Inf" -> Double.POSITIVE_INFINITY;
              case "-Inf" -> Double.NEGATIVE_INFINITY;
              case "NaN" -> Double.NaN;
              default -> Double.parseDouble(m.group(3));
            };
      } catch (NumberFormatException e) {
        throw new AssertionError("line " + n + ": bad value: " + line);
      }
      current.samples().add(new Sample(name, labels, value));
    }
    return families;
  }

  private static boolean belongs(String sample, Family f) {
    return switch (f.type()) {
      case "histogram" ->
          sample.equals(f.name() + "_bucket")
              || sample.equals(f.name() + "_sum")
              || sample.equals(f.name() + "_count")
              || sample.equals(f.name() + "_created");
      case "summary" ->
          sample.equals(f.name())
              || sample.equals(f.name() + "_sum")
              || sample.equals(f.name() + "_count")
              || sample.equals(f.name() + "_created");
      case "counter" -> sample.equals(f.name()) || sample.equals(f.name() + "_created");
      default -> sample.equals(f.name());
    };
  }
}
