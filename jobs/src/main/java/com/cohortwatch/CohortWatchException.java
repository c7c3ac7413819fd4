package com.cohortwatch;

/** A failure the user can act on: the CLI prints its message on one line and exits with 1. */
public class CohortWatchException extends RuntimeException {
  public CohortWatchException(String message) {
    super(message);
  }

  public CohortWatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
