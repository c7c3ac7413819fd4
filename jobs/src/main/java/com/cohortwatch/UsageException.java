package com.cohortwatch;

/** A wrong flag or missing argument: the CLI prints the message on one line and exits with 2. */
public class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
