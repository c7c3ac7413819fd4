package com.cohortwatch.cli;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.UsageException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: pick the subcommand, parse its flags, run it (each command parses its flags
 * into an immutable config, builds the session and calls one {@code run}). Exit codes: 0 success, 1
 * a failure with a one-line reason, 2 a usage error.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** The commands in the order the top-level help lists them. */
  private final Map<String, Command> commands = new LinkedHashMap<>();

  Main() {
    for (Command c :
        List.of(
            new RunCommand(),
            new BackfillCommand(),
            new ExportCommand(),
            new BacktestCommand(),
            new GenerateCommand(),
            new EvaluateCommand(),
            new ReportCommand(),
            new PurgeCommand(),
            new EraseCommand())) {
      commands.put(c.name(), c);
    }
  }

  Set<String> commandNames() {
    return commands.keySet();
  }

  /** The flags a command accepts; every command also takes --conf and --help. */
  Set<String> flagsOf(String command) {
    Set<String> flags = new java.util.TreeSet<>(commands.get(command).flags());
    flags.add("conf");
    return flags;
  }

  private String usage() {
    StringBuilder sb =
        new StringBuilder(
            "usage: cohortwatch <command> [flags]   (cohortwatch <command> --help)\ncommands:\n");
    commands
        .keySet()
        .forEach(c -> sb.append(String.format("  %-9s %s%n", c, commands.get(c).summary())));
    sb.append(
        "  --version print the versions of CohortWatch, Spark and Delta Lake and the git commit\n");
    sb.append(
        "debugging: COHORTWATCH_DEBUG=1 prints the stack trace of a failure;"
            + " COHORTWATCH_JAVA_OPTS=-Dcohortwatch.ui=true opens the Spark UI (README,"
            + " \"Debugging\")");
    return sb.toString();
  }

  /** Runs one command line; returns the exit code. */
  int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println(usage());
      return 2;
    }
    if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.println(usage());
      return 0;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      out.println(BuildInfo.load().describe());
      return 0;
    }
    Command command = commands.get(args[0]);
    if (command == null) {
      err.println(
          "cohortwatch: unknown command '"
              + args[0]
              + "'; commands: "
              + String.join(", ", commands.keySet()));
      return 2;
    }
    try {
      List<String> rest = Arrays.asList(args).subList(1, args.length);
      Options options = Options.parse(args[0], rest, command.flags());
      if (options.help()) {
        out.println(command.help());
        return 0;
      }
      command.execute(options, out);
      return 0;
    } catch (UsageException e) {
      err.println("cohortwatch " + e.getMessage());
      return 2;
    } catch (CohortWatchException e) {
      LOG.debug("failure", e);
      err.println("cohortwatch " + args[0] + " failed: " + CommandSupport.oneLine(e.getMessage()));
      return 1;
    } catch (RuntimeException | Error e) {
      LOG.debug("unexpected failure", e);
      err.println(
          "cohortwatch "
              + args[0]
              + " failed: "
              + e.getClass().getSimpleName()
              + ": "
              + CommandSupport.oneLine(String.valueOf(e.getMessage())));
      if (System.getenv("COHORTWATCH_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  public static void main(String[] args) {
    int code = new Main().execute(args, System.out, System.err);
    System.exit(code);
  }
}
