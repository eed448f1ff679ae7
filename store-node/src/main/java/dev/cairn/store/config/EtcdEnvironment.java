package dev.cairn.store.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * etcd's environment variables: every flag {@code --foo-bar} may be given as {@code ETCD_FOO_BAR};
 * a flag on the command line wins over the variable.
 */
public final class EtcdEnvironment implements CommandLine.IDefaultValueProvider {
  private final Map<String, String> env;

  public EtcdEnvironment(Map<String, String> env) {
    this.env = env;
  }

  /** The variable name for a flag name such as {@code --data-dir}. */
  public static String variableFor(String flag) {
    String bare = flag.replaceFirst("^-+", "");
    return "ETCD_" + bare.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec arg) {
    if (arg instanceof CommandLine.Model.OptionSpec option) {
      String v = env.get(variableFor(option.longestName()));
      if (v != null) {
        return v;
      }
    }
    return arg.defaultValue();
  }

  /** ETCD_* variables that name no flag of the command (etcd warns about them too). */
  public List<String> unrecognized(CommandLine.Model.CommandSpec spec) {
    Set<String> known = new java.util.HashSet<>();
    for (CommandLine.Model.OptionSpec o : spec.options()) {
      known.add(variableFor(o.longestName()));
    }
    List<String> out = new ArrayList<>();
    for (String k : env.keySet()) {
      if (k.startsWith("ETCD_") && !known.contains(k)) {
        out.add(k);
      }
    }
    out.sort(null);
    return out;
  }
}
