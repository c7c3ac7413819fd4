package com.cohortwatch.cli;

import java.io.PrintStream;
import java.util.Set;

/** One subcommand of {@code cohortwatch}: its name, its flags, its help, and what it does. */
interface Command {
  String name();

  /** One line for the top-level help. */
  String summary();

  /** The flags it accepts besides --conf and --help. */
  Set<String> flags();

  String help();

  /**
   * Runs it on parsed flags; throws {@link com.cohortwatch.UsageException} for a usage error and
   * {@link com.cohortwatch.CohortWatchException} for a failure with a one-line reason.
   */
  void execute(Options options, PrintStream out);
}
