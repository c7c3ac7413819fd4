package com.cohortwatch.cli;

import com.cohortwatch.UsageException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** `--key value` flags of one subcommand, checked against the flags the subcommand accepts. */
public final class Options {
  private final String command;
  private final Map<String, String> values;
  private final Map<String, String> confOverrides;
  private final boolean help;

  private Options(
      String command, Map<String, String> values, Map<String, String> conf, boolean help) {
    this.command = command;
    this.values = values;
    this.confOverrides = conf;
    this.help = help;
  }

  /** Flags that take no value: present means "true". */
  static final Set<String> SWITCHES = Set.of("sample-key", "full-recompute");

  /** Parses args after the subcommand name; `--conf k=v` may repeat, every other flag once. */
  public static Options parse(String command, List<String> args, Set<String> allowed) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> conf = new LinkedHashMap<>();
    boolean help = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        help = true;
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new UsageException(command + ": unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!allowed.contains(name) && !name.equals("conf")) {
        throw new UsageException(command + ": unknown flag --" + name);
      }
      if (value == null && SWITCHES.contains(name)) {
        value = "true";
      }
      if (value == null) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          throw new UsageException(command + ": --" + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (name.equals("conf")) {
        int ceq = value.indexOf('=');
        if (ceq <= 0) {
          throw new UsageException(command + ": --conf takes key=value, got '" + value + "'");
        }
        conf.put(value.substring(0, ceq), value.substring(ceq + 1));
      } else if (values.put(name, value) != null) {
        throw new UsageException(command + ": --" + name + " given twice");
      }
    }
    return new Options(command, values, conf, help);
  }

  public boolean help() {
    return help;
  }

  public Map<String, String> values() {
    return Collections.unmodifiableMap(values);
  }

  public Map<String, String> confOverrides() {
    return Collections.unmodifiableMap(confOverrides);
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String required(String name) {
    String v = values.get(name);
    if (v == null || v.isBlank()) {
      throw new UsageException(command + ": missing required --" + name);
    }
    return v;
  }

  public LocalDate date(String name) {
    String v = required(name);
    return parseDate(name, v);
  }

  public LocalDate optionalDate(String name) {
    return has(name) ? parseDate(name, values.get(name)) : null;
  }

  private LocalDate parseDate(String name, String v) {
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw new UsageException(command + ": --" + name + " must be YYYY-MM-DD, got '" + v + "'");
    }
  }

  public int positiveInt(String name, int fallback) {
    return wholeNumber(name, fallback, 1, "a positive whole number");
  }

  public int nonNegativeInt(String name, int fallback) {
    return wholeNumber(name, fallback, 0, "a whole number >= 0");
  }

  private int wholeNumber(String name, int fallback, int min, String what) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": --" + name + " must be " + what + ", got '" + v + "'");
    }
  }

  public Path optionalPath(String name) {
    return has(name) ? Paths.get(values.get(name)) : null;
  }
}
